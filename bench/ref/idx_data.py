"""Fashion-MNIST as the bench/ref PyTorch scripts read it: the train IDX images (raw or .gz) as
float32 rows in [0, 1], cut to what `hourglass train` trains on (the first --limit rows, then the
first 90%, since Hourglass holds out a 0.1 validation split)."""
import gzip
import os
import struct

import numpy as np


def read_idx_images(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic, n, h, w = struct.unpack(">IIII", f.read(16))
        if magic != 0x803:
            raise SystemExit(f"{path}: not an IDX image file")
        return np.frombuffer(f.read(n * h * w), dtype=np.uint8).reshape(n, h * w)


def find(dirname, stem):
    for name in (stem + ".gz", stem):
        p = os.path.join(dirname, name)
        if os.path.exists(p):
            return p
    raise SystemExit(f"{dirname}: no {stem}[.gz]")


def training_rows(data_dir, limit=0):
    """[n, 784] float32 numpy array: the rows Hourglass trains on."""
    x = read_idx_images(find(data_dir, "train-images-idx3-ubyte")).astype(np.float32) / 255.0
    if limit > 0:
        x = x[:limit]
    return x[: int(round(0.9 * len(x)))]


SPLIT_STEMS = {"train": "train-images-idx3-ubyte", "test": "t10k-images-idx3-ubyte"}


def split_rows(data_dir, split="train", limit=0):
    """[n, 784] float32 numpy array in [0, 1]: all images of the train or test IDX file (the first
    --limit rows when limit > 0), with no validation split taken off."""
    x = read_idx_images(find(data_dir, SPLIT_STEMS[split])).astype(np.float32) / 255.0
    return x[:limit] if limit > 0 else x


LABEL_STEMS = {"train": "train-labels-idx1-ubyte", "test": "t10k-labels-idx1-ubyte"}


def read_idx_labels(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic, n = struct.unpack(">II", f.read(8))
        if magic != 0x801:
            raise SystemExit(f"{path}: not an IDX label file")
        return np.frombuffer(f.read(n), dtype=np.uint8)


def split_labels(data_dir, split="train", limit=0):
    """[n] uint8 numpy array: the labels of the train or test IDX file, row for row with split_rows
    (the first --limit labels when limit > 0)."""
    y = read_idx_labels(find(data_dir, LABEL_STEMS[split]))
    return y[:limit] if limit > 0 else y
