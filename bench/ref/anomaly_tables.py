#!/usr/bin/env python3
"""Real anomaly tables of the ODDS / ADBench kind, built from the tables scikit-learn ships, and
scikit-learn's detectors on them: the reference side of bench/compare-tables.

For every table and seed: the normal rows are split 60/40 (seeded); the fit file holds the 60%
(label 0), the test file the other 40% plus anomalies drawn to 10% of them (at least 5, label
1). Detectors are fitted on the fit rows only (novelty detection, as `hourglass detect` does),
after a StandardScaler fitted on them. Writes DIR/<table>-<seed>/{fit,test}.csv and prints one
JSON line per split with each detector's AUROC.

Usage: anomaly_tables.py DIR SEEDS
"""
import gzip
import json
import os
import sys

import numpy as np
from sklearn import datasets
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import LocalOutlierFactor, NearestNeighbors
from sklearn.preprocessing import StandardScaler
from sklearn.svm import OneClassSVM

DATA = os.path.join(os.path.dirname(datasets.__file__), "data")


def tables():
    """(name, X, is_anomaly) for each table; the anomaly is a class or a tail the table has."""
    bc = datasets.load_breast_cancer()
    yield "wbc", bc.data, bc.target == 0  # malignant tumours among benign ones
    w = datasets.load_wine()
    yield "wine", w.data, w.target == 0
    ir = datasets.load_iris()
    yield "iris", ir.data, ir.target == 2
    dg = datasets.load_digits()
    for a in (0, 3, 8):
        yield "digits%d" % a, dg.data, dg.target == a
    path = os.path.join(DATA, "boston_house_prices.csv")
    if os.path.exists(path):  # shipped by scikit-learn 1.2 (removed from its API, kept as data)
        bo = np.loadtxt(path, delimiter=",", skiprows=2)
        yield "housing", bo[:, :-1], bo[:, -1] >= 40  # the most expensive districts
    dx = np.loadtxt(gzip.open(os.path.join(DATA, "diabetes_data_raw.csv.gz")))
    dy = np.loadtxt(gzip.open(os.path.join(DATA, "diabetes_target.csv.gz")))
    yield "diabetes", dx, dy >= np.quantile(dy, 0.9)  # the fastest progressions


def split(X, y, seed):
    rng = np.random.RandomState(seed)
    normal, anom = np.where(~y)[0], np.where(y)[0]
    rng.shuffle(normal)
    rng.shuffle(anom)
    n_fit = int(0.6 * len(normal))
    n_anom = min(len(anom), max(5, int(0.1 * (len(normal) - n_fit))))
    fit = X[normal[:n_fit]]
    test = np.concatenate([X[normal[n_fit:]], X[anom[:n_anom]]])
    lab = np.r_[np.zeros(len(normal) - n_fit), np.ones(n_anom)].astype(int)
    return fit, test, lab


def write_csv(path, X, lab):
    cols = ["f%d" % j for j in range(X.shape[1])] + ["label"]
    with open(path, "w") as f:
        f.write(",".join(cols) + "\n")
        for row, l in zip(X, lab):
            f.write(",".join("%.9g" % v for v in row) + ",%d\n" % l)


def sklearn_scores(fit, test, seed):
    sc = StandardScaler().fit(fit)
    a, b = sc.transform(fit), sc.transform(test)
    out = {}
    out["iforest"] = -IsolationForest(random_state=seed).fit(a).score_samples(b)
    out["lof"] = -LocalOutlierFactor(n_neighbors=min(20, len(a) - 1), novelty=True).fit(a).score_samples(b)
    out["ocsvm"] = -OneClassSVM(gamma="scale").fit(a).score_samples(b)
    d, _ = NearestNeighbors(n_neighbors=5).fit(a).kneighbors(b)
    out["knn"] = d.mean(1)
    p = PCA(n_components=0.9, svd_solver="full").fit(a)
    out["pca"] = ((b - p.inverse_transform(p.transform(b))) ** 2).sum(1)
    return out


def main():
    out_dir, seeds = sys.argv[1], int(sys.argv[2])
    for name, X, y in tables():
        for seed in range(seeds):
            fit, test, lab = split(X, y, seed)
            d = os.path.join(out_dir, "%s-%d" % (name, seed))
            os.makedirs(d, exist_ok=True)
            write_csv(os.path.join(d, "fit.csv"), fit, np.zeros(len(fit), dtype=int))
            write_csv(os.path.join(d, "test.csv"), test, lab)
            s = sklearn_scores(fit, test, seed)
            row = {"table": name, "seed": seed, "dir": d, "features": X.shape[1], "fit_rows": len(fit),
                   "test_rows": len(test), "anomalies": int(lab.sum())}
            row.update({k: roc_auc_score(lab, v) for k, v in s.items()})
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
