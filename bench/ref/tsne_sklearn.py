"""scikit-learn's Barnes-Hut t-SNE, the reference for hg::analysis::tsne (apps/analysis/tsne.h).

  /usr/bin/python3 bench/ref/tsne_sklearn.py DATA.npy|DATA.csv [--perplexity 30] [--seed 0]
  /usr/bin/python3 bench/ref/tsne_sklearn.py --make-fashion-pca32 OUT.npy [--n 10000]

The first form reads a float32 matrix (.npy, or a CSV of numbers with no header), runs
sklearn.manifold.TSNE(n_components=2, perplexity=30, init="pca", learning_rate="auto",
random_state=0, method="barnes_hut") and prints one JSON line {"seconds", "kl", "n", "d",
"iterations"}: the wall time of fit_transform and kl_divergence_. The second writes the benchmark
input: the first n Fashion-MNIST test images (pixels / 255) projected on their top 32 principal
components, float32 [n, 32].
"""
import argparse
import json
import os
import sys
import time

import numpy as np


def load(path):
    if path.endswith(".npy"):
        x = np.load(path)
    else:
        x = np.loadtxt(path, delimiter=",", dtype=np.float32, ndmin=2)
    return np.ascontiguousarray(x, dtype=np.float32)


def make_fashion_pca32(out, n):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from idx_data import split_rows  # noqa: E402
    from sklearn.decomposition import PCA

    x = split_rows("/usr/share/datasets/fashion-mnist", "test", limit=n)
    z = PCA(n_components=32, svd_solver="full").fit_transform(x.astype(np.float64))
    np.save(out, np.ascontiguousarray(z, dtype=np.float32))
    print(json.dumps({"out": out, "n": int(z.shape[0]), "d": int(z.shape[1])}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data", nargs="?")
    ap.add_argument("--perplexity", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--make-fashion-pca32", metavar="OUT")
    ap.add_argument("--n", type=int, default=10000)
    a = ap.parse_args()
    if a.make_fashion_pca32:
        make_fashion_pca32(a.make_fashion_pca32, a.n)
        return
    if not a.data:
        ap.error("give a data file or --make-fashion-pca32 OUT")
    from sklearn.manifold import TSNE

    x = load(a.data)
    tsne = TSNE(n_components=2, perplexity=a.perplexity, init="pca", learning_rate="auto",
                random_state=a.seed, method="barnes_hut")
    t0 = time.perf_counter()
    tsne.fit_transform(x)
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": round(seconds, 3), "kl": float(tsne.kl_divergence_),
                      "n": int(x.shape[0]), "d": int(x.shape[1]),
                      "iterations": int(tsne.n_iter_) + 1}))


if __name__ == "__main__":
    main()
