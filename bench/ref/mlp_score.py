#!/usr/bin/env python3
"""PyTorch reference for the Hourglass scoring-throughput benchmark.

Scoring = the per-sample reconstruction error (mean squared error over the 784 pixels) of the
seeds' MLP autoencoder (784-256-128-32, ReLU incl. latent, sigmoid output) over a whole split of
Fashion-MNIST, in chunks of 2048 rows, under torch.no_grad(): what `hourglass detect score` does
with a fitted `mse` detector. Weights do not change the speed; they are PyTorch's default init.
Prints one JSON line: the best of --repeat timed passes (after one untimed warm-up pass).

Usage: bench/ref/mlp_score.py [--split train|test] [--chunk 2048] [--repeat 3] [--threads T]
       [--data DIR] [--autocast bf16]
--autocast bf16 runs the forward pass under torch.autocast (bf16 matrix products): the
counterpart of `hourglass detect score --gemm hg-bf16`.
"""
import argparse
import json
import time

import torch

from mlp_torch import mlp_autoencoder
from idx_data import split_rows




def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="train")
    ap.add_argument("--chunk", type=int, default=2048)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--autocast", default="", choices=["", "bf16"])
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    x_all = torch.from_numpy(split_rows(a.data, a.split))
    n = x_all.shape[0]
    net = mlp_autoencoder().eval()

    def score():
        out = torch.empty(n)
        with torch.no_grad(), torch.autocast(device_type="cpu", dtype=torch.bfloat16, enabled=a.autocast == "bf16"):
            for s in range(0, n, a.chunk):
                x = x_all[s:s + a.chunk]
                out[s:s + a.chunk] = ((net(x).float() - x) ** 2).mean(dim=1)
        return out

    score()  # warm-up
    best = float("inf")
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        s = score()
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({"framework": "pytorch " + torch.__version__, "threads": torch.get_num_threads(),
                      "autocast": a.autocast or "off",
                      "n": n, "seconds": best, "samples_per_s": n / best,
                      "mean_score": float(s.mean())}))


if __name__ == "__main__":
    main()
