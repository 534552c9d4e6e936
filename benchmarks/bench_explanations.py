"""Time the error-analysis and explanations analyzers on one full ACS year, and the same
analyses in Microsoft's responsible-ai-toolbox (``responsibleai``) when it is installed.

    python benchmarks/bench_explanations.py [--year 2018] [--toolbox-python /tmp/rai-venv/bin/python]

The demo model (rai._demo.train_demo_model: ordinal codes + HistGradientBoostingClassifier) is
trained on ACS 2015 and assessed on the chosen year (2018: 70,000 rows), with 2015 as the
reference. Each analyzer is timed on its own (its ``fit`` + ``compute``), after the model's
predictions are added, as ``rai assess`` does.

The toolbox cannot live in the toolkit's environment (it pins older numpy / pandas / shap), so
it is run in its own virtualenv given by ``--toolbox-python`` (create it with
``python -m venv /tmp/rai-venv && /tmp/rai-venv/bin/pip install responsibleai raiwidgets "scipy<1.16"``:
responsibleai 0.36 resolves statsmodels 0.13.5, which does not import with scipy 1.16);
that interpreter trains the same pipeline on the same data and times
``RAIInsights(...)`` construction, ``explainer.add()`` + compute and ``error_analysis.add()`` +
compute separately. Without it, only the toolkit's figures are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

TOOLBOX_SCRIPT = textwrap.dedent(
    """
    import json, sys, time, warnings
    warnings.simplefilter("ignore")
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OrdinalEncoder

    folder, features = sys.argv[1], json.loads(sys.argv[2])
    categorical = [c for c in features if c != "AGEP"]
    train = pd.read_csv(folder + "/train.csv", dtype={c: str for c in categorical})
    test = pd.read_csv(folder + "/test.csv", dtype={c: str for c in categorical})
    pre = ColumnTransformer([("c", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), categorical)],
                            remainder="passthrough")
    model = Pipeline([("pre", pre), ("clf", HistGradientBoostingClassifier(max_iter=150, random_state=0))])
    from threadpoolctl import threadpool_limits
    with threadpool_limits(1):  # training is not timed; one thread avoids OpenMP contention on a busy machine
        model.fit(train[features], train["employed"])
    from responsibleai import RAIInsights
    out = {}
    t = time.perf_counter()
    insights = RAIInsights(model, train[features + ["employed"]], test[features + ["employed"]], "employed",
                           "classification", categorical_features=categorical)
    out["RAIInsights construction"] = time.perf_counter() - t
    t = time.perf_counter()
    insights.explainer.add()
    insights.explainer.compute()
    out["explainer (add + compute)"] = time.perf_counter() - t
    t = time.perf_counter()
    insights.error_analysis.add()
    insights.error_analysis.compute()
    out["error_analysis (add + compute)"] = time.perf_counter() - t
    import responsibleai
    out["responsibleai version"] = responsibleai.__version__
    print(json.dumps(out))
    """
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2018)
    parser.add_argument("--toolbox-python", default=None, help="python of a virtualenv with responsibleai")
    args = parser.parse_args()

    import dataclasses

    import rai
    from rai._assessment import _add_model_outputs
    from rai._demo import train_demo_model
    from rai.analyzers._errors import ErrorAnalyzer
    from rai.analyzers._explanations import ExplanationAnalyzer
    from rai.datasets import ACS_FEATURES, load_acs_employment

    reference = load_acs_employment(2015).drop(columns=["prediction", "predicted_probability"])
    current = load_acs_employment(args.year).drop(columns=["prediction", "predicted_probability"])
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; current {len(current):,} rows (ACS {args.year}), "
          f"reference {len(reference):,} rows (ACS 2015)")

    from threadpoolctl import threadpool_limits

    t = time.perf_counter()
    with threadpool_limits(1):  # HistGradientBoosting's OpenMP threads contend badly on a busy machine
        model = train_demo_model(reference)
    print(f"{'train demo model (1 thread)':>34s} {time.perf_counter() - t:7.2f} s")
    adapter = rai.ModelAdapter.from_estimator(model)
    spec = rai.DatasetSpec(target="employed", sensitive=("SEX", "RAC1P"), id="id", exclude=("year",))
    t = time.perf_counter()
    frame, spec = _add_model_outputs(current, spec, adapter)
    ref = spec.replace(target="employed", prediction=None, score=None).validate(reference, name="reference")
    data = spec.validate(frame)
    data = dataclasses.replace(data, feature_types=dict(ref.feature_types), features=ref.features)
    print(f"{'predictions + validation':>34s} {time.perf_counter() - t:7.2f} s")

    t = time.perf_counter()
    errors = ErrorAnalyzer().fit(ref).compute(data)
    print(f"{'rai errors analyzer':>34s} {time.perf_counter() - t:7.2f} s   "
          f"{len(errors.cohorts)} cohorts, {sum(c.significant for c in errors.cohorts)} significant; worst: "
          f"{errors.cohorts[0].rule} (error rate {errors.cohorts[0].error_rate:.3f} vs {errors.error_rate:.3f})")
    # the libraries' imports timed apart, as the toolbox's side imports its explainers with
    # `from responsibleai import RAIInsights` before its clock starts
    t = time.perf_counter()
    from rai.explain._shap import _import

    for library in ("shap", "lime.lime_tabular", "interpret.glassbox"):
        _import(library)
    print(f"{'import shap, lime, interpret':>34s} {time.perf_counter() - t:7.2f} s")
    t = time.perf_counter()
    expl = ExplanationAnalyzer(model=adapter).fit(ref).compute(data)
    fidelity = f"{expl.surrogate.fidelity:.3f}" if expl.surrogate else "n/a"
    print(f"{'rai explanations analyzer':>34s} {time.perf_counter() - t:7.2f} s   "
          f"{expl.shap_method} SHAP on {expl.sample_size} rows; top: "
          f"{', '.join(g.feature for g in expl.global_importance[:3])}; LIME/SHAP top-1 agreement "
          f"{sum(a.top1_agree for a in expl.agreement)}/{len(expl.agreement)}; EBM fidelity "
          f"{fidelity}")

    if not args.toolbox_python:
        print("responsible-ai-toolbox: not run (pass --toolbox-python PATH of a virtualenv with responsibleai)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        # CSV, not Parquet: the toolbox's venv need not have pyarrow
        reference.to_csv(Path(tmp) / "train.csv", index=False)
        current.to_csv(Path(tmp) / "test.csv", index=False)
        script = Path(tmp) / "toolbox.py"
        script.write_text(TOOLBOX_SCRIPT, encoding="utf-8")
        proc = subprocess.run([args.toolbox_python, str(script), tmp, json.dumps(list(ACS_FEATURES))],
                              capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(f"responsible-ai-toolbox failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}", file=sys.stderr)
        sys.exit(1)
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    version = figures.pop("responsibleai version")
    for name, seconds in figures.items():
        print(f"{'responsibleai ' + version + ' ' + name:>34s} {seconds:7.2f} s")


if __name__ == "__main__":
    main()
