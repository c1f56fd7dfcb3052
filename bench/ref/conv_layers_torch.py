#!/usr/bin/python3
"""PyTorch on the CPU: the conv autoencoder's layer passes at batch 256, timed like
bench/bench_conv_cpu.cpp (forward with bias and ReLU, backward-data, backward-weight with the bias
gradient). backward-data is also the decoder's transposed convolution (conv_transpose2d with these
weights). Prints one JSON line per pass: ms and GFLOP/s (2 N K P Q C R S / time)."""
import argparse
import json
import time

import torch
import torch.nn.functional as F

LAYERS = {"1x28x28->32": (1, 28, 32), "32x14x14->64": (32, 14, 64)}


def bench(fn, min_time=0.3, repeats=3):
    """Seconds per call: the best of `repeats` means, each over at least min_time (as
    bench_conv_cpu is read by bench/compare-conv-cpu: the minimum of 3 repetitions)."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        n, t0 = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            dt = time.perf_counter() - t0
            if dt >= min_time:
                best = min(best, dt / n)
                break
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: default)")
    ap.add_argument("--batch", type=int, default=256)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    for name, (c, hw, k) in LAYERS.items():
        x = torch.randn(a.batch, c, hw, hw)
        w = torch.randn(k, c, 3, 3)
        b = torch.randn(k)
        y = F.conv2d(x, w, b, stride=2, padding=1)
        dy = torch.randn_like(y)
        p = y.shape[2]
        flops = 2.0 * a.batch * k * p * p * c * 9
        passes = {
            "forward": lambda: F.relu(F.conv2d(x, w, b, stride=2, padding=1)),
            "backward_data": lambda: torch.nn.grad.conv2d_input(x.shape, w, dy, stride=2, padding=1),
            "backward_weight": lambda: (torch.nn.grad.conv2d_weight(x, w.shape, dy, stride=2, padding=1),
                                        dy.sum(dim=(0, 2, 3))),
        }
        with torch.no_grad():
            for pname, fn in passes.items():
                s = bench(fn)
                print(json.dumps({"layer": name, "pass": pname, "ms": s * 1e3, "gflops": flops / s * 1e-9,
                                  "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
