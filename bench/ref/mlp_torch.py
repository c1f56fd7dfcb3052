"""The seeds' MLP autoencoder in PyTorch, as models/configs/mlp784.json builds it in Hourglass:
784-256-128-32 with ReLU on every hidden layer and on the latent code, mirrored decoder, sigmoid
output; PyTorch's default initialisation (Hourglass's `default` init draws from the same
distributions). Shared by the bench/ref scripts that compare against it."""
import torch.nn as nn


def mlp_autoencoder():
    return nn.Sequential(
        nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 32), nn.ReLU(),
        nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, 784), nn.Sigmoid())
