"""The latent tools against scikit-learn on the same data: k-means (same partition), silhouette
(same value), PCA (same variance ratios, same subspace), t-SNE (keeps the clusters apart)."""
import numpy as np
import pytest

from conftest import blobs

sklearn = pytest.importorskip("sklearn")
from sklearn import cluster, decomposition, metrics  # noqa: E402


def test_kmeans_matches_sklearn(hg):
    X, y = blobs(n=500, d=8, centers=4, seed=2)
    km = hg.KMeans(n_clusters=4, random_state=0).fit(X)
    ref = cluster.KMeans(n_clusters=4, n_init=10, random_state=0).fit(X)
    assert metrics.adjusted_rand_score(km.labels_, ref.labels_) > 0.99
    assert km.inertia_ == pytest.approx(ref.inertia_, rel=1e-3)
    np.testing.assert_array_equal(km.predict(X), km.labels_)
    centers, labels, inertia = hg.kmeans(X, 4, random_state=0)
    assert centers.shape == (4, 8) and labels.shape == (500,) and inertia == pytest.approx(km.inertia_)


def test_silhouette_matches_sklearn(hg):
    X, y = blobs(n=400, d=6, centers=3, seed=4)
    assert hg.silhouette_score(X, y) == pytest.approx(metrics.silhouette_score(X, y), abs=1e-5)
    with pytest.raises(hg.UsageError, match="labels"):
        hg.silhouette_score(X, y[:10])


def test_pca_matches_sklearn(hg):
    X, _ = blobs(n=300, d=10, centers=3, seed=6)
    p = hg.PCA(n_components=3).fit(X)
    ref = decomposition.PCA(n_components=3).fit(X)
    np.testing.assert_allclose(p.explained_variance_ratio_, ref.explained_variance_ratio_, rtol=1e-4)
    # Same subspace: |cosines| of matching components are 1 (signs are free).
    np.testing.assert_allclose(np.abs((p.components_ * ref.components_).sum(1)), 1, atol=1e-4)
    Z = p.transform(X)
    np.testing.assert_allclose(np.abs(Z), np.abs(ref.transform(X)), atol=1e-3)
    assert hg.pca(X, 2).shape == (300, 2)
    with pytest.raises(hg.UsageError, match="svd_solver"):
        hg.PCA(2, svd_solver="magic").fit(X)


def test_tsne_keeps_clusters_apart(hg):
    X, y = blobs(n=300, d=20, centers=3, seed=8)
    t = hg.TSNE(random_state=0, max_iter=500)
    E = t.fit_transform(X)
    assert E.shape == (300, 2) and np.isfinite(t.kl_divergence_)
    assert metrics.silhouette_score(E, y) > 0.5
    assert hg.tsne(X, max_iter=300, random_state=0).shape == (300, 2)
