"""Time the causal analysis on the ACS demo against the responsible-ai-toolbox's causal manager.

    python benchmarks/bench_causal.py [--rows 10000] [--seed 0] [--toolbox-python /work/venvs/rai-toolbox/bin/python]

Both run on the same table: a random sample of ``--rows`` people of ACS 2018 (seeded), with the
rows where a treatment is "not applicable" left out (SCHL code 0: under 3 years old; MIL code 0:
under 17) and MIL code 1 (on active duty, 42 people, which the toolbox refuses), SCHL recoded to years of schooling (``rai._demo.ACS_SCHL_YEARS``) and MIL categorical.
Treatments SCHL and MIL, outcome ``employed``, every other feature a confounder, SEX and RAC1P the
heterogeneity features. Each side runs in a fresh process whose wall time (imports included) is
measured here; each also reports the time of the analysis call alone.

* rai: ``CausalAnalyzer`` (LinearDML, cross-fitted HistGradientBoosting nuisances, three
  refutations = three more fits per treatment, effects by group, policy trees), one thread.
* responsibleai 0.36 (``RAIInsights.causal.add`` + ``compute``: EconML's ``CausalAnalysis``, global,
  cohort and per-row effects, policy trees; no refutations), ``n_jobs=1``, with its default
  ``nuisance_model="linear"`` and, with ``--toolbox-automl``, also ``"automl"``.

The toolbox lives in its own virtualenv (it pins older numpy / pandas / scipy): build it with
``python -m venv /work/venvs/rai-toolbox && /work/venvs/rai-toolbox/bin/pip install responsibleai==0.36.0 "scipy<1.16"``
and pass its interpreter with ``--toolbox-python`` (or ``RAI_TOOLBOX_PYTHON``); without it only
rai's figures are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

RAI_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    t0 = time.perf_counter()
    import pandas as pd
    import rai
    from rai.analyzers._causal import CausalAnalyzer
    path, features = sys.argv[1], json.loads(sys.argv[2])
    frame = pd.read_csv(path, dtype={c: str for c in features if c not in ("AGEP", "SCHL")})
    spec = rai.DatasetSpec(target="employed", sensitive=("SEX", "RAC1P"), numeric=("AGEP", "SCHL"))
    data = spec.validate(frame)
    t = time.perf_counter()
    result = CausalAnalyzer(treatments=["SCHL", {"column": "MIL", "control": "4"}], max_rows=len(frame)).compute(data)
    seconds = time.perf_counter() - t
    effects = {(e.treatment + ("=" + e.level if e.level else "")): [e.effect, e.ci_low, e.ci_high] for e in result.effects}
    print(json.dumps({"analysis": seconds, "import+load": t - t0, "effects": effects}))
    """
)

TOOLBOX_SCRIPT = textwrap.dedent(
    """
    import json, sys, time, warnings
    t0 = time.perf_counter()
    warnings.simplefilter("ignore")
    import pandas as pd
    from sklearn.dummy import DummyClassifier
    from responsibleai import RAIInsights
    path, features, nuisance = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
    categorical = [c for c in features if c not in ("AGEP", "SCHL")]
    frame = pd.read_csv(path, dtype={c: str for c in categorical})
    # the causal manager does not use the model; RAIInsights needs one
    model = DummyClassifier().fit(frame[features], frame["employed"])
    insights = RAIInsights(model, frame, frame.head(200), "employed", "classification",
                           categorical_features=categorical)
    t = time.perf_counter()
    insights.causal.add(treatment_features=["SCHL", "MIL"], heterogeneity_features=["SEX", "RAC1P"],
                        nuisance_model=nuisance, n_jobs=1, random_state=0)
    insights.causal.compute()
    seconds = time.perf_counter() - t
    effects = {}
    for analysis in insights.causal.get():
        for row in analysis.global_effects.reset_index().to_dict("records"):
            effects[str(row.get("feature")) + "=" + str(row.get("feature_value"))] = [row["point"], row["ci_lower"], row["ci_upper"]]
    import responsibleai
    print(json.dumps({"analysis": seconds, "import+load": t - t0, "effects": effects, "version": responsibleai.__version__}))
    """
)


def _run(cmd: list[str]) -> tuple[dict, float]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        print(f"{cmd[0]} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}", file=sys.stderr)
        sys.exit(1)
    return json.loads(proc.stdout.strip().splitlines()[-1]), wall


def _show(name: str, figures: dict, wall: float) -> None:
    print(f"{name:>44s}  process {wall:7.1f} s   analysis {figures['analysis']:7.1f} s")
    for key, (point, low, high) in sorted(figures["effects"].items()):
        if point is None:
            print(f"{'':>46s}{key:<14s} not estimated")
        else:
            print(f"{'':>46s}{key:<14s} {point:+.4f}  [{low:+.4f}, {high:+.4f}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--toolbox-python", default=os.environ.get("RAI_TOOLBOX_PYTHON"),
                        help="python of a virtualenv with responsibleai (default $RAI_TOOLBOX_PYTHON)")
    parser.add_argument("--toolbox-automl", action="store_true", help="also time the toolbox with nuisance_model=automl")
    args = parser.parse_args()

    from rai._demo import ACS_SCHL_YEARS
    from rai.datasets import ACS_FEATURES, load_acs_employment

    acs = load_acs_employment(2018)
    # "not applicable" codes out; MIL 1 (on active duty: 42 of 70,131 people) too, as the toolbox
    # refuses a level with fewer than 10 rows
    acs = acs[(acs["SCHL"].astype(int) != 0) & ~acs["MIL"].astype(int).isin([0, 1])]
    frame = acs.sample(n=min(args.rows, len(acs)), random_state=args.seed)
    frame = frame.assign(SCHL=frame["SCHL"].astype(int).map(ACS_SCHL_YEARS).astype(float))
    features = list(ACS_FEATURES)
    frame = frame[features + ["employed"]]
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start; ACS 2018 sample of "
          f"{len(frame):,} rows (seed {args.seed}); treatments SCHL (years) and MIL (vs 4 = never served)")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "acs.csv"
        frame.to_csv(path, index=False)  # CSV: the toolbox's venv need not have pyarrow
        (Path(tmp) / "rai_side.py").write_text(RAI_SCRIPT, encoding="utf-8")
        (Path(tmp) / "toolbox_side.py").write_text(TOOLBOX_SCRIPT, encoding="utf-8")
        ours, ours_wall = _run([sys.executable, str(Path(tmp) / "rai_side.py"), str(path), json.dumps(features)])
        _show("rai CausalAnalyzer (with 3 refutations)", ours, ours_wall)
        if not args.toolbox_python:
            print("responsible-ai-toolbox: not run (pass --toolbox-python PATH or set RAI_TOOLBOX_PYTHON)")
            return
        for nuisance in ["linear"] + (["automl"] if args.toolbox_automl else []):
            peer, peer_wall = _run([args.toolbox_python, str(Path(tmp) / "toolbox_side.py"), str(path), json.dumps(features),
                                    nuisance])
            _show(f"responsibleai {peer['version']} causal ({nuisance})", peer, peer_wall)
            print(f"{'ratio toolbox / rai':>44s}  process {peer_wall / ours_wall:7.2f}x  "
                  f"analysis {peer['analysis'] / ours['analysis']:7.2f}x")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
