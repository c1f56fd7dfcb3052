"""Hourglass: autoencoders on CPU and GPU, from Python.

The compiled core (_hourglass) is the same engine as the `hourglass` command line; a model
trained here is a run folder the CLI can use, and a run folder trained by the CLI loads here:

    import hourglass as hg
    ae = hg.Autoencoder(config="mlp784", epochs=20).fit(X)       # X: float32 rows [n, 784]
    codes = ae.encode(X); errors = ae.score(X); ae.save("runs/mine")
    ae = hg.load("runs/mine")                                     # or a folder `hourglass train` wrote
    det = hg.AnomalyDetector(contamination=0.05).fit(X_normal)    # scikit-learn's conventions
    det.predict(X_test)                                           # -1 outlier, 1 inlier

Errors are hourglass.UsageError (a ValueError) for bad arguments and hourglass.Error (a
RuntimeError) for bad data or files, with the CLI's one-line messages; Ctrl-C during fit or
score stops at the next batch and raises KeyboardInterrupt.
"""
from ._hourglass import Error, UsageError, __version__, config_dir, load_data
from ._autoencoder import Autoencoder, load
from ._detector import AnomalyDetector
from ._latent import KMeans, PCA, TSNE, kmeans, pca, silhouette_score, tsne

__all__ = [
    "Autoencoder", "AnomalyDetector", "Error", "KMeans", "PCA", "TSNE", "UsageError",
    "__version__", "config_dir", "kmeans", "load", "load_data", "pca", "silhouette_score", "tsne",
]
