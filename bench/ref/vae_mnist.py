#!/usr/bin/env python3
"""PyTorch reference for the Hourglass MLP-VAE benchmark on binarised MNIST digits.

The recipe (which `hourglass train --config models/configs/vae784.json --scaler binarize
--val-split 0 --batch 128` follows):
  data     data/mnist IDX files (scripts/fetch-data: 8,000 training and 2,000 test digits, raw or
           .gz); pixels / 255, then binarised deterministically: x = (pixel / 255 > 0.5), i.e.
           pixel >= 128 (no pixel value lies on the threshold). All 8,000 training digits are
           trained on (no validation split); the test set is the first --limit test digits.
  model    PyTorch's default nn.Linear init. Encoder 784-512-256 with ReLU, then two linear heads
           256->32 (mu) and 256->32 (logvar); decoder 32-256-512-784, ReLU between, no output
           activation (Bernoulli logits).
  loss     per batch: the batch mean of [sum over pixels of BCE-with-logits(logits, x)
           + beta * KL(N(mu, exp(logvar)) || N(0, I))], KL analytic
           = -0.5 * sum(1 + logvar - mu^2 - exp(logvar)), beta = 1; z = mu + exp(0.5 logvar) * eps.
  training Adam (lr 1e-3, PyTorch defaults otherwise), batch 128, reshuffled every epoch, the
           ragged last batch kept (8,000 = 62 x 128 + 64).
  eval     importance-weighted NLL in nats with K samples z_k ~ q(z|x):
             log p(x) ~= logsumexp_k [log p(x|z_k) + log N(z_k; 0, I) - log q(z_k|x)] - log K,
           log p(x|z) = -sum BCE-with-logits; nll = mean over test digits of -log p(x).
           neg_elbo = mean over test digits of [analytic KL + reconstruction BCE averaged over the
           same K samples] (an unbiased, low-variance estimate of the negative ELBO).
final_train_loss is the sample-weighted mean batch loss of the last epoch.

Prints one JSON line last: framework, device, epochs, batch, lr, latent, nll_samples, test_images,
nll, neg_elbo, final_train_loss, train_seconds, eval_seconds (plus threads, seed, neg_elbo_estimator).

Usage: bench/ref/vae_mnist.py [--epochs 30] [--nll-samples 500] [--limit 2000] [--seed 0]
       [--threads T] [--batch 128] [--lr 1e-3] [--beta 1] [--data DIR]
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from idx_data import split_rows

LATENT = 32
LOG_2PI = math.log(2.0 * math.pi)


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU())
        self.mu = nn.Linear(256, LATENT)
        self.logvar = nn.Linear(256, LATENT)
        self.decoder = nn.Sequential(nn.Linear(LATENT, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(),
                                     nn.Linear(512, 784))

    def encode(self, x):
        h = self.encoder(x)
        return self.mu(h), self.logvar(h)


def kl_per_row(mu, logvar):
    return -0.5 * (1.0 + logvar - mu * mu - logvar.exp()).sum(-1)


def bce_per_row(logits, x):
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)


def binarised(data_dir, split, limit=0):
    x = torch.from_numpy(split_rows(data_dir, split, limit))
    return (x > 0.5).float()


def train(net, x_all, epochs, batch, lr, beta):
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    n = x_all.shape[0]
    last = float("nan")
    for epoch in range(epochs):
        perm = torch.randperm(n)
        total = 0.0
        for s in range(0, n, batch):
            x = x_all[perm[s:s + batch]]
            mu, logvar = net.encode(x)
            z = mu + (0.5 * logvar).exp() * torch.randn_like(mu)
            loss = (bce_per_row(net.decoder(z), x) + beta * kl_per_row(mu, logvar)).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * x.shape[0]
        last = total / n
        print(f"epoch {epoch + 1}/{epochs} train loss {last:.4f}", file=sys.stderr, flush=True)
    return last


@torch.no_grad()
def evaluate(net, x_test, k, gen):
    """Returns (nll, neg_elbo), both means over the test rows, in nats."""
    rows = max(1, 16384 // k)  # test digits per chunk: about 16k decoder rows at a time
    nll_sum, neg_elbo_sum = 0.0, 0.0
    for s in range(0, x_test.shape[0], rows):
        x = x_test[s:s + rows]                                    # [B, 784]
        mu, logvar = net.encode(x)                                # [B, L]
        eps = torch.randn((k,) + mu.shape, generator=gen)         # [K, B, L]
        z = mu + (0.5 * logvar).exp() * eps
        logits = net.decoder(z.reshape(-1, LATENT)).reshape(k, x.shape[0], 784)
        log_px_z = -bce_per_row(logits, x.expand(k, -1, -1))      # [K, B]
        log_pz = -0.5 * (z * z + LOG_2PI).sum(-1)
        log_qz = -0.5 * (eps * eps + logvar + LOG_2PI).sum(-1)
        log_w = (log_px_z + log_pz - log_qz).double()
        log_px = torch.logsumexp(log_w, dim=0) - math.log(k)     # [B]
        nll_sum += -log_px.sum().item()
        neg_elbo_sum += (-log_px_z.double().mean(0) + kl_per_row(mu, logvar).double()).sum().item()
    n = x_test.shape[0]
    return nll_sum / n, neg_elbo_sum / n


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--nll-samples", type=int, default=500)
    ap.add_argument("--limit", type=int, default=0, help="first N test digits (0: all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--beta", type=float, default=1.0)
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "data", "mnist"))
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    x_train = binarised(a.data, "train")
    x_test = binarised(a.data, "test", a.limit)
    net = VAE()

    t0 = time.perf_counter()
    net.train()
    final = train(net, x_train, a.epochs, a.batch, a.lr, a.beta)
    train_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    net.eval()
    nll, neg_elbo = evaluate(net, x_test, a.nll_samples, torch.Generator().manual_seed(a.seed + 1))
    eval_s = time.perf_counter() - t0

    print(json.dumps({
        "framework": "pytorch " + torch.__version__, "device": "cpu", "threads": torch.get_num_threads(),
        "seed": a.seed, "epochs": a.epochs, "batch": a.batch, "lr": a.lr, "latent": LATENT,
        "nll_samples": a.nll_samples, "test_images": x_test.shape[0], "nll": nll, "neg_elbo": neg_elbo,
        "neg_elbo_estimator": "analytic KL + reconstruction averaged over the nll_samples draws",
        "final_train_loss": final, "train_seconds": train_s, "eval_seconds": eval_s}))


if __name__ == "__main__":
    main()
