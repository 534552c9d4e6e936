"""Checks with the toolkit's real analyzers on the bundled ACS data, planted drift and profiles."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from rai.datasets import load_acs_employment

from monitors import Monitor, MonitorConfig, Endpoint, Store, run_check
from monitors._demo import _acs_spec

from .conftest import SECRET, FakeClock


@pytest.fixture(scope="module")
def acs():
    ref = load_acs_employment(2015).sample(3000, random_state=0).reset_index(drop=True)
    cur = load_acs_employment(2018).sample(3000, random_state=1).reset_index(drop=True)
    return ref, cur


def test_real_yearly_batch_has_no_drift_and_sends_nothing(tmp_path, acs, receiver):
    ref, cur = acs
    cfg = MonitorConfig(name="acs", store=f"sqlite:///{tmp_path / 'm.db'}", webhooks=(Endpoint(name="r", url=receiver.url),))
    mon = Monitor(cfg, spec=_acs_spec(), secret=SECRET, options={"performance": {"n_bootstrap": 0}})
    out = mon.check(cur, window="2018", reference=ref)
    assert out.check.drift.dataset_drift is False and out.alerts == []
    assert receiver.requests == []
    # performance ran because labels and predictions are in the batch
    assert 0.75 < out.check.signals["performance.accuracy"] < 0.9


def test_planted_drift_is_found_and_delivered_with_the_analyzer_statistics(tmp_path, acs, receiver):
    ref, cur = acs
    planted = cur.copy()
    rng = np.random.default_rng(0)
    planted["AGEP"] = planted["AGEP"] + 15  # an older population
    for col in ("SCHL", "MAR", "RELP", "ESP", "CIT", "MIG", "MIL", "ANC"):  # a broken join: codes shuffled
        planted[col] = rng.permutation(ref[col].unique())[rng.integers(0, ref[col].nunique(), len(planted))]
    clock = FakeClock()
    cfg = MonitorConfig(name="acs", store=f"sqlite:///{tmp_path / 'm.db'}", webhooks=(Endpoint(name="r", url=receiver.url),))
    mon = Monitor(cfg, spec=_acs_spec(), secret=SECRET, clock=clock, sleep=clock.sleep, rng=random.Random(0),
                  options={"performance": {"n_bootstrap": 0}})
    out = mon.check(planted, window="planted", reference=ref)
    d = out.check.drift
    assert d.dataset_drift and d.n_drifted >= 9
    drifted = {c.column for c in d.columns if c.drifted}
    assert {"AGEP", "SCHL", "MAR", "ANC"} <= drifted and "SEX" not in drifted and "RAC1P" not in drifted
    # independent oracle: evidently's normed Wasserstein = scipy's distance / reference std
    agep = next(c for c in d.columns if c.column == "AGEP")
    oracle = stats.wasserstein_distance(ref["AGEP"], planted["AGEP"]) / np.std(ref["AGEP"])  # ddof=0, as evidently
    assert agep.method == "wasserstein" and agep.statistic == pytest.approx(oracle, rel=1e-6)
    (event,) = receiver.events()
    cols = {c["column"]: c for c in event["data"]["drifted_columns"]}
    assert set(cols) == drifted | {c.column for c in d.prediction if c.drifted}
    assert cols["AGEP"]["statistic"] == pytest.approx(oracle, rel=1e-6)
    # what the history stores is what the analyzer returned
    (run,) = Store(cfg.store).history()
    stored = {c["column"]: c["statistic"] for c in run["columns"]}
    assert stored["AGEP"] == pytest.approx(agep.statistic)
    assert run["n_drifted"] == d.n_drifted


def test_profile_and_raw_reference_agree_within_the_documented_tolerance(acs):
    from rai._profile import Profile

    ref, cur = acs
    spec = _acs_spec()
    rng = np.random.default_rng(3)
    # a continuous feature so one column is sketched, not exact
    ref = ref.assign(income=rng.lognormal(10, 0.6, len(ref)))
    cur = cur.assign(income=rng.lognormal(10.05, 0.6, len(cur)))
    profile = Profile.from_dict(Profile.from_validated(spec.validate(ref, name="reference")).to_dict())
    raw = run_check(cur, reference=ref, spec=spec, options={"performance": {"n_bootstrap": 0}})
    prof = run_check(cur, profile=profile, spec=spec, options={"performance": {"n_bootstrap": 0}})
    a = {c.column: c for c in raw.drift.columns + raw.drift.prediction}
    b = {c.column: c for c in prof.drift.columns + prof.drift.prediction}
    assert set(a) == set(b)
    sketched = {c for c, p in profile.column_profiles.items() if not p.exact}
    assert "income" in sketched
    for col in a:
        assert a[col].method == b[col].method and a[col].drifted == b[col].drifted
        tol = 0.005 if col in sketched else 1e-9  # rai/_profile.py: ~0.004 normed Wasserstein for sketched columns
        assert abs(a[col].statistic - b[col].statistic) <= tol, col
    assert prof.signals["dataset_drift"] == raw.signals["dataset_drift"]


def test_demo_replays_acs_and_delivers_one_verified_webhook_for_the_simulated_incident(tmp_path):
    from monitors._demo import run_demo

    res = run_demo(tmp_path, rows=1500)
    assert res.real_drift_found is False
    assert [r["window"] for r in res.history] == ["2018-simulated-incident-AGEP-in-months", "2018", "2017", "2016"]
    assert len(res.received) == 1 and res.received[0]["verified"]
    assert "SIMULATED" in res.text or "simulated" in res.text
    assert "delivered after 1 attempt" in res.text


def test_cli_profile_then_run_against_it(tmp_path, acs):
    import subprocess
    import sys

    ref, cur = acs
    ref.to_parquet(tmp_path / "ref.parquet")
    planted = cur.assign(AGEP=cur["AGEP"] * 12)
    planted.to_parquet(tmp_path / "cur.parquet")
    common = ["--target", "employed", "--prediction", "prediction", "--score", "predicted_probability", "--id", "id",
              "--exclude", "year"]
    cats = ["--categorical", ",".join(c for c in _acs_spec().categorical)]
    p = subprocess.run([sys.executable, "-m", "rai.cli", "monitor", "profile", "--reference", str(tmp_path / "ref.parquet"),
                        "--out", str(tmp_path / "p.json"), *common, *cats], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    p = subprocess.run([sys.executable, "-m", "rai.cli", "monitor", "run", "--profile", str(tmp_path / "p.json"),
                        "--current", str(tmp_path / "cur.parquet"), "--store", f"sqlite:///{tmp_path / 'm.db'}", *common],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "drifted: AGEP" in p.stdout


def test_late_labels_are_joined_by_id_and_give_performance(acs):
    from sklearn.metrics import accuracy_score

    from rai._exceptions import DataContractError

    from monitors._checks import join_labels

    ref, cur = acs
    spec = _acs_spec()
    labels = cur[["id", "employed"]].iloc[::-1].iloc[:2000]  # shuffled order, a third not arrived yet
    joined = join_labels(cur.drop(columns=["employed"]), labels, spec)
    assert len(joined) == 2000
    res = run_check(joined, reference=ref, spec=spec, options={"performance": {"n_bootstrap": 0}})
    expected = accuracy_score(joined["employed"], joined["prediction"])
    assert res.signals["performance.accuracy"] == pytest.approx(expected)
    with pytest.raises(DataContractError, match="more than once"):
        join_labels(cur, pd.concat([labels, labels.iloc[:1]]), spec)
    with pytest.raises(DataContractError, match="id column 'id'"):
        join_labels(cur.drop(columns=["id"]), labels, spec)


def test_ndcg_matches_a_hand_computed_case():
    from monitors._attribution import ndcg

    # relevance 3, 2, 1 ranked in reverse: DCG = 1/log2(2) + 2/log2(3) + 3/log2(4), IDCG = 3 + 2/log2(3) + 1/2
    expected = (1 + 2 / np.log2(3) + 3 / 2) / (3 + 2 / np.log2(3) + 1 / 2)
    assert ndcg(np.array([3.0, 2.0, 1.0]), np.array([1.0, 2.0, 3.0])) == pytest.approx(expected)
    assert ndcg(np.array([3.0, 2.0, 1.0]), np.array([9.0, 5.0, 0.1])) == pytest.approx(1.0)


def test_attribution_drift_with_a_model(tmp_path, acs):
    from sklearn.ensemble import RandomForestClassifier

    from rai.datasets import ACS_FEATURES

    ref, cur = acs
    feats = list(ACS_FEATURES)
    model = RandomForestClassifier(n_estimators=20, max_depth=6, random_state=0).fit(ref[feats], ref["employed"])
    spec = _acs_spec()
    opts = {"performance": {"n_bootstrap": 0}, "attribution": {"n_rows": 200}}
    same = run_check(cur, reference=ref, spec=spec, options=opts, model=model)
    # a population shift: only people under 20 (school, not age, decides employment there)
    young = cur[cur["AGEP"] < 20].reset_index(drop=True)
    shifted = run_check(young, reference=ref, spec=spec, options=opts, model=model)
    assert same.signals["attribution.ndcg"] > 0.99
    assert shifted.signals["attribution.ndcg"] < same.signals["attribution.ndcg"] - 0.01
    assert same.attribution.top(1)["reference"] == ["AGEP"]
