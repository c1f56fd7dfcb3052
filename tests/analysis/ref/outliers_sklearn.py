#!/usr/bin/python3
"""scikit-learn reference for the Hourglass outlier detectors (apps/analysis/isolation_forest,
lof, pca_outlier, ecod), run by tests/analysis/test_outliers.cpp.

Reads the fit rows and the rows to score from two CSV files (comma-separated numbers, one sample
per row, no header; the values are read as float32, as the C++ side has them), and writes one
CSV: a comment line "# pca_k=K" (the number of PCA components used), a header line, then one
line per scored row with these columns, every score "higher = more anomalous":
  iforest      -IsolationForest(n_estimators=N, random_state=SEED).score_samples
  iforest_alt  the same with random_state=SEED + 1 (the spread between two forests)
  lof          -LocalOutlierFactor(n_neighbors=K, novelty=True).score_samples
  pca          squared distance to PCA(n_components=k, svd_solver="full")'s reconstruction;
               --pca-k 0: the smallest k whose explained variance ratios add up to >= 0.9,
               capped at d - 1, at least 1
  ecod         ECOD from the formula in apps/analysis/ecod.h (tails of the fit rows only),
               written here in numpy (PyOD is not a Debian package)

Run it with Debian's interpreter (/usr/bin/python3 with python3-sklearn and python3-numpy).
Usage: outliers_sklearn.py FIT.csv TEST.csv OUT.csv [--seed 0] [--n-estimators 100]
       [--n-neighbors 20] [--pca-k 0] [--pca-variance 0.9]
"""
import argparse
import sys

import numpy as np
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import LocalOutlierFactor


def load(path):
    x = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2).astype(np.float32)
    if x.shape[0] < 1 or x.shape[1] < 1:
        sys.exit(f"{path}: expected a 2-D matrix, got shape {x.shape}")
    return x


def ecod(fit, test):
    """sum_j max(U_l, U_r, U_skew) with the tails of the fit columns (see ecod.h)."""
    n, d = fit.shape
    total = np.zeros(test.shape[0])
    for j in range(d):
        col = np.sort(fit[:, j])
        le = np.searchsorted(col, test[:, j], side="right")       # #{fit <= x}
        ge = n - np.searchsorted(col, test[:, j], side="left")    # #{fit >= x}
        ul = -np.log(np.maximum(le / n, 1.0 / n))
        ur = -np.log(np.maximum(ge / n, 1.0 / n))
        c = fit[:, j].astype(np.float64)
        c = c - c.mean()
        m2, m3 = np.mean(c * c), np.mean(c * c * c)
        g = m3 / m2 ** 1.5 if m2 > 0 else 0.0
        sign = 0 if abs(g) <= 1e-10 else (1 if g > 0 else -1)
        uskew = ul if sign < 0 else ur if sign > 0 else ul + ur
        total += np.maximum(np.maximum(ul, ur), uskew)
    return total


def pca_error(fit, test, k, variance):
    x, y = fit.astype(np.float64), test.astype(np.float64)
    n, d = x.shape
    if k == 0:
        full = PCA(svd_solver="full").fit(x)
        cum = np.cumsum(full.explained_variance_ratio_)
        cap = max(1, min(d - 1, min(n, d)))
        hits = np.nonzero(cum[:cap] >= variance)[0]
        k = int(hits[0]) + 1 if len(hits) else cap
    p = PCA(n_components=k, svd_solver="full").fit(x)
    r = y - p.inverse_transform(p.transform(y))
    return k, np.sum(r * r, axis=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fit")
    ap.add_argument("test")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-estimators", type=int, default=100)
    ap.add_argument("--n-neighbors", type=int, default=20)
    ap.add_argument("--pca-k", type=int, default=0)
    ap.add_argument("--pca-variance", type=float, default=0.9)
    a = ap.parse_args()
    fit, test = load(a.fit), load(a.test)
    if fit.shape[1] != test.shape[1]:
        sys.exit(f"{a.test}: {test.shape[1]} columns, the fit rows have {fit.shape[1]}")

    cols = {}
    for name, seed in (("iforest", a.seed), ("iforest_alt", a.seed + 1)):
        f = IsolationForest(n_estimators=a.n_estimators, random_state=seed).fit(fit)
        cols[name] = -f.score_samples(test)
    lof = LocalOutlierFactor(n_neighbors=a.n_neighbors, novelty=True).fit(fit.astype(np.float64))
    cols["lof"] = -lof.score_samples(test.astype(np.float64))
    k, cols["pca"] = pca_error(fit, test, a.pca_k, a.pca_variance)
    cols["ecod"] = ecod(fit, test)

    with open(a.out, "w") as out:
        out.write(f"# pca_k={k}\n")
        out.write(",".join(cols) + "\n")
        for i in range(test.shape[0]):
            out.write(",".join(repr(float(cols[c][i])) for c in cols) + "\n")


if __name__ == "__main__":
    main()
