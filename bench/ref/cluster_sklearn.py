#!/usr/bin/python3
"""scikit-learn reference for the Hourglass clustering tools (apps/analysis/kmeans, silhouette).

Reads a float32 matrix (one sample per row) from a .npy file or a CSV file (comma-separated
numbers; a first line that does not parse as numbers is taken as a header and skipped), then times
  KMeans(n_clusters=K, n_init=N, random_state=SEED)   (k-means++ seeding, Lloyd iterations)
  silhouette_score(X, labels)                         (exact, Euclidean, on KMeans' labels)
and prints one JSON line: kmeans_seconds, inertia, silhouette_seconds, silhouette.

Run it with Debian's interpreter (/usr/bin/python3 with python3-sklearn 1.2 and numpy); the
thread count is whatever OpenMP / the BLAS choose (set OMP_NUM_THREADS to pin it).

Usage: bench/ref/cluster_sklearn.py FILE.npy|FILE.csv [--k 10] [--n-init 10] [--seed 0]
       [--silhouette-sample M]   (M > 0: silhouette_score(..., sample_size=M, random_state=SEED))
"""
import argparse
import json
import sys
import time

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score


def load(path):
    if path.endswith(".npy"):
        x = np.load(path)
    else:
        try:
            x = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2)
        except ValueError:
            x = np.loadtxt(path, delimiter=",", dtype=np.float64, ndmin=2, skiprows=1)
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 1:
        sys.exit(f"{path}: expected a 2-D matrix with at least 2 rows, got shape {x.shape}")
    if not np.isfinite(x).all():
        row = int(np.nonzero(~np.isfinite(x).all(axis=1))[0][0])
        sys.exit(f"{path}: row {row} has a NaN or infinity")
    return x


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--n-init", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--silhouette-sample", type=int, default=0)
    ap.add_argument("--labels", help=".npy of integer labels: the silhouette scores these instead of KMeans' clusters")
    args = ap.parse_args()

    x = load(args.file)

    t0 = time.perf_counter()
    km = KMeans(n_clusters=args.k, n_init=args.n_init, random_state=args.seed).fit(x)
    t1 = time.perf_counter()
    labels = np.load(args.labels).astype(np.int64) if args.labels else km.labels_
    if args.silhouette_sample > 0:
        sil = silhouette_score(x, labels, sample_size=args.silhouette_sample,
                               random_state=args.seed)
    else:
        sil = silhouette_score(x, labels)
    t2 = time.perf_counter()

    print(json.dumps({
        "kmeans_seconds": round(t1 - t0, 6),
        "inertia": float(km.inertia_),
        "silhouette_seconds": round(t2 - t1, 6),
        "silhouette": float(sil),
    }))


if __name__ == "__main__":
    main()
