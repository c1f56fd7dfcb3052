#!/usr/bin/env python3
"""PyTorch reference for the Hourglass MLP-autoencoder epoch benchmark.

Same model (784-256-128-32, ReLU incl. latent, sigmoid output), data (Fashion-MNIST train IDX,
scaled to [0, 1], first 90% as Hourglass's validation split leaves 54,000 rows), batch, optimizer
(Adam, lr 1e-3) and loss (MSE) as `hourglass train --config models/configs/mlp784.json`.
Trains exactly --epochs epochs and prints one JSON line: the mean seconds of epochs 2..N (epoch 1
is the warm-up: allocator, compile, graph capture; with --epochs 1 it is timed too), samples/s,
and the train loss of the last epoch.

Usage: bench/ref/mlp_autoencoder_epoch.py [--device cpu|cuda] [--epochs N] [--batch B]
       [--mode eager|compile] [--threads T] [--data DIR] [--autocast bf16]
--autocast bf16 runs the forward pass and the loss under torch.autocast (bf16 matrix products,
fp32 weights and optimizer): the counterpart of `hourglass train --gemm hg-bf16` on the CPU.
"""
import argparse
import json
import time

import torch
import torch.nn as nn

from mlp_torch import mlp_autoencoder
from idx_data import training_rows




def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--mode", default="eager", choices=["eager", "compile"])
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--autocast", default="", choices=["", "bf16"])
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dev = torch.device(a.device)
    x_all = torch.from_numpy(training_rows(a.data, 0)).to(dev)
    n = x_all.shape[0]
    net = mlp_autoencoder().to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()

    def step(x):
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=a.autocast == "bf16"):
            loss = loss_fn(net(x).float(), x)
        loss.backward()
        opt.step()
        return loss

    run = torch.compile(step) if a.mode == "compile" else step
    full = n // a.batch * a.batch  # static shapes for compile: drop the ragged tail
    times, last = [], None
    for epoch in range(a.epochs):
        perm = torch.randperm(n, device=dev)
        xs = x_all[perm]
        if dev.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        total = torch.zeros((), device=dev)
        limit = full if a.mode != "eager" else n
        for s in range(0, limit, a.batch):
            total += run(xs[s:s + a.batch]).detach() * min(a.batch, n - s)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        dt = time.perf_counter() - t0
        last = total.item() / limit
        if epoch > 0 or a.epochs == 1:
            times.append(dt)
    sec = sum(times) / len(times)
    print(json.dumps({"framework": "pytorch " + torch.__version__, "device": a.device, "mode": a.mode,
                      "autocast": a.autocast or "off",
                      "threads": torch.get_num_threads(), "epoch_seconds": sec,
                      "samples_per_s": n / sec, "final_train_loss": last}))


if __name__ == "__main__":
    main()
