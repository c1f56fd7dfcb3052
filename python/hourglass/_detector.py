"""hourglass.AnomalyDetector: an autoencoder-based outlier detector with scikit-learn's outlier
conventions (as IsolationForest): score_samples is higher for normal rows, decision_function is
negative for outliers, predict gives -1 (outlier) / 1 (inlier). threshold_ is the cut on the
anomaly score (higher = more anomalous; PyOD's convention, what anomaly_score returns)."""
import os

import numpy as np

from . import _hourglass
from ._autoencoder import Autoencoder, as_rows, copy_run, fresh_run_dir
from ._base import BaseEstimator, OutlierMixin, check_is_fitted


class AnomalyDetector(OutlierMixin, BaseEstimator):
    """Trains an autoencoder on (mostly normal) rows, fits Hourglass's detector on them and sets
    the threshold so that a `contamination` fraction of held-out training rows is flagged.

    score: "auto" (the recipe `hourglass detect fit` uses for this kind of data), or any of its
    scores ("mse", "mahalanobis", "knn", "knn-input", "iforest", ... or a comma list).
    The remaining parameters are Autoencoder's.
    """

    def __init__(self, config=None, score="auto", contamination=0.1, device="auto", epochs=None,
                 batch_size=None, lr=None, patience=None, random_state=0, threads=0,
                 run_dir=None, overwrite=False, verbose=False):
        self.config = config
        self.score = score
        self.contamination = contamination
        self.device = device
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.patience = patience
        self.random_state = random_state
        self.threads = threads
        self.run_dir = run_dir
        self.overwrite = overwrite
        self.verbose = verbose

    def _threshold_rule(self):
        c = self.contamination
        if isinstance(c, str) or not (0 < float(c) <= 0.5):
            raise _hourglass.UsageError(
                f"contamination: expected a fraction in (0, 0.5], got {c!r}")
        return f"contamination:{float(c)!r}"

    def fit(self, X, y=None):
        rule = self._threshold_rule()
        X = as_rows(X)
        out = self.run_dir if self.run_dir is not None else fresh_run_dir(self)
        ae = Autoencoder(config=self.config, device=self.device, epochs=self.epochs,
                         batch_size=self.batch_size, lr=self.lr, patience=self.patience,
                         random_state=self.random_state, threads=self.threads, run_dir=out,
                         overwrite=self.overwrite, verbose=self.verbose)
        ae.fit(X)
        self.autoencoder_ = ae
        self.fit_summary_ = _hourglass.fit_detector(
            out, X, score=self.score, threshold=rule, seed=int(self.random_state), force=True,
            device=self.device, threads=int(self.threads))
        self._attach(_hourglass._Detector(out, self.device, int(self.threads)))
        self.decision_scores_ = self.anomaly_score(X)
        self.labels_ = (self.decision_scores_ > self.threshold_).astype(np.int64)
        return self

    def _attach(self, det):
        self._det = det
        self.threshold_ = det.threshold
        self.offset_ = -det.threshold
        self.score_kind_ = det.score_kind
        self.run_dir_ = self.autoencoder_.run_dir_  # set before _attach by fit and load
        self.n_features_in_ = self.autoencoder_.n_features_in_

    def anomaly_score(self, X):
        """The detector's anomaly score [n]: higher = more anomalous (PyOD's decision_function)."""
        check_is_fitted(self, "_det")
        return self._det.score(as_rows(X))

    def score_samples(self, X):
        """Opposite of the anomaly score: higher = more normal (scikit-learn's convention)."""
        return -self.anomaly_score(X)

    def decision_function(self, X):
        """score_samples - offset_: negative for outliers, positive for inliers."""
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """-1 for outliers (anomaly score above threshold_), 1 for inliers."""
        return np.where(self.anomaly_score(X) > self.threshold_, -1, 1)

    def save(self, run_dir, overwrite=False):
        """Copies the run folder, detector.json (with its threshold) inside, to run_dir."""
        check_is_fitted(self, "_det")
        copy_run(self.run_dir_, run_dir, overwrite)
        return run_dir

    @classmethod
    def load(cls, run_dir, device="auto", threads=0):
        """The detector of a run folder (from `hourglass detect fit` or AnomalyDetector.save)."""
        run_dir = os.fspath(run_dir)
        det = _hourglass._Detector(run_dir, device, int(threads))
        rule = det.rule
        contamination = float(rule.split(":")[1]) if rule.startswith("contamination:") else 0.1
        score = "auto" if det.score_kind.startswith("auto") else det.score_kind
        est = cls(score=score, contamination=contamination, device=device,
                  threads=threads, run_dir=run_dir)
        from ._autoencoder import load
        est.autoencoder_ = load(run_dir, device, threads)
        est._attach(det)
        return est
