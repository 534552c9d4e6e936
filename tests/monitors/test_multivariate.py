"""Multivariate drift: a flipped correlation that no per-column test sees, and no alarm on the reference."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from rai._exceptions import DataContractError
from rai._spec import DatasetSpec

from monitors import run_check
from monitors._multivariate import DomainClassifierDrift, ReconstructionDrift

FEATURES = ["x1", "x2", "x3", "colour"]


def _frame(n: int, rho: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.multivariate_normal([0.0, 0.0], [[1.0, rho], [rho, 1.0]], size=n)
    return pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "x3": rng.normal(size=n),
                         "colour": rng.choice(["red", "green", "blue"], size=n, p=[0.5, 0.3, 0.2])})


@pytest.fixture(scope="module")
def flipped():
    reference = _frame(4000, 0.8, seed=0)
    current = _frame(2000, -0.8, seed=1)  # the same marginals, the correlation flipped
    return reference, current, run_check(current, reference=reference, spec=DatasetSpec(), seed=0)


def test_flipped_correlation_drifts_no_column_but_fires_both_methods(flipped):
    reference, current, check = flipped
    assert check.drift.n_drifted == 0 and not any(c.drifted for c in check.drift.columns)
    by_method = {m.method: m for m in check.multivariate}
    assert set(by_method) == {"domain_classifier", "pca_reconstruction"}
    dc = by_method["domain_classifier"]
    assert dc.drifted and dc.statistic > 0.75 and dc.ci_low > dc.threshold
    # the separating features are the two whose relation changed
    assert {f for f, _ in dc.top_features[:2]} == {"x1", "x2"}
    pca = by_method["pca_reconstruction"]
    assert pca.drifted and pca.statistic > pca.threshold
    assert check.signals["multivariate.domain_classifier.drifted"] == 1.0
    assert check.signals["multivariate.pca_reconstruction.statistic"] == pytest.approx(pca.statistic)


def test_reconstruction_error_matches_an_independent_pca():
    # oracle: standardise, project on the leading eigenvectors of the covariance (numpy), measure the residual
    reference, current = _frame(3000, 0.8, 2)[["x1", "x2", "x3"]], _frame(500, -0.8, 3)[["x1", "x2", "x3"]]
    det = ReconstructionDrift(features=["x1", "x2", "x3"], variance=0.65).fit(reference)
    mu, sd = reference.mean().to_numpy(), reference.std(ddof=0).to_numpy()
    Z = (reference.to_numpy() - mu) / sd
    vals, vecs = np.linalg.eigh(np.cov(Z, rowvar=False))
    order = np.argsort(vals)[::-1]
    share = np.cumsum(vals[order]) / vals.sum()
    k = int(np.searchsorted(share, 0.65) + 1)
    V = vecs[:, order[:k]]
    Zc = (current.to_numpy() - mu) / sd
    centre = Z.mean(axis=0)
    back = (Zc - centre) @ V @ V.T + centre
    oracle = np.linalg.norm(Zc - back, axis=1).mean()
    assert det.compute(current).statistic == pytest.approx(oracle, rel=1e-6)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_random_split_of_the_reference_does_not_fire(seed):
    frame = _frame(5000, 0.8, seed=10 + seed)
    order = np.random.default_rng(seed).permutation(len(frame))
    reference, current = frame.iloc[order[:3000]], frame.iloc[order[3000:]]
    check = run_check(current, reference=reference, spec=DatasetSpec(), seed=seed)
    for m in check.multivariate:
        assert not m.drifted, (m.method, m.statistic, m.threshold)
        assert check.signals[f"multivariate.{m.method}.drifted"] == 0.0
        assert m.top_features == ()  # nothing separates the sides: no feature is named for it


def test_options_choose_methods_and_bad_ones_are_named():
    from rai._exceptions import ConfigError

    reference, current = _frame(600, 0.8, 4), _frame(300, 0.8, 5)
    check = run_check(current, reference=reference, options={"multivariate": {"methods": ["pca_reconstruction"]}})
    assert [m.method for m in check.multivariate] == ["pca_reconstruction"]
    assert "multivariate.domain_classifier.statistic" not in check.signals
    with pytest.raises(ConfigError, match="analyzers.multivariate.methods must be a list of some of"):
        run_check(current, reference=reference, options={"multivariate": {"methods": ["umap"]}})


def test_missing_feature_and_unfitted_detector_are_clear_errors():
    reference = _frame(200, 0.5, 6)
    with pytest.raises(DataContractError, match=r"the window lacks feature column\(s\) \['x3'\]"):
        ReconstructionDrift(features=["x1", "x3"]).fit(reference).compute(reference[["x1", "x2"]])
    with pytest.raises(DataContractError, match="call fit"):
        DomainClassifierDrift(features=["x1"]).compute(reference)


def test_too_few_rows_skip_multivariate_with_a_note_not_an_error():
    reference, current = _frame(80, 0.8, 7), _frame(50, -0.8, 8)
    check = run_check(current, reference=reference, spec=DatasetSpec())
    assert check.multivariate == ()
    assert any("multivariate drift skipped: it needs at least 100 reference rows" in n for n in check.notes)


def test_rank_auc_matches_scikit_learn_with_ties():
    from sklearn.metrics import roc_auc_score

    from monitors._multivariate import _roc_auc

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=500)
    score = np.round(rng.normal(size=500) + y, 1)  # rounded: many ties, which count half
    assert _roc_auc(y, score) == pytest.approx(roc_auc_score(y, score), abs=1e-12)


def test_batched_permutation_importance_agrees_with_scikit_learn():
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.inspection import permutation_importance

    from monitors._multivariate import _permutation_importance

    rng = np.random.default_rng(1)
    X = rng.normal(size=(3000, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=0.5, size=3000) > 0).astype(int)
    clf = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(X[:2000], y[:2000])
    ours = _permutation_importance(clf, X[2000:], y[2000:], n_repeats=20, seed=0)
    oracle = permutation_importance(clf, X[2000:], y[2000:], scoring="roc_auc", n_repeats=20, random_state=0)
    assert ours == pytest.approx(oracle.importances_mean, abs=0.01)
    assert ours[0] > ours[1] > 0.05 > max(abs(ours[2]), abs(ours[3]))


def test_reconstruction_samples_large_tables_and_says_so():
    reference, current = _frame(30_000, 0.8, 11), _frame(20_000, 0.8, 12)
    features = ["x1", "x2", "x3"]
    full = ReconstructionDrift(features=features).fit(reference).compute(current)
    sampled = ReconstructionDrift(features=features, max_rows=5_000).fit(reference).compute(current)
    assert (full.n_reference, full.n_current) == (30_000, 20_000) and "sample" not in full.description
    assert (sampled.n_reference, sampled.n_current) == (5_000, 5_000)
    assert "random samples of at most 5,000 rows" in sampled.description
    # the same quantity from fewer rows: within the sampled statistic's own interval
    assert sampled.ci_low < full.statistic < sampled.ci_high
    assert not sampled.drifted and not full.drifted


def test_the_monitor_samples_both_sides_once_and_says_so(monkeypatch):
    import monitors._multivariate as mv

    monkeypatch.setattr(mv, "MAX_ROWS", 500)
    reference, current = _frame(2000, 0.8, 13), _frame(1000, -0.8, 14)
    check = run_check(current, reference=reference, spec=DatasetSpec(), seed=0)
    by_method = {m.method: m for m in check.multivariate}
    for m in by_method.values():
        assert m.description.endswith("on random samples of at most 500 rows of each side "
                                      "(reference 2,000 rows, window 1,000)"), m.description
        assert m.drifted  # the flipped correlation still shows in 500 rows
    assert by_method["pca_reconstruction"].n_current == 500
    assert by_method["domain_classifier"].n_reference + by_method["domain_classifier"].n_current <= 500


@pytest.mark.parametrize(("method", "params", "message"), [
    ("pca_reconstruction", {"max_rows": 0}, "The 'max_rows' parameter of ReconstructionDrift must be an integer >= 20. Got 0"),
    ("pca_reconstruction", {"max_rows": "many"}, "'max_rows' parameter of ReconstructionDrift must be an integer >= 20"),
    ("domain_classifier", {"max_rows": True}, "'max_rows' parameter of DomainClassifierDrift must be an integer >= 20. Got True"),
    ("domain_classifier", {"n_folds": 1}, "'n_folds' parameter of DomainClassifierDrift must be an integer >= 2. Got 1"),
    ("domain_classifier", {"n_sd": float("nan")}, "'n_sd' parameter of DomainClassifierDrift must be a positive number"),
    ("pca_reconstruction", {"confidence": 1.0}, "'confidence' parameter of ReconstructionDrift must be a number in (0, 1)"),
])
def test_bad_detector_parameters_are_named(method, params, message):
    from rai._exceptions import ConfigError

    reference, current = _frame(600, 0.8, 15), _frame(300, 0.8, 16)
    with pytest.raises(ConfigError) as info:
        run_check(current, reference=reference, options={"multivariate": {"methods": [method], method: params}})
    assert message in str(info.value)


def test_a_child_process_computes_the_same_multivariate_checks(flipped, monkeypatch, tmp_path):
    import json

    import sqlalchemy as sa

    import rai._apart as apart
    import rai._threads as threads

    import monitors._depth as depth
    from monitors import Store

    monkeypatch.setattr(threads, "free_cores", lambda **_: 2)
    reference, current, here = flipped

    def not_here(*_args, **_kwargs):
        raise AssertionError("computed in this process")

    # a fresh interpreter does not see this patch: a result means the child computed it
    monkeypatch.setattr(depth, "_multivariate", not_here)
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    child = apart.Child.start(("sklearn.ensemble",))
    assert child is not None
    try:
        there = run_check(current, reference=reference, spec=DatasetSpec(), seed=0, child=child, calibrations=store)
    finally:
        child.close()
    assert [m.to_dict() for m in there.multivariate] == [m.to_dict() for m in here.multivariate]
    assert there.signals == here.signals
    # the calibration the child computed is kept here, in the store
    with store.engine.connect() as conn:
        kept = conn.execute(sa.text("SELECT method, values_json FROM calibrations")).all()
    dc = {m.method: m for m in here.multivariate}["domain_classifier"]
    assert [(k.method, json.loads(k.values_json)) for k in kept] == [("domain_classifier", list(dc.reference_chunks))]


def test_checks_sent_for_other_features_are_computed_here(flipped):
    from concurrent.futures import Future

    from monitors._depth import SentChecks, depth_checks

    reference, current, check = flipped
    stale = Future()
    stale.set_exception(AssertionError("the child's result must not be used"))
    bare = dataclasses.replace(check, multivariate=())
    redone = depth_checks(bare, current, reference=reference, spec=DatasetSpec(), seed=0,
                          sent=SentChecks(("x1", "x2"), (), None, stale))
    assert [m.to_dict() for m in redone.multivariate] == [m.to_dict() for m in check.multivariate]


def test_the_reference_calibration_is_kept_in_the_store_and_reused(flipped, tmp_path, monkeypatch):
    from monitors import Store

    reference, current, uncached = flipped
    calls = []
    real = DomainClassifierDrift._calibrate
    monkeypatch.setattr(DomainClassifierDrift, "_calibrate", lambda self, n: calls.append(n) or real(self, n))
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")

    def check(ref, cur, options=None):
        return run_check(cur, reference=ref, spec=DatasetSpec(), seed=0, options=options, calibrations=store)

    first, again = check(reference, current), check(reference, current.iloc[::-1])
    assert len(calls) == 1  # the second check against the same reference fitted no reference chunk
    dc = [{m.method: m for m in c.multivariate}["domain_classifier"] for c in (uncached, first, again)]
    assert dc[0].to_dict() == dc[1].to_dict()  # keeping it changes nothing
    assert dc[2].reference_chunks == dc[0].reference_chunks and dc[2].threshold == dc[0].threshold
    # another reference, or another number of chunks, is calibrated anew
    check(reference.assign(x3=reference["x3"] + 1e-9), current)
    check(reference, current, {"multivariate": {"domain_classifier": {"n_chunks": 3}}})
    assert len(calls) == 3


def test_a_kept_calibration_of_the_wrong_length_is_calibrated_anew(flipped, tmp_path, monkeypatch, caplog):
    import sqlalchemy as sa

    from monitors import Store

    reference, current, uncached = flipped
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    run_check(current, reference=reference, spec=DatasetSpec(), seed=0, calibrations=store)
    with store.engine.begin() as conn:  # one AUC dropped by hand
        conn.execute(sa.text("UPDATE calibrations SET values_json = '[0.5]'"))
    calls = []
    real = DomainClassifierDrift._calibrate
    monkeypatch.setattr(DomainClassifierDrift, "_calibrate", lambda self, n: calls.append(n) or real(self, n))
    again = run_check(current, reference=reference, spec=DatasetSpec(), seed=0, calibrations=store)
    assert len(calls) == 1 and "holds 1 AUCs, expected n_chunks=4" in caplog.text
    dc = [{m.method: m for m in c.multivariate}["domain_classifier"] for c in (uncached, again)]
    assert dc[0].to_dict() == dc[1].to_dict()
    with store.engine.connect() as conn:  # and the row is whole again
        kept = conn.execute(sa.text("SELECT values_json FROM calibrations")).scalar_one()
    assert len(json.loads(kept)) == 4


def test_checks_sent_to_a_child_that_died_are_computed_here_from_the_same_plan(flipped, monkeypatch):
    from concurrent.futures import Future

    import monitors._depth as depth
    from monitors._depth import depth_checks, send_multivariate

    class DeadChild:
        def submit(self, *_args):
            died = Future()
            died.set_result(None)  # what Child's exchange gives when the process died without a result
            return died

    reference, current, check = flipped
    sent = send_multivariate(DeadChild(), reference, current, features=FEATURES, categorical=["colour"],
                             options=None, seed=0)
    # the plan already drawn is run, not a new one planned
    monkeypatch.setattr(depth, "_plan_multivariate", lambda *_a, **_k: pytest.fail("planned again"))
    bare = dataclasses.replace(check, multivariate=())
    redone = depth_checks(bare, current, reference=reference, spec=DatasetSpec(), seed=0, sent=sent)
    assert [m.to_dict() for m in redone.multivariate] == [m.to_dict() for m in check.multivariate]
