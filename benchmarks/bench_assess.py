"""Time `rai assess` per analyzer on the full bundled ACS data.

    python benchmarks/bench_assess.py [--years 2016,2017,2018] [--with-model]

Current data: ACS 2016-2018 (208,892 rows) by default; reference: ACS 2015 (68,785 rows).
Predictions-only mode (the shipped model outputs) for all analyzers; with --with-model the demo
model (trained here on 2015) makes the predictions and the explanations analyzer runs too.
Prints one line per analyzer with its wall time, then the total. The peer, measured in the same
run: evidently 0.7's DataDriftPreset on the same two tables and columns (``--no-peer`` skips
it), with the ratio to our drift analyzer and whether the per-column decisions agree.
"""

from __future__ import annotations

import argparse
import os
import platform
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", default="2016,2017,2018")
    parser.add_argument("--with-model", action="store_true")
    parser.add_argument("--no-peer", action="store_true", help="Skip evidently's DataDriftPreset.")
    args = parser.parse_args()
    years = [int(y) for y in args.years.split(",")]

    import rai
    from rai._demo import train_demo_model
    from rai.analyzers import default_analyzers
    from rai.datasets import load_acs_employment

    reference = load_acs_employment(2015)
    current = load_acs_employment(years)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; "
          f"current {len(current):,} rows (years {years}), reference {len(reference):,} rows")
    if args.with_model:
        t = time.perf_counter()
        model = train_demo_model(reference)
        print(f"{'train demo model':>24s} {time.perf_counter() - t:7.2f} s")
        spec = rai.DatasetSpec(target="employed", sensitive=("SEX", "RAC1P"), id="id",
                               exclude=("year", "prediction", "predicted_probability"))
    else:
        model = None
        spec = rai.DatasetSpec(target="employed", prediction="prediction", score="predicted_probability",
                               sensitive=("SEX", "RAC1P"), id="id", exclude=("year",))

    timings: dict[str, float] = {}
    last = {"name": None, "t": 0.0}

    def step(name: str) -> None:
        now = time.perf_counter()
        if last["name"] is not None:
            timings[last["name"]] = now - last["t"]
        last.update(name=name, t=now)

    start = time.perf_counter()
    assessment = rai.assess(current, spec=spec, reference=reference, model=model,
                            analyzers=default_analyzers(model=rai.ModelAdapter.from_estimator(model) if model is not None else None),
                            on_step=step)
    step("end")
    total = time.perf_counter() - start
    for name, seconds in timings.items():
        print(f"{name:>24s} {seconds:7.2f} s")
    print(f"{'total assess':>24s} {total:7.2f} s   (analyzers run: {', '.join(assessment.results.present())})")
    for note in assessment.results.notes:
        print(f"note: {note.analyzer}: {note.message}")
    drift = assessment.results.drift
    if drift is None or args.no_peer:
        return
    import gc
    import warnings

    numeric = [c.column for c in drift.columns if c.column_type == "numeric"]
    categorical = [c.column for c in drift.columns if c.column_type == "categorical"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from evidently import DataDefinition, Dataset, Report
        from evidently.presets import DataDriftPreset

        definition = DataDefinition(numerical_columns=numeric, categorical_columns=categorical)
        cols = numeric + categorical
        gc.collect()
        t = time.perf_counter()
        snapshot = Report([DataDriftPreset()], include_tests=True).run(
            Dataset.from_pandas(current[cols], data_definition=definition),
            Dataset.from_pandas(reference[cols], data_definition=definition),
        )
        out = snapshot.dict()
        theirs = time.perf_counter() - t
    their_decisions = {r["metric_config"]["params"]["column"]: r["status"] == "FAIL" for r in out["tests"][1:]}
    ours = {c.column: c.drifted for c in drift.columns}
    same = "identical" if their_decisions == ours else f"DIFFER: {ours} vs {their_decisions}"
    print(f"{'evidently drift (peer)':>24s} {theirs:7.2f} s   {theirs / timings['drift']:.0f}x our drift step; "
          f"decisions on {len(ours)} columns {same}; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
