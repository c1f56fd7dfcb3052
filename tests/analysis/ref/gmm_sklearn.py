#!/usr/bin/python3
"""scikit-learn reference for the Hourglass Gaussian mixture (apps/analysis/gmm.h), run by
tests/analysis/test_gmm.cpp.

Reads one CSV of rows (comma-separated numbers, one sample per row, no header; read as float32,
as the C++ side has them), fits
  GaussianMixture(n_components=K, covariance_type="full", n_init=N, max_iter=100, tol=1e-3,
                  reg_covar=1e-6, init_params="kmeans", random_state=SEED)
and writes one CSV: comment lines "# mean_log_likelihood=...", "# lower_bound=...",
"# converged=0|1", "# n_iter=...", a header "label,log_likelihood", then one line per row
(fit_predict's label and score_samples).

Run it with Debian's interpreter (/usr/bin/python3 with python3-sklearn and python3-numpy).
Usage: gmm_sklearn.py DATA.csv OUT.csv [--k 3] [--n-init 1] [--seed 0]
"""
import argparse
import sys

import numpy as np
from sklearn.mixture import GaussianMixture


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--n-init", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    x = np.loadtxt(a.data, delimiter=",", dtype=np.float64, ndmin=2).astype(np.float32)
    if x.shape[0] < a.k:
        sys.exit(f"{a.data}: {x.shape[0]} rows for k = {a.k}")
    x = x.astype(np.float64)
    gm = GaussianMixture(n_components=a.k, covariance_type="full", n_init=a.n_init, max_iter=100,
                         tol=1e-3, reg_covar=1e-6, init_params="kmeans", random_state=a.seed)
    labels = gm.fit_predict(x)
    ll = gm.score_samples(x)
    with open(a.out, "w") as f:
        f.write(f"# mean_log_likelihood={gm.score(x)!r}\n")
        f.write(f"# lower_bound={gm.lower_bound_!r}\n")
        f.write(f"# converged={int(gm.converged_)}\n")
        f.write(f"# n_iter={gm.n_iter_}\n")
        f.write("label,log_likelihood\n")
        for lab, v in zip(labels, ll):
            f.write(f"{lab},{v!r}\n")


if __name__ == "__main__":
    main()
