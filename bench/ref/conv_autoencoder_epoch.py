#!/usr/bin/env python3
"""PyTorch reference for the Hourglass convolutional-autoencoder epoch benchmark.

Same model as models/configs/conv28.json (rows [B, 784] unflattened to 1x28x28;
Conv(1->32, 3x3, s2, p1)+ReLU, Conv(32->64, 3x3, s2, p1)+ReLU, Flatten, Linear(3136->32);
Linear(32->3136)+ReLU, Unflatten(64x7x7), ConvT(64->32, 3x3, s2, p1, op1)+ReLU,
ConvT(32->1, 3x3, s2, p1, op1), Sigmoid, Flatten), PyTorch's default init (which Hourglass's
"init": "default" reproduces), data (Fashion-MNIST train IDX scaled to [0, 1]; the first --limit
rows, then 90% of them as Hourglass's validation split 0.1 leaves), batch, optimizer (Adam,
lr 1e-3) and loss (MSE) as
  hourglass train --data fashion-mnist --config models/configs/conv28.json [--limit N]
Prints one JSON line: epoch seconds (mean over --epochs timed epochs, after --warmup untimed
ones), samples/s, the final epoch's mean train loss.

Usage: bench/ref/conv_autoencoder_epoch.py [--device cpu|cuda] [--epochs N] [--warmup W]
       [--batch B] [--limit N] [--mode eager|compile] [--threads T] [--data DIR]
"""
import argparse
import json
import time

import torch
import torch.nn as nn

from idx_data import training_rows


def model():
    encoder = nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, 32, 3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 32))
    decoder = nn.Sequential(
        nn.Linear(32, 64 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (64, 7, 7)),
        nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(32, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid(),
        nn.Flatten())
    return nn.Sequential(encoder, decoder)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=1, help="untimed epochs first (0 to time a cold start)")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--limit", type=int, default=0, help="use the first N training images (0 = all)")
    ap.add_argument("--mode", default="eager", choices=["eager", "compile"])
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    dev = torch.device(a.device)
    x_all = torch.from_numpy(training_rows(a.data, a.limit)).to(dev)
    n = x_all.shape[0]
    net = model().to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()

    def step(x):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), x)
        loss.backward()
        opt.step()
        return loss

    run = torch.compile(step) if a.mode == "compile" else step
    full = n // a.batch * a.batch  # static shapes for compile: drop the ragged tail
    limit = full if a.mode != "eager" else n
    times, first, last = [], None, None
    for epoch in range(a.warmup + a.epochs):
        perm = torch.randperm(n, device=dev)
        xs = x_all[perm]
        if dev.type == "cuda":
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        total = torch.zeros((), device=dev)
        for s in range(0, limit, a.batch):
            loss = run(xs[s:s + a.batch]).detach()
            if first is None:
                first = loss.item()
            total += loss * min(a.batch, n - s)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        dt = time.perf_counter() - t0
        last = total.item() / limit
        if epoch >= a.warmup:
            times.append(dt)
    sec = sum(times) / len(times)
    print(json.dumps({"framework": "pytorch " + torch.__version__, "model": "conv28", "device": a.device,
                      "mode": a.mode, "threads": torch.get_num_threads(), "samples": n,
                      "epochs_timed": len(times), "warmup_epochs": a.warmup, "seconds": sum(times),
                      "epoch_seconds": sec, "samples_per_s": n / sec, "first_train_loss": first,
                      "final_train_loss": last}))


if __name__ == "__main__":
    main()
