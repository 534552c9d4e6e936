"""Analyzers computed in a child process: the same results, errors carried back, nothing lost."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

import rai._apart as apart
import rai._threads as threads
from rai import DatasetSpec, assess
from rai._exceptions import UnsupportedError


class Where:
    """A stand-in analyzer that says which process computed it (picklable: a module-level class)."""

    name = "where"

    def __init__(self, fail: str | None = None) -> None:
        self.fail = fail

    def compute(self, data):
        if self.fail == "error":
            raise UnsupportedError(f"cannot with {data!r}")
        if self.fail == "die":
            os._exit(3)
        if self.fail == "print":
            print("chatter on stdout", flush=True)  # must not spoil the result sent back
        return os.getpid(), data


@pytest.fixture
def two_free_cores(monkeypatch):
    monkeypatch.setattr(threads, "free_cores", lambda **_: 2)


def test_it_is_computed_in_another_process(two_free_cores):
    for analyzer in (Where(), Where("print")):
        future = apart.start_apart(analyzer, "x")
        assert future is not None
        pid, data = apart.result_of(future, analyzer.compute, "x")
        assert pid != os.getpid() and data == "x"


def test_its_error_is_raised_here(two_free_cores):
    future = apart.start_apart(Where("error"), "x")
    with pytest.raises(UnsupportedError, match="cannot with 'x'"):
        apart.result_of(future, Where("error").compute, "x")


def test_a_child_that_dies_leaves_the_work_to_this_process(two_free_cores):
    future = apart.start_apart(Where("die"), "x")
    pid, _ = apart.result_of(future, Where().compute, "x")
    assert pid == os.getpid()


def test_a_busy_machine_or_unpicklable_inputs_compute_here(monkeypatch):
    monkeypatch.setattr(threads, "free_cores", lambda **_: 1)
    assert apart.start_apart(Where(), "x") is None
    monkeypatch.setattr(threads, "free_cores", lambda **_: 2)
    assert apart.start_apart(Where(), lambda: None) is None  # a lambda cannot be pickled


def test_causal_effects_computed_apart_are_those_computed_here(two_free_cores, monkeypatch):
    pytest.importorskip("econml")
    from rai.analyzers._causal import CausalAnalyzer

    rng = np.random.default_rng(0)
    n = 800
    df = pd.DataFrame({"x": rng.normal(size=n), "t": rng.choice(["no", "yes"], n), "g": rng.choice(["a", "b"], n)})
    df["y"] = 2.0 * df.x + 1.5 * (df.t == "yes") + rng.normal(size=n)
    started = []
    real_start = apart.start_apart

    def counted(analyzer, data, child=None):
        future = real_start(analyzer, data, child)
        started.append(future is not None)
        return future

    monkeypatch.setattr(apart, "start_apart", counted)
    spec = DatasetSpec(target="y", sensitive=("g",))
    causal = CausalAnalyzer(treatments=[{"column": "t", "control": "no"}], refute=False)
    results = [assess(df, spec=spec, analyzers=[causal], apart=flag).results for flag in (True, False)]
    assert started == [True]  # the first ran in a child, the second here
    away, here = (r.causal.to_dict() for r in results)
    assert away == here
    assert away["effects"][0]["effect"] == pytest.approx(1.5, abs=0.3)


def test_a_child_sent_nothing_or_given_up_on_is_stopped(two_free_cores):
    import time

    idle = apart.Child.start(["json"])  # imports its preload, then waits for work
    idle.close()
    assert idle._proc.wait(timeout=60) != 0 and idle._proc.stdout.closed
    busy = apart.Child.start()
    future = busy.submit(time.sleep, 600)
    busy.close()  # the assessment ended (say, another analyzer failed) while it worked
    assert busy._proc.wait(timeout=60) != 0 and future.result(timeout=60) is None


def _treated(seed: int, n: int = 600) -> pd.DataFrame:
    """A treatment t ("yes" adds 1 to y) and a confounder x."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x": rng.normal(size=n), "t": rng.choice(["no", "yes"], n)})
    df["y"] = df.x + (df.t == "yes") + rng.normal(size=n)
    return df


def test_a_child_started_by_the_caller_is_the_one_used_and_stopped(two_free_cores, monkeypatch):
    pytest.importorskip("econml")
    from rai.analyzers._causal import CausalAnalyzer

    df = _treated(seed=1)
    causal = CausalAnalyzer(treatments=[{"column": "t", "control": "no"}], refute=False)
    here = assess(df, spec=DatasetSpec(target="y"), analyzers=[causal]).results.causal
    early = apart.Child.start(list(CausalAnalyzer.apart_imports))  # as `rai demo` starts it, before its own imports

    def no_other(*_args, **_kwargs):
        raise AssertionError("a second child was started")

    monkeypatch.setattr(apart.Child, "start", no_other)
    away = assess(df, spec=DatasetSpec(target="y"), analyzers=[causal], apart=early).results.causal
    assert away.to_dict() == here.to_dict()
    assert early._proc.poll() is not None  # it computed the analysis and ended


def test_the_demo_starts_the_child_with_what_the_causal_analysis_imports():
    from rai.analyzers._causal import CausalAnalyzer
    from rai.cli._demo import CAUSAL_IMPORTS

    assert CAUSAL_IMPORTS == CausalAnalyzer.apart_imports


def test_a_wrong_treatment_is_reported_before_any_work_starts(two_free_cores, monkeypatch):
    from rai._exceptions import DataContractError
    from rai.analyzers._causal import CausalAnalyzer

    def never(*_args, **_kwargs):
        raise AssertionError("the work was sent to a child")

    monkeypatch.setattr(apart, "start_apart", never)
    df = pd.DataFrame({"x": np.arange(200.0), "y": np.arange(200.0) % 2})
    causal = CausalAnalyzer(treatments=["nope"])
    with pytest.raises(DataContractError, match="'nope' is not a feature of the data"):
        assess(df, spec=DatasetSpec(target="y"), analyzers=[causal], apart=True)


def test_work_sent_early_is_used_when_the_analyzer_is_configured_alike(two_free_cores, monkeypatch):
    pytest.importorskip("econml")
    from rai._assessment import start_early

    df = _treated(seed=2)
    spec = DatasetSpec(target="y")
    options = {"causal": {"treatments": [{"column": "t", "control": "no"}], "refute": False}}
    here = assess(df, spec=spec, options=options).results.causal

    # as `rai demo` does: the child gets the causal analysis before there is a model
    child = apart.Child.start(["rai.analyzers._causal"])
    early = start_early(child, spec=spec, options=options, seed=0, data=df)
    assert list(early) == ["causal"]

    def not_again(*_args, **_kwargs):
        raise AssertionError("sent again")

    real = apart.start_apart
    monkeypatch.setattr(apart, "start_apart", not_again)
    away = assess(df, spec=spec, options=options, apart=child, early=early).results.causal
    assert away.to_dict() == here.to_dict()
    assert child._proc.poll() is not None
    monkeypatch.setattr(apart, "start_apart", real)

    # configured otherwise (another seed): what was sent early is not used; this one is computed
    stale = start_early(apart.Child.start(["rai.analyzers._causal"]), spec=spec, options=options, seed=0, data=df)
    other = assess(df, spec=spec, options=options, seed=5, apart=True, early=stale).results.causal
    assert other.seed == 5
    assert other.to_dict() == assess(df, spec=spec, options=options, seed=5).results.causal.to_dict()
    stale["causal"][1].result(timeout=120)  # its child finished the unused work and ended
