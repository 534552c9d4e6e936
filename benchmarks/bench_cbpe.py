"""Performance estimated without labels: rai's CBPE against NannyML 0.13's CBPE on the same windows.

The demo model (``rai._demo.train_demo_model``) is trained on ACS 2015; its scores on 2015 (the
reference, with labels) and on 2016, 2017 and 2018 (the windows, labels withheld) are written to
one Parquet file. Each estimator then runs as a whole process over that file: ours in this
Python, NannyML's in its own virtualenv. Printed per year and metric: both estimates, the
realized value (scikit-learn on the withheld labels), both absolute errors; then each process's
wall time and the ratio.

    python benchmarks/bench_cbpe.py
    python benchmarks/bench_cbpe.py --nannyml-python /work/venvs/nannyml/bin/python

NannyML lives in its own venv (``python -m venv /work/venvs/nannyml && /work/venvs/nannyml/bin/pip
install nannyml==0.13.1 statsmodels "pandas<3"``); its interpreter comes from
``--nannyml-python`` or ``RAI_BENCH_NANNYML_PYTHON``. Without it the peer is skipped with a line
saying so.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc")
YEARS = (2016, 2017, 2018)

OURS = r"""
import json, sys
import pandas as pd
from monitors._cbpe import CBPE
d = pd.read_parquet(sys.argv[1])
ref = d[d.year == 2015]
est = CBPE(n_samples=200).fit(ref.employed, ref.score)
out = {}
for year, w in d[d.year > 2015].groupby("year"):
    e = est.estimate(w.score.to_numpy(), y_pred=w.prediction.to_numpy())
    out[int(year)] = {m.name: m.value for m in e.metrics}
print(json.dumps(out))
"""

NANNYML = r"""
import json, sys, warnings
warnings.filterwarnings("ignore")
import pandas as pd
import nannyml as nml
d = pd.read_parquet(sys.argv[1])
d["timestamp"] = pd.to_datetime(d.year.astype(str) + "-07-01")
ref = d[d.year == 2015]
ana = d[d.year > 2015].drop(columns=["employed"])
calc = nml.CBPE(y_pred_proba="score", y_pred="prediction", y_true="employed", timestamp_column_name="timestamp",
                metrics=["accuracy", "precision", "recall", "f1", "roc_auc"], chunk_period="Y",
                problem_type="classification_binary")
calc.fit(ref)
res = calc.estimate(ana).filter(period="analysis").to_df()
out = {}
for _, row in res.iterrows():
    year = int(str(row[("chunk", "start_date")])[:4])
    out[year] = {m: float(row[(m, "value")]) for m in ["accuracy", "precision", "recall", "f1", "roc_auc"]}
print(json.dumps(out))
"""


def write_scores(path: Path) -> dict[int, dict[str, float]]:
    """Train the demo model, write its scores per year; return the realized metrics per window."""
    from sklearn import metrics as skm
    from threadpoolctl import threadpool_limits

    import pandas as pd

    from rai._demo import train_demo_model
    from rai.datasets import ACS_FEATURES, load_acs_employment

    frames = {y: load_acs_employment(y) for y in (2015, *YEARS)}
    with threadpool_limits(limits=1, user_api="openmp"):  # boosting threads fight on a shared machine
        model = train_demo_model(frames[2015])
    parts, realized = [], {}
    for year, f in frames.items():
        score = model.predict_proba(f[list(ACS_FEATURES)])[:, 1]
        pred = (score >= 0.5).astype(int)
        parts.append(pd.DataFrame({"year": year, "score": score, "prediction": pred, "employed": f["employed"].to_numpy()}))
        if year in YEARS:
            y = f["employed"].to_numpy()
            realized[year] = {
                "accuracy": skm.accuracy_score(y, pred), "precision": skm.precision_score(y, pred),
                "recall": skm.recall_score(y, pred), "f1": skm.f1_score(y, pred), "roc_auc": skm.roc_auc_score(y, score),
            }
    pd.concat(parts, ignore_index=True).to_parquet(path)
    return realized


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, dict[int, dict[str, float]]]:
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed:\n{p.stderr[-3000:]}")
    return elapsed, {int(k): v for k, v in json.loads(p.stdout.strip().splitlines()[-1]).items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nannyml-python", default=os.environ.get("RAI_BENCH_NANNYML_PYTHON", "/work/venvs/nannyml/bin/python"))
    args = ap.parse_args()
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root), "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "scores.parquet"
        print("training the demo model on ACS 2015 and scoring 2015-2018 ...", flush=True)
        realized = write_scores(data)
        ours_t, ours = timed([sys.executable, "-c", OURS, str(data)], env)
        peer = None
        if Path(args.nannyml_python).exists():
            peer_t, peer = timed([args.nannyml_python, "-c", NANNYML, str(data)], {**env, "PYTHONPATH": ""})
        else:
            print(f"NannyML skipped: {args.nannyml_python} not found (set --nannyml-python or RAI_BENCH_NANNYML_PYTHON)")
    print(f"\n{'year':>4} {'metric':<9} {'realized':>9} {'rai':>9} {'|err|':>7} {'nannyml':>9} {'|err|':>7}")
    worst = {"rai": 0.0, "nannyml": 0.0}
    for year in YEARS:
        for m in METRICS:
            r, o = realized[year][m], ours[year][m]
            line = f"{year:>4} {m:<9} {r:9.4f} {o:9.4f} {abs(o - r):7.4f}"
            worst["rai"] = max(worst["rai"], abs(o - r))
            if peer is not None:
                n = peer[year][m]
                line += f" {n:9.4f} {abs(n - r):7.4f}"
                worst["nannyml"] = max(worst["nannyml"], abs(n - r))
            print(line)
    print(f"\nlargest |error|: rai {worst['rai']:.4f}" + (f", nannyml {worst['nannyml']:.4f}" if peer else ""))
    if peer is not None:
        gap = max(abs(ours[y][m] - peer[y][m]) for y in YEARS for m in METRICS)
        print(f"largest |rai - nannyml| over the 15 estimates: {gap:.2e}")
    print(f"whole process (imports, fit on 68,785 reference rows, 3 yearly windows of ~70k rows): rai {ours_t:.2f} s"
          + (f", nannyml {peer_t:.2f} s, ratio {peer_t / ours_t:.1f}x" if peer else ""))
    print(f"load average: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
