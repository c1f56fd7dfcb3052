#!/usr/bin/env python3
"""PyTorch reference for the Hourglass one-class anomaly benchmark on Fashion-MNIST.

The recipe (the seeds' Part 1 anomaly detector, which `hourglass detect bench-oneclass --data
fashion-mnist --config models/configs/mlp784.json` follows), for each class c:
  data     Fashion-MNIST IDX files (raw or .gz), pixels / 255. Training: the TRAIN images of class
           c only (6,000), all of them (no validation split). Test: all 10,000 TEST images, class c
           normal (label 0), the other nine classes anomalies (label 1).
  model    784-256-128-32-128-256-784, PyTorch's default nn.Linear init, ReLU after every hidden
           layer including the 32-wide latent, sigmoid output.
  training MSE (mean over pixels and rows), Adam (lr 1e-3, PyTorch defaults otherwise), batch 256,
           reshuffled every epoch, the ragged last batch kept (6,000 = 23 x 256 + 112). The model is
           built and trained right after torch.manual_seed(--seed), for every class, so a class's
           result does not depend on which other classes --classes runs.
  score    per test image, the mean over its 784 pixels of the squared reconstruction error;
           AUROC = sklearn.metrics.roc_auc_score(labels, scores).

Prints one progress line per class to stderr and one JSON line last: framework, epochs, per_class
(the AUROCs of the classes run, in the order given), mean_auroc (their mean), seconds (wall time of
all training and scoring), plus classes, threads, seed.

Usage: bench/ref/oneclass_fashion.py [--epochs 20] [--seed 0] [--classes 0,3] [--threads T]
       [--batch 256] [--lr 1e-3] [--data DIR]
"""
import argparse
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import roc_auc_score

from mlp_torch import mlp_autoencoder
from idx_data import split_labels, split_rows




def train(net, x_all, epochs, batch, lr):
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    n = x_all.shape[0]
    last = float("nan")
    net.train()
    for _ in range(epochs):
        perm = torch.randperm(n)
        total = 0.0
        for s in range(0, n, batch):
            x = x_all[perm[s:s + batch]]
            loss = loss_fn(net(x), x)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * x.shape[0]
        last = total / n
    return last


@torch.no_grad()
def scores(net, x_test, chunk=2000):
    """[n] numpy float64: per-row mean squared reconstruction error."""
    net.eval()
    out = []
    for s in range(0, x_test.shape[0], chunk):
        x = x_test[s:s + chunk]
        out.append(((net(x) - x) ** 2).mean(dim=1).double().numpy())
    return np.concatenate(out)


def parse_classes(text):
    classes = [int(t) for t in text.split(",") if t.strip()]
    if not classes or any(c < 0 or c > 9 for c in classes):
        raise SystemExit(f"--classes: expected a comma-separated list of 0..9, got {text!r}")
    return classes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--classes", default="0,1,2,3,4,5,6,7,8,9")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    classes = parse_classes(a.classes)

    x_train = torch.from_numpy(split_rows(a.data, "train"))
    y_train = split_labels(a.data, "train")
    x_test = torch.from_numpy(split_rows(a.data, "test"))
    y_test = split_labels(a.data, "test")
    if len(y_train) != x_train.shape[0] or len(y_test) != x_test.shape[0]:
        raise SystemExit(f"{a.data}: image and label counts differ")

    per_class = []
    t_all = time.perf_counter()
    for c in classes:
        t0 = time.perf_counter()
        x_c = x_train[torch.from_numpy(np.flatnonzero(y_train == c))]
        torch.manual_seed(a.seed)
        net = mlp_autoencoder()
        final = train(net, x_c, a.epochs, a.batch, a.lr)
        auroc = float(roc_auc_score((y_test != c).astype(np.int64), scores(net, x_test)))
        per_class.append(auroc)
        print(f"class {c}: {x_c.shape[0]} training images, final train loss {final:.5f}, "
              f"AUROC {auroc:.4f} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - t_all

    print(json.dumps({
        "framework": "pytorch " + torch.__version__, "epochs": a.epochs, "classes": classes,
        "per_class": per_class, "mean_auroc": float(np.mean(per_class)), "seconds": seconds,
        "threads": torch.get_num_threads(), "seed": a.seed}))


if __name__ == "__main__":
    main()
