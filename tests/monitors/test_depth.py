"""The deeper checks in the monitor: estimates on ACS with the demo model, batches without labels,
rules on estimated and multivariate signals, and the history that carries them."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from sklearn import metrics as skm

from rai.datasets import ACS_FEATURES, load_acs_employment

from monitors import Monitor, MonitorConfig, Rule, run_check
from monitors._cbpe import CBPE
from monitors._demo import _acs_spec


def _rai(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rai.cli", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def demo_model():
    from threadpoolctl import threadpool_limits

    from rai._demo import train_demo_model

    # one thread: on a shared machine OpenMP threads of boosting fight each other
    with threadpool_limits(limits=1, user_api="openmp"):
        return train_demo_model(load_acs_employment(2015))


@pytest.mark.slow
def test_estimates_on_acs_2016_2018_are_within_0_02_of_realized(demo_model):
    X = list(ACS_FEATURES)
    ref = load_acs_employment(2015)
    est = CBPE(n_samples=100).fit(ref["employed"], demo_model.predict_proba(ref[X])[:, 1])
    for year in (2016, 2017, 2018):
        batch = load_acs_employment(year)
        proba = demo_model.predict_proba(batch[X])[:, 1]
        e = est.estimate(proba)  # no labels given
        y = batch["employed"].to_numpy()
        realized_accuracy = skm.accuracy_score(y, demo_model.predict(batch[X]))
        realized_auc = skm.roc_auc_score(y, proba)
        assert abs(e.get("accuracy").value - realized_accuracy) <= 0.02, (year, e.get("accuracy"), realized_accuracy)
        assert abs(e.get("roc_auc").value - realized_auc) <= 0.02, (year, e.get("roc_auc"), realized_auc)


@pytest.fixture(scope="module")
def acs_small():
    ref = load_acs_employment(2015).sample(3000, random_state=0).reset_index(drop=True)
    cur = load_acs_employment(2018).sample(2000, random_state=1).reset_index(drop=True)
    return ref, cur


def test_a_batch_without_its_target_gets_estimates_from_the_score_column(acs_small):
    ref, cur = acs_small
    unlabelled = cur.drop(columns=["employed"])
    check = run_check(unlabelled, reference=ref, spec=_acs_spec(), options={"multivariate": {"methods": []}})
    assert check.performance is None and check.estimated is not None
    assert any("no target column 'employed'" in n for n in check.notes)
    # oracle: the same CBPE fitted by hand on the reference's own score and labels
    oracle = CBPE().fit(ref["employed"], ref["predicted_probability"]).estimate(
        cur["predicted_probability"], y_pred=cur["prediction"])
    for m in oracle.metrics:
        assert check.signals[f"performance.estimated.{m.name}"] == pytest.approx(m.value)
        assert check.estimated.get(m.name).realized is None
    # with the labels, realized values sit beside the estimates
    labelled = run_check(cur, reference=ref, spec=_acs_spec(), options={"multivariate": {"methods": []}})
    acc = labelled.estimated.get("accuracy")
    assert acc.realized == pytest.approx(skm.accuracy_score(cur["employed"], cur["prediction"]))
    assert labelled.signals["performance.accuracy"] == pytest.approx(acc.realized)


def test_scores_come_from_the_model_when_given(acs_small):
    from sklearn.tree import DecisionTreeClassifier

    ref, cur = acs_small
    X = list(ACS_FEATURES)
    model = DecisionTreeClassifier(max_depth=5, random_state=0).fit(ref[X], ref["employed"])
    spec = _acs_spec().replace(prediction=None, score=None)
    frame = cur.drop(columns=["employed", "prediction", "predicted_probability"])
    check = run_check(frame, reference=ref.drop(columns=["prediction", "predicted_probability"]), spec=spec,
                      model=model, options={"multivariate": {"methods": []}, "attribution": {"n_rows": 30}})
    oracle = CBPE().fit(ref["employed"], model.predict_proba(ref[X])[:, 1]).estimate(model.predict_proba(cur[X])[:, 1])
    assert check.estimated.get("roc_auc").value == pytest.approx(oracle.get("roc_auc").value)


def test_rules_fire_on_estimated_and_multivariate_signals_and_history_keeps_them(tmp_path, acs_small):
    ref, cur = acs_small
    cfg = MonitorConfig(name="acs", store=f"sqlite:///{tmp_path / 'm.db'}", rules=(
        Rule(name="estimated-accuracy", signal="performance.estimated.accuracy", op="<", threshold=0.99),
        Rule(name="multivariate", signal="multivariate.pca_reconstruction.drifted", op=">=", threshold=1),
    ))
    mon = Monitor(cfg, spec=_acs_spec(), options={"multivariate": {"methods": ["pca_reconstruction"]}})
    batch = cur.drop(columns=["employed"]).copy()
    batch["AGEP"] = batch["AGEP"] * 12  # a unit change: rows leave the reference's principal subspace
    out = mon.check(batch, window="w1", reference=ref, deliver=False)
    assert {a.rule for a in out.fired} == {"estimated-accuracy", "multivariate"}
    (run,) = mon.store.history()
    mon.close()
    est = out.check.estimated.get("accuracy")
    assert run["signals"]["performance.estimated.accuracy"] == pytest.approx(est.value)
    assert run["performance_estimated"]["metrics"]["accuracy"]["ci_low"] == pytest.approx(est.ci_low)
    pca = run["multivariate"]["pca_reconstruction"]
    assert pca["drifted"] is True and pca["statistic"] > pca["threshold"]
    assert run["signals"]["multivariate.pca_reconstruction.drifted"] == 1.0


def test_cli_run_on_a_batch_without_labels_prints_the_estimates(tmp_path, acs_small):
    ref, cur = acs_small
    ref.to_parquet(tmp_path / "ref.parquet")
    cur.drop(columns=["employed"]).to_parquet(tmp_path / "batch.parquet")
    store = f"sqlite:///{tmp_path / 'm.db'}"
    cfg = tmp_path / "rai.yaml"
    cfg.write_text("version: 1\nanalyzers:\n  multivariate: {methods: [pca_reconstruction]}\n")
    args = ["monitor", "run", "--reference", str(tmp_path / "ref.parquet"), "--current", str(tmp_path / "batch.parquet"),
            "--target", "employed", "--prediction", "prediction", "--score", "predicted_probability",
            "--id", "id", "--exclude", "year", "--store", store, "--config", str(cfg)]
    res = _rai(*args)
    assert res.returncode == 0, res.stderr
    assert "estimated performance (CBPE" in res.stdout and "roc_auc" in res.stdout
    assert "multivariate drift pca_reconstruction" in res.stdout
    hist = _rai("monitor", "history", "--store", store, "--format", "json")
    (run,) = json.loads(hist.stdout)
    assert 0.5 < run["signals"]["performance.estimated.accuracy"] < 1.0
    assert np.isfinite(run["multivariate"]["pca_reconstruction"]["threshold"])


def test_metric_records_carry_the_intervals(acs_small):
    from monitors._depth import depth_metrics

    ref, cur = acs_small
    check = run_check(cur.drop(columns=["employed"]), reference=ref, spec=_acs_spec(),
                      options={"multivariate": {"methods": ["pca_reconstruction"]}})
    records = {m.path: m for m in depth_metrics(check)}
    acc = records["performance.estimated.accuracy"]
    assert (acc.value, acc.ci_low, acc.ci_high, acc.n) == (
        check.estimated.get("accuracy").value, check.estimated.get("accuracy").ci_low,
        check.estimated.get("accuracy").ci_high, len(cur))
    pca = records["multivariate.pca_reconstruction.statistic"]
    assert pca.value == check.signals["multivariate.pca_reconstruction.statistic"] and pca.has_interval


def test_rules_from_yaml_take_the_new_paths_and_refuse_unknown_ones():
    from rai._exceptions import ConfigError

    cfg = MonitorConfig.from_mapping({"rules": [
        {"name": "est", "metric": "performance.estimated.roc_auc", "op": "<", "threshold": 0.85, "decide_on": "ci"},
        {"name": "mv", "signal": "multivariate.domain_classifier.drifted", "op": "==", "threshold": True},
    ]})
    assert [r.metric for r in cfg.rules] == ["performance.estimated.roc_auc", "multivariate.domain_classifier.drifted"]
    with pytest.raises(ConfigError, match=r"monitor.rules\[0\].signal: unknown signal 'multivariate.domain_classifier'"):
        MonitorConfig.from_mapping({"rules": [{"signal": "multivariate.domain_classifier", "threshold": 1}]})


_POOLS_DURING_FIT = """
import numpy as np, pandas as pd
from threadpoolctl import threadpool_info
import rai._threads
from monitors import _depth, _multivariate

rai._threads.free_cores = lambda: 1  # as on a machine whose other cores are busy
seen = []
fit = _multivariate.DomainClassifierDrift.fit
def spy(self, reference):
    seen.extend(p["num_threads"] for p in threadpool_info() if p["user_api"] == "openmp")
    return fit(self, reference)
_multivariate.DomainClassifierDrift.fit = spy
rng = np.random.default_rng(0)
ref = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300)})
cur = pd.DataFrame({"a": rng.normal(size=100), "b": rng.normal(size=100)})
_depth._multivariate(ref, cur, features=["a", "b"], categorical=[], seed=0,
                     options={"methods": ["domain_classifier"], "domain_classifier": {"n_chunks": 2}})
print(seen)
"""


@pytest.mark.skipif((__import__("os").cpu_count() or 1) < 2, reason="one core: the pool has one thread anyway")
def test_the_classifier_s_openmp_pool_is_limited_to_the_free_cores():
    # a fresh process: sklearn (and its OpenMP runtime) not yet loaded when the check starts
    out = subprocess.run([sys.executable, "-c", _POOLS_DURING_FIT], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[1]"
