"""The latent tools with scikit-learn's names, arguments and return types: KMeans, PCA and TSNE
estimators, and the functions kmeans (as sklearn.cluster.k_means), silhouette_score, pca and
tsne. The work runs in Hourglass's C++ (apps/analysis), without the GIL."""
import numpy as np

from . import _hourglass
from ._autoencoder import as_rows
from ._base import BaseEstimator, ClusterMixin, TransformerMixin, check_is_fitted


def _seed(random_state):
    if random_state is None:
        return 0
    if isinstance(random_state, (int, np.integer)) and random_state >= 0:
        return int(random_state)
    raise _hourglass.UsageError(
        f"random_state: expected None or a non-negative integer, got {random_state!r}")


class KMeans(ClusterMixin, TransformerMixin, BaseEstimator):
    def __init__(self, n_clusters=8, n_init=10, max_iter=300, tol=1e-4, random_state=None):
        self.n_clusters = n_clusters
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def fit(self, X, y=None):
        centers, labels, inertia, n_iter = _hourglass.kmeans(
            as_rows(X), int(self.n_clusters), n_init=int(self.n_init),
            max_iter=int(self.max_iter), tol=float(self.tol), random_state=_seed(self.random_state))
        self.cluster_centers_, self.labels_ = centers, labels
        self.inertia_, self.n_iter_ = float(inertia), int(n_iter)
        self.n_features_in_ = centers.shape[1]
        return self

    def transform(self, X):
        """Distances [n, n_clusters] to every center."""
        check_is_fitted(self, "cluster_centers_")
        X = as_rows(X)
        d2 = ((X * X).sum(1)[:, None] - 2 * X @ self.cluster_centers_.T
              + (self.cluster_centers_ ** 2).sum(1)[None, :])
        return np.sqrt(np.maximum(d2, 0))

    def predict(self, X):
        return self.transform(X).argmin(1).astype(np.int32)


def kmeans(X, n_clusters, *, n_init=10, max_iter=300, tol=1e-4, random_state=None):
    """As sklearn.cluster.k_means: (cluster_centers [k, d], labels [n], inertia)."""
    km = KMeans(n_clusters, n_init=n_init, max_iter=max_iter, tol=tol,
                random_state=random_state).fit(X)
    return km.cluster_centers_, km.labels_, km.inertia_


def silhouette_score(X, labels, *, metric="euclidean", sample_size=None, random_state=None):
    """Mean silhouette coefficient (Euclidean), on a random sample of rows when sample_size."""
    if metric != "euclidean":
        raise _hourglass.UsageError(f"metric: only 'euclidean' is supported, got {metric!r}")
    return float(_hourglass.silhouette_score(
        as_rows(X), np.ascontiguousarray(labels, dtype=np.int32),
        sample_size=int(sample_size or 0), random_state=_seed(random_state)))


class PCA(TransformerMixin, BaseEstimator):
    def __init__(self, n_components=None, svd_solver="auto", random_state=None):
        self.n_components = n_components
        self.svd_solver = svd_solver
        self.random_state = random_state

    def fit(self, X, y=None):
        X = as_rows(X)
        k = self.n_components if self.n_components is not None else min(X.shape[0], X.shape[1])
        r = _hourglass.pca_fit(X, int(k), svd_solver=self.svd_solver,
                               random_state=_seed(self.random_state))
        self.mean_ = r["mean"]
        self.components_ = r["components"]
        self.explained_variance_ = r["explained_variance"]
        self.explained_variance_ratio_ = r["explained_variance_ratio"]
        self.n_components_ = self.components_.shape[0]
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        check_is_fitted(self, "components_")
        return ((as_rows(X) - self.mean_) @ self.components_.T).astype(np.float32)

    def inverse_transform(self, Z):
        check_is_fitted(self, "components_")
        return (as_rows(Z) @ self.components_ + self.mean_).astype(np.float32)


def pca(X, n_components, *, svd_solver="auto", random_state=None):
    """X projected on its first n_components principal axes, [n, n_components]."""
    return PCA(n_components, svd_solver=svd_solver, random_state=random_state).fit_transform(X)


class TSNE(BaseEstimator):
    def __init__(self, n_components=2, perplexity=30.0, early_exaggeration=12.0,
                 learning_rate="auto", max_iter=1000, angle=0.5, init="pca", random_state=None,
                 verbose=0):
        self.n_components = n_components
        self.perplexity = perplexity
        self.early_exaggeration = early_exaggeration
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.angle = angle
        self.init = init
        self.random_state = random_state
        self.verbose = verbose

    def fit_transform(self, X, y=None):
        lr = -1.0 if self.learning_rate == "auto" else float(self.learning_rate)
        emb, kl, n_iter = _hourglass.tsne(
            as_rows(X), int(self.n_components), perplexity=float(self.perplexity),
            early_exaggeration=float(self.early_exaggeration), learning_rate=lr,
            max_iter=int(self.max_iter), angle=float(self.angle), init=self.init,
            random_state=_seed(self.random_state), verbose=bool(self.verbose))
        self.embedding_, self.kl_divergence_, self.n_iter_ = emb, float(kl), int(n_iter)
        return emb

    def fit(self, X, y=None):
        self.fit_transform(X)
        return self


def tsne(X, n_components=2, **kwargs):
    """The t-SNE embedding [n, n_components] of X (TSNE's arguments)."""
    return TSNE(n_components, **kwargs).fit_transform(X)
