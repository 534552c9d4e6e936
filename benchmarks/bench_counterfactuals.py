"""Counterfactuals: rai's search against dice-ml (DiCE) on the same model and the same rows.

    python benchmarks/bench_counterfactuals.py [--rows 50] [--per-row 3] [--dice-python /work/venvs/dice/bin/python]

The demo model (``rai._demo.train_demo_model``: one-hot + HistGradientBoostingClassifier) is
trained on ACS 2015 and saved as ``.skops``; 50 rows of ACS 2018 (seeded sample) are queried
for 3 counterfactuals each, desired outcome the other class, with SEX and RAC1P immutable in
both tools. Each tool runs in its own fresh process (rai in this environment, dice-ml in its
own virtualenv, since it pins its own dependencies): the whole process is timed from outside,
and the search itself from inside (wall time and CPU time, Python's ``time.process_time``). rai
runs before and after dice-ml and the two runs are averaged, since the load of a shared machine
moves during dice-ml's minutes. dice-ml uses its default model-agnostic method (``random``).

Both outputs are then judged here by one evaluator: every counterfactual re-predicted by the
model (validity), columns changed (sparsity), range-normalised L1 distance (numeric change /
2015 range, 1 per changed category), immutable columns changed, and values outside the 2015
data (unseen categories, numbers outside its range).

dice-ml's interpreter comes from ``--dice-python`` or ``RAI_BENCH_DICE_PYTHON`` (create it with
``python -m venv /work/venvs/dice && /work/venvs/dice/bin/pip install dice-ml scikit-learn pandas pyarrow skops``,
scikit-learn at the version of this environment so the .skops model loads); without it only
rai's figures are printed.
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

IMMUTABLE = ["SEX", "RAC1P"]

RAI_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    t0 = time.perf_counter()
    import pandas as pd
    import rai
    from rai._model import load_model
    from rai.analyzers._counterfactuals import CounterfactualAnalyzer
    folder, per_row = sys.argv[1], int(sys.argv[2])
    model = load_model(folder + "/model.skops", trusted_types=("sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",))
    train = pd.read_parquet(folder + "/train.parquet")
    query = pd.read_parquet(folder + "/query.parquet")
    spec = rai.DatasetSpec(sensitive=("SEX", "RAC1P"), target=None)
    features = [c for c in query.columns if c != "employed"]
    data = spec.validate(query[features])
    ref = spec.validate(train[features], name="reference")
    analyzer = CounterfactualAnalyzer(model=model, rows=list(range(len(query))), per_row=per_row, flip_test=False)
    t, c = time.perf_counter(), time.process_time()
    result = analyzer.fit(ref).compute(data)
    search, cpu = time.perf_counter() - t, time.process_time() - c
    cfs = [[cf.values for cf in e.counterfactuals] for e in result.examples]
    print(json.dumps({"search_seconds": search, "search_cpu": cpu, "setup_seconds": t - t0, "cfs": cfs}))
    """
)

DICE_SCRIPT = textwrap.dedent(
    """
    import json, sys, time, warnings, logging
    t0 = time.perf_counter()
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    import pandas as pd
    import skops.io as sio
    import dice_ml
    folder, per_row, immutable = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
    path = folder + "/model.skops"
    model = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    train = pd.read_parquet(folder + "/train.parquet")
    query = pd.read_parquet(folder + "/query.parquet")
    features = [c for c in query.columns if c != "employed"]
    categorical = [c for c in features if c != "AGEP"]
    for frame in (train, query):
        for c in categorical:
            frame[c] = frame[c].astype(str)
    data = dice_ml.Data(dataframe=train[features + ["employed"]], continuous_features=["AGEP"], outcome_name="employed")
    dmodel = dice_ml.Model(model=model, backend="sklearn")
    explainer = dice_ml.Dice(data, dmodel, method="random")
    vary = [c for c in features if c not in immutable]
    t, c = time.perf_counter(), time.process_time()
    res = explainer.generate_counterfactuals(query[features], total_CFs=per_row, desired_class="opposite",
                                             features_to_vary=vary, random_seed=0, verbose=False)
    search, cpu = time.perf_counter() - t, time.process_time() - c
    cfs = []
    for ex in res.cf_examples_list:
        df = ex.final_cfs_df
        cfs.append([] if df is None else df[features].astype(object).to_dict(orient="records"))
    print(json.dumps({"search_seconds": search, "search_cpu": cpu, "setup_seconds": t - t0, "cfs": cfs}, default=str))
    """
)


def run(cmd: list[str], env: dict[str, str]) -> tuple[dict, float]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1]), wall


def evaluate(cfs: list[list[dict]], query, train, model, features: list[str], per_row: int) -> dict[str, float]:
    """One judge for both tools: re-predict, count changes, measure distance and plausibility."""
    import numpy as np
    import pandas as pd

    from rai.explain import display_value

    numeric = ["AGEP"]
    lo, hi = float(train["AGEP"].min()), float(train["AGEP"].max())
    seen = {c: {display_value(v) for v in train[c].unique()} for c in features if c not in numeric}
    rows, owners = [], []
    for i, lst in enumerate(cfs):
        for cf in lst:
            rows.append(cf)
            owners.append(i)
    n_rows = len(cfs)
    if not rows:
        return {"returned": 0, "coverage": 0.0}
    frame = pd.DataFrame(rows)[features]
    for c in features:
        if c in numeric:
            frame[c] = frame[c].astype(float)
        else:
            frame[c] = frame[c].map(display_value).astype(train[c].dtype)
    owners = np.array(owners)
    before = model.predict(query[features])
    after = model.predict(frame)
    valid = after != before[owners]
    changed, distance, immutable_changed, implausible = [], [], 0, 0
    for k, i in enumerate(owners):
        n, d = 0, 0.0
        for c in features:
            a, b = query[c].iloc[i], frame[c].iloc[k]
            if display_value(a) == display_value(b):
                continue
            n += 1
            if c in numeric:
                d += abs(float(b) - float(a)) / (hi - lo)
                implausible += not (lo <= float(b) <= hi)
            else:
                d += 1.0
                implausible += display_value(b) not in seen[c]
            immutable_changed += c in IMMUTABLE
        changed.append(n)
        distance.append(d)
    covered = {int(i) for i in owners[valid]}
    return {
        "returned": len(rows),
        "validity": float(valid.mean()),
        "valid_of_requested": float(valid.sum() / (n_rows * per_row)),
        "coverage": len(covered) / n_rows,
        "sparsity": float(np.mean(np.array(changed)[valid])) if valid.any() else float("nan"),
        "distance": float(np.mean(np.array(distance)[valid])) if valid.any() else float("nan"),
        "immutable_changed": immutable_changed,
        "implausible_values": implausible,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--per-row", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dice-python", default=os.environ.get("RAI_BENCH_DICE_PYTHON"))
    args = parser.parse_args()

    import numpy as np
    import skops.io as sio
    from threadpoolctl import threadpool_limits

    from rai._demo import train_demo_model
    from rai.datasets import ACS_FEATURES, ACS_TARGET, load_acs_employment

    features = list(ACS_FEATURES)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f} at the start")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        train = load_acs_employment(2015)[features + [ACS_TARGET]]
        test = load_acs_employment(2018)
        with threadpool_limits(1):  # not timed; one thread avoids OpenMP contention on a busy machine
            model = train_demo_model(train, seed=args.seed)
        sio.dump(model, folder / "model.skops")
        rng = np.random.default_rng(args.seed)
        take = np.sort(rng.choice(len(test), size=args.rows, replace=False))
        query = test.iloc[take][features + [ACS_TARGET]].reset_index(drop=True)
        train.to_parquet(folder / "train.parquet", index=False)
        query.to_parquet(folder / "query.parquet", index=False)

        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        # rai runs before and after dice-ml and its two runs are averaged: on a shared machine the
        # load moves during the minutes dice-ml takes. CPU time is reported too (less load-bound).
        rai_cmd = [sys.executable, "-c", RAI_SCRIPT, str(folder), str(args.per_row)]
        runs = {"rai (run 1)": run(rai_cmd, env)}
        if args.dice_python and Path(args.dice_python).exists():
            dice_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}
            runs["dice-ml (random)"] = run([args.dice_python, "-c", DICE_SCRIPT, str(folder), str(args.per_row), json.dumps(IMMUTABLE)], dice_env)
        else:
            print("dice-ml: skipped (no interpreter; pass --dice-python or set RAI_BENCH_DICE_PYTHON)")
        runs["rai (run 2)"] = run(rai_cmd, env)
        print(f"load average {os.getloadavg()[0]:.1f} at the end\n")

        header = (f"{'tool':<18} {'s/row wall':>10} {'s/row CPU':>9} {'process s':>9} {'returned':>8} {'validity':>8} "
                  f"{'valid/asked':>11} {'coverage':>8} {'sparsity':>8} {'distance':>8} {'immut.':>6} {'implaus.':>8}")
        print(header)
        figures = {}
        for name, (out, wall) in runs.items():
            m = evaluate(out["cfs"], query, train, model, features, args.per_row)
            figures[name] = (out["search_seconds"] / args.rows, out["search_cpu"] / args.rows, wall)
            print(f"{name:<18} {figures[name][0]:>10.4f} {figures[name][1]:>9.4f} {wall:>9.1f} {m['returned']:>8} "
                  f"{m.get('validity', float('nan')):>8.3f} {m.get('valid_of_requested', float('nan')):>11.3f} "
                  f"{m['coverage']:>8.2f} {m.get('sparsity', float('nan')):>8.2f} {m.get('distance', float('nan')):>8.3f} "
                  f"{m.get('immutable_changed', 0):>6} {m.get('implausible_values', 0):>8}")
        if "dice-ml (random)" in figures:
            ours = [figures[k] for k in figures if k.startswith("rai")]
            mean = [sum(f[i] for f in ours) / len(ours) for i in range(3)]
            peer = figures["dice-ml (random)"]
            print(f"\nratio dice-ml / rai (rai: mean of its two runs): {peer[0] / mean[0]:.1f}x per row (wall), "
                  f"{peer[1] / mean[1]:.1f}x per row (CPU), {peer[2] / mean[2]:.1f}x whole process (wall)")


if __name__ == "__main__":
    main()
