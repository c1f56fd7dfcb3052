"""Shared fixtures of the Python suite: the built module (PYTHONPATH=build/python, set by ctest),
the CLI binary ($HG_HOURGLASS_BIN) and small data sets made here, so the suite needs no
downloads."""
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.environ.get("HG_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
if not any(os.path.isdir(os.path.join(p, "hourglass")) for p in sys.path if p):
    sys.path.insert(0, os.path.join(ROOT, "build", "python"))


def hourglass_bin():
    return os.environ.get("HG_HOURGLASS_BIN", os.path.join(ROOT, "build", "hourglass"))


def run_cli(*args, check=True):
    """Runs the CLI; returns (returncode, stdout, stderr)."""
    p = subprocess.run([hourglass_bin(), *map(str, args)], capture_output=True, text=True,
                       timeout=300)
    if check and p.returncode != 0:
        raise AssertionError(f"hourglass {' '.join(map(str, args))} failed: {p.stderr}")
    return p.returncode, p.stdout, p.stderr


def blobs(n=600, d=12, centers=3, seed=0):
    """Gaussian blobs [n, d] float32 and their labels: the tabular test data."""
    rng = np.random.default_rng(seed)
    means = rng.normal(0, 6, size=(centers, d))
    y = rng.integers(0, centers, size=n)
    X = means[y] + rng.normal(0, 1, size=(n, d))
    return X.astype(np.float32), y.astype(np.int32)


def write_csv(path, X):
    header = ",".join(f"f{j}" for j in range(X.shape[1]))
    np.savetxt(path, X, delimiter=",", header=header, comments="", fmt="%.9g")
    return path


@pytest.fixture(scope="session")
def hg():
    import hourglass
    return hourglass


@pytest.fixture(scope="session")
def tabular_run(tmp_path_factory, hg):
    """An Autoencoder trained from Python on blobs (3 epochs), and its data."""
    X, y = blobs()
    ae = hg.Autoencoder(config="tabular", epochs=3, verbose=False,
                        run_dir=str(tmp_path_factory.mktemp("py") / "run")).fit(X)
    return ae, X, y
