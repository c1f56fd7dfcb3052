"""hourglass.Autoencoder: train, use and save an autoencoder of the family (models/configs/)."""
import os
import shutil
import tempfile
import weakref

import numpy as np

from . import _hourglass
from ._base import BaseEstimator, TransformerMixin, check_is_fitted


def resolve_config(config, n_features):
    """A config file path: `config` itself when it is a file, else models/configs/<config>.json;
    None picks mlp784 for 784-value rows (28x28 images) and the tabular config otherwise."""
    if config is None:
        config = "mlp784" if n_features == 784 else "tabular"
    if os.path.isfile(config):
        return config
    path = os.path.join(_hourglass.config_dir(), config + ".json")
    if os.path.isfile(path):
        return path
    raise _hourglass.UsageError(
        f"config: no such file or built-in config '{config}' (the built-ins are in "
        f"{_hourglass.config_dir()})")


def as_rows(X):
    """X as a C-contiguous float32 array (no copy when it already is one)."""
    return np.ascontiguousarray(X, dtype=np.float32)


def fresh_run_dir(owner):
    """A folder of our own for a run nobody named: removed with `owner` (save() keeps a copy)."""
    tmp = tempfile.mkdtemp(prefix="hourglass-")
    weakref.finalize(owner, shutil.rmtree, tmp, True)
    return os.path.join(tmp, "run")


def copy_run(src, dst, overwrite):
    """Copies a run folder to dst atomically: a sibling temporary folder, then a rename."""
    if os.path.exists(dst) and not overwrite:
        raise FileExistsError(f"{dst}: already exists (pass overwrite=True to replace it)")
    parent = os.path.dirname(os.path.abspath(dst))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".hourglass-save-", dir=parent)
    try:
        target = os.path.join(staging, "run")
        shutil.copytree(src, target)
        if os.path.exists(dst):
            shutil.rmtree(dst)
        os.rename(target, dst)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class Autoencoder(TransformerMixin, BaseEstimator):
    """An autoencoder trained by Hourglass's engine.

    config: a models/configs name ("mlp784", "conv28", "vae784", "tabular", ...) or a JSON file;
    None chooses by the data (mlp784 for 784 values, tabular otherwise). The training options
    left None take the config's defaults (as `hourglass train` without flags): early stopping on
    a validation split, its learning rate and schedule. run_dir: where the run folder is written
    (None: a temporary folder; save() keeps it). As a scikit-learn transformer, transform()
    gives the latent codes and inverse_transform() decodes them.
    """

    def __init__(self, config=None, device="auto", epochs=None, batch_size=None, lr=None,
                 loss=None, optimizer=None, scaler=None, patience=None, validation_split=0.1,
                 random_state=0, threads=0, run_dir=None, overwrite=False, verbose=True):
        self.config = config
        self.device = device
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.loss = loss
        self.optimizer = optimizer
        self.scaler = scaler
        self.patience = patience
        self.validation_split = validation_split
        self.random_state = random_state
        self.threads = threads
        self.run_dir = run_dir
        self.overwrite = overwrite
        self.verbose = verbose

    def fit(self, X, y=None, epochs=None, validation_data=None):
        """Trains on rows X [n, D] (or images [n, H, W]); validation_data: rows (or (rows, y))
        to monitor instead of a split of X. Returns self; history_ holds each epoch's losses."""
        X = as_rows(X)
        if isinstance(validation_data, tuple):
            validation_data = validation_data[0]
        X_val = None if validation_data is None else as_rows(validation_data)
        config = resolve_config(self.config, int(np.prod(X.shape[1:])) if X.ndim > 1 else 0)
        out = self.run_dir if self.run_dir is not None else fresh_run_dir(self)
        summary = _hourglass.train(
            config, X, X_val, out=out, force=bool(self.overwrite),
            epochs=epochs if epochs is not None else self.epochs, batch_size=self.batch_size,
            lr=self.lr, loss=self.loss, optimizer=self.optimizer, scaler=self.scaler,
            patience=self.patience, seed=int(self.random_state), device=self.device,
            threads=int(self.threads), val_split=float(self.validation_split),
            verbose=bool(self.verbose))
        self.summary_ = summary
        self._attach(_hourglass._Run(out, self.device, int(self.threads)))
        return self

    def _attach(self, run):
        self._run = run
        self.run_dir_ = run.run_dir
        self.n_features_in_ = run.input_dim
        self.latent_dim_ = run.latent_dim
        self.device_ = run.device
        self.history_ = _read_history(run.run_dir)

    def encode(self, X):
        """Latent codes [n, k] of raw rows X (a VAE's posterior means)."""
        check_is_fitted(self, "_run")
        return self._run.encode(as_rows(X))

    def decode(self, Z):
        """Reconstructions [n, D] in the data's units of latent codes Z [n, k]."""
        check_is_fitted(self, "_run")
        return self._run.decode(as_rows(Z))

    def reconstruct(self, X):
        """decode(encode(X)) in the data's units, [n, D]."""
        check_is_fitted(self, "_run")
        return self._run.reconstruct(as_rows(X))

    def score(self, X, y=None):
        """Per-sample reconstruction error [n] (mean squared error in the model's scaled units:
        `hourglass detect`'s mse score). Higher means worse reconstructed."""
        check_is_fitted(self, "_run")
        return self._run.score(as_rows(X))

    def transform(self, X):
        return self.encode(X)

    def inverse_transform(self, Z):
        return self.decode(Z)

    def save(self, run_dir, overwrite=False):
        """Copies the run folder to run_dir (what `hourglass eval --run run_dir` reads)."""
        check_is_fitted(self, "_run")
        copy_run(self.run_dir_, run_dir, overwrite)
        return run_dir


def _read_history(run_dir):
    import json
    path = os.path.join(run_dir, "metrics.json")
    try:
        with open(path) as f:
            return json.load(f).get("history", [])
    except (OSError, ValueError):
        return []


def load(run_dir, device="auto", threads=0):
    """An Autoencoder from a run folder (written by `hourglass train` or Autoencoder.fit)."""
    run = _hourglass._Run(os.fspath(run_dir), device, int(threads))
    model = run.config.get("model", {})
    ae = Autoencoder(config=model.get("name"), device=device, threads=threads,
                     run_dir=os.fspath(run_dir))
    ae._attach(run)
    return ae
