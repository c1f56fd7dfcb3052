"""scikit-learn's estimator base when it is installed (so clone, Pipeline and GridSearchCV
treat Hourglass estimators as their own), else a small stand-in with the same get_params /
set_params contract: parameters are exactly the __init__ arguments, stored unchanged."""
import inspect

try:
    from sklearn.base import BaseEstimator, ClusterMixin, OutlierMixin, TransformerMixin
except ImportError:  # pragma: no cover - exercised only without scikit-learn
    class BaseEstimator:
        @classmethod
        def _get_param_names(cls):
            sig = inspect.signature(cls.__init__)
            return sorted(p for p in sig.parameters if p != "self")

        def get_params(self, deep=True):
            return {name: getattr(self, name) for name in self._get_param_names()}

        def set_params(self, **params):
            valid = self._get_param_names()
            for key, value in params.items():
                if key not in valid:
                    raise ValueError(f"invalid parameter {key!r} for {type(self).__name__}")
                setattr(self, key, value)
            return self

        def __repr__(self):
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
            return f"{type(self).__name__}({args})"

    class TransformerMixin:
        def fit_transform(self, X, y=None, **fit_params):
            return self.fit(X, y, **fit_params).transform(X)

    class OutlierMixin:
        _estimator_type = "outlier_detector"

        def fit_predict(self, X, y=None):
            return self.fit(X, y).predict(X)

    class ClusterMixin:
        _estimator_type = "clusterer"

        def fit_predict(self, X, y=None):
            return self.fit(X, y).labels_


def check_is_fitted(est, attribute):
    if not hasattr(est, attribute):
        raise NotFittedError(
            f"this {type(est).__name__} is not fitted yet: call fit (or hourglass.load) first")


try:
    from sklearn.exceptions import NotFittedError
except ImportError:  # pragma: no cover
    class NotFittedError(ValueError, AttributeError):
        pass
