"""`rai mitigate` per method on UCI Adult and ACS employment, beside fairlearn called directly.

Each measurement is a whole fresh process, timed from outside:

* ``rai mitigate``: read the tables, load the model, fit the mitigation, save it (.skops and its
  metadata), assess the original and the mitigated model on the test data (performance and
  fairness with 200 bootstrap replicates each), write tradeoff.json;
* fairlearn directly (the peer): read the same tables, load the same model, fit the same
  mitigator, predict the test data and compute accuracy and the constrained disparity with
  ``fairlearn.metrics``. Both print the test accuracy, which must agree.

The original model is the same for both datasets: one-hot encoding of the categorical columns,
scaled numeric columns, a logistic regression. Adult: the 70/30 split of adult.csv with seed 0
(``--adult`` or ``$RAI_SHARED_DIR/datasets/adult/adult.csv``; skipped with a line when absent).
ACS: the bundled data, trained on 2015, tested on 2018.

    python benchmarks/bench_mitigation.py [--methods threshold,exponentiated-gradient,grid-search]
                                          [--datasets adult,acs] [--constraint demographic_parity]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PEER = r'''
import sys, time
import pandas as pd, skops.io as sio
from fairlearn.metrics import {metric}_ratio
from sklearn.metrics import accuracy_score
train_path, test_path, model_path, method, constraint, target, positive, sensitive = sys.argv[1:9]
read = pd.read_parquet
train, test = read(train_path), read(test_path)
model = sio.load(model_path, trusted=sio.get_untrusted_types(file=model_path))
features = list(model.feature_names_in_)
y = (train[target].astype(str) == positive).astype(int)
if method == "threshold":
    from fairlearn.postprocessing import ThresholdOptimizer
    m = ThresholdOptimizer(estimator=model, constraints=constraint, prefit=True, predict_method="predict_proba")
    m.fit(train[features], y, sensitive_features=train[sensitive])
    pred = m.predict(test[features], sensitive_features=test[sensitive], random_state=0)
else:
    import fairlearn.reductions as red
    from rai.mitigation import SampleWeightRouter   # routes sample_weight into the pipeline's last step
    moment = {{"demographic_parity": red.DemographicParity, "equalized_odds": red.EqualizedOdds}}[constraint]()
    cls = red.ExponentiatedGradient if method == "exponentiated-gradient" else red.GridSearch
    m = cls(SampleWeightRouter(model), constraints=moment)
    m.fit(train[features], y, sensitive_features=train[sensitive])
    pred = m.predict(test[features], random_state=0) if method == "exponentiated-gradient" else m.predict(test[features])
yt = (test[target].astype(str) == positive).astype(int)
print(f"accuracy {{accuracy_score(yt, pred):.6f}} ratio {{{metric}_ratio(yt, pred, sensitive_features=test[sensitive]):.6f}}")
'''


def _pipeline(frame, features):
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    categorical = [c for c in features if frame[c].dtype == object or str(frame[c].dtype) == "category"]
    numeric = [c for c in features if c not in categorical]
    return Pipeline([("pre", ColumnTransformer([("oh", OneHotEncoder(handle_unknown="ignore"), categorical),
                                                ("num", StandardScaler(), numeric)])),
                     ("clf", LogisticRegression(max_iter=1000))])


def prepare(name: str, root: Path, adult_csv: Path | None) -> dict | None:
    """Write train / test Parquet files and the original model; None when the data is absent."""
    import pandas as pd
    import skops.io as sio

    if name == "adult":
        if adult_csv is None or not adult_csv.is_file():
            return None
        from sklearn.model_selection import train_test_split

        frame = pd.read_csv(adult_csv, skipinitialspace=True)
        target, positive, sensitive = "income-per-year", ">50K", "sex"
        train, test = train_test_split(frame, test_size=0.3, random_state=0)
    else:
        from rai.datasets import ACS_FEATURES, load_acs_employment

        keep = [*ACS_FEATURES, "employed"]
        train, test = load_acs_employment(2015)[keep], load_acs_employment(2018)[keep]
        for c in ACS_FEATURES:  # census codes are categories, age is numeric
            if c != "AGEP":
                train[c], test[c] = train[c].astype(str), test[c].astype(str)
        target, positive, sensitive = "employed", "1", "SEX"
    features = [c for c in train.columns if c != target]
    model = _pipeline(train, features).fit(train[features], train[target])
    folder = root / name
    folder.mkdir()
    train.to_parquet(folder / "train.parquet", index=False)
    test.to_parquet(folder / "test.parquet", index=False)
    sio.dump(model, folder / "model.skops")
    return {"folder": folder, "target": target, "positive": positive, "sensitive": sensitive,
            "rows": (len(train), len(test))}


def timed(cmd: list[str]) -> tuple[float, str]:
    t = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:3])} ... exited {res.returncode}: {res.stderr[-800:]}")
    return seconds, res.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="threshold,exponentiated-gradient,grid-search")
    parser.add_argument("--datasets", default="adult,acs")
    parser.add_argument("--constraint", default="demographic_parity", choices=["demographic_parity", "equalized_odds"])
    shared = os.environ.get("RAI_SHARED_DIR") or str(Path(__file__).resolve().parents[2] / "shared")
    parser.add_argument("--adult", type=Path, default=Path(shared) / "datasets" / "adult" / "adult.csv")
    args = parser.parse_args(argv)
    rai = shutil.which("rai") or "rai"
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; one fresh process per figure")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.datasets.split(","):
            data = prepare(name, Path(tmp), args.adult)
            if data is None:
                print(f"{name}: skipped ({args.adult} not found; give --adult or set RAI_SHARED_DIR)")
                continue
            d = data["folder"]
            print(f"{name}: {data['rows'][0]:,} training rows, {data['rows'][1]:,} test rows, "
                  f"constraint {args.constraint} by {data['sensitive']}")
            for method in args.methods.split(","):
                ours, out = timed([rai, "mitigate", "--train", str(d / "train.parquet"), "--test", str(d / "test.parquet"),
                                   "--target", data["target"], "--positive-label", data["positive"], "--sensitive",
                                   data["sensitive"], "--model", str(d / "model.skops"), "--method", method,
                                   "--constraint", args.constraint, "--out", str(d / method)])
                peer_code = PEER.format(metric=args.constraint)
                theirs, peer_out = timed([sys.executable, "-c", peer_code, str(d / "train.parquet"), str(d / "test.parquet"),
                                          str(d / "model.skops"), method, args.constraint, data["target"],
                                          data["positive"], data["sensitive"]])
                acc_ours = re.search(r"accuracy: [0-9.]+ \[[^]]*\] -> ([0-9.]+)", out).group(1)
                acc_peer = re.search(r"accuracy ([0-9.]+)", peer_out).group(1)
                print(f"  {method:>22s}  rai mitigate {ours:7.1f} s   fairlearn directly {theirs:7.1f} s   "
                      f"ratio {ours / theirs:4.2f}x   test accuracy {acc_ours} / {float(acc_peer):.3f}   "
                      f"load {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
