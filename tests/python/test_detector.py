"""hourglass.AnomalyDetector with scikit-learn's conventions: fit / predict / decision_function /
score_samples, threshold_ from contamination, get_params / set_params, clone, a Pipeline, and
save / load with the threshold inside; the CLI scores the saved detector the same way."""
import json

import numpy as np
import pytest

from conftest import blobs, run_cli, write_csv

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402


def outlier_data():
    X, _ = blobs(n=800, d=10, centers=2, seed=5)
    rng = np.random.default_rng(9)
    X_out = rng.uniform(-25, 25, size=(80, 10)).astype(np.float32)
    X_test = np.vstack([blobs(n=200, d=10, centers=2, seed=5)[0], X_out])
    y_test = np.r_[np.zeros(200), np.ones(80)]
    return X, X_test, y_test


@pytest.fixture(scope="module")
def fitted(hg):
    X, X_test, y_test = outlier_data()
    det = hg.AnomalyDetector(config="tabular", score="mse", contamination=0.05, epochs=20)
    det.fit(X)
    return det, X, X_test, y_test


def test_conventions(fitted):
    det, X, X_test, y_test = fitted
    pred = det.predict(X_test)
    assert set(np.unique(pred)) <= {-1, 1}
    s = det.score_samples(X_test)
    d = det.decision_function(X_test)
    np.testing.assert_allclose(d, s - det.offset_)
    np.testing.assert_array_equal(pred, np.where(d < 0, -1, 1))
    np.testing.assert_allclose(det.anomaly_score(X_test), -s)
    # The threshold flags about `contamination` of the (normal) training rows.
    assert 0.0 < np.mean(det.labels_) < 0.15
    assert det.decision_scores_.shape == (len(X),)
    # Obvious outliers are found.
    assert roc_auc_score(y_test, det.anomaly_score(X_test)) > 0.95


def test_get_params_and_clone(hg, fitted):
    det = fitted[0]
    params = det.get_params()
    assert params["contamination"] == 0.05 and params["score"] == "mse"
    twin = clone(det)
    assert twin.get_params() == params and not hasattr(twin, "threshold_")
    twin.set_params(contamination=0.2)
    assert twin.contamination == 0.2
    with pytest.raises(ValueError):
        twin.set_params(no_such_param=1)


def test_in_a_pipeline(hg):
    X, X_test, y_test = outlier_data()
    pipe = Pipeline([("scale", StandardScaler()),
                     ("ad", hg.AnomalyDetector(config="tabular", score="mse", epochs=5))])
    pipe.fit(X)
    pred = pipe.predict(X_test)
    assert pred.shape == (len(X_test),)
    assert roc_auc_score(y_test, -pipe.score_samples(X_test)) > 0.9
    again = clone(pipe).fit(X)  # a clone refits from scratch in its own run folder
    assert again.named_steps["ad"].run_dir_ != pipe.named_steps["ad"].run_dir_


def test_save_load_keeps_threshold_and_cli_agrees(hg, fitted, tmp_path):
    det, X, X_test, _ = fitted
    dst = det.save(str(tmp_path / "det"))
    back = hg.AnomalyDetector.load(dst)
    assert back.threshold_ == det.threshold_
    np.testing.assert_array_equal(back.predict(X_test), det.predict(X_test))
    csv = write_csv(tmp_path / "t.csv", X_test)
    _, out, _ = run_cli("detect", "score", "--run", dst, "--data", f"csv:{csv}", "--out",
                        tmp_path / "s.csv", "--json")
    assert json.loads(out.strip().splitlines()[-1])["threshold"] == pytest.approx(det.threshold_)
    cli = np.loadtxt(tmp_path / "s.csv", delimiter=",", skiprows=1)
    np.testing.assert_allclose(cli[:, -2], det.anomaly_score(X_test), rtol=1e-6, atol=1e-7)


def test_bad_parameters(hg):
    X, _, _ = outlier_data()
    for c in (0.0, 0.7, "lots"):
        with pytest.raises(hg.UsageError, match="contamination"):
            hg.AnomalyDetector(contamination=c).fit(X)
    with pytest.raises(hg.UsageError, match="score"):
        hg.AnomalyDetector(config="tabular", score="nonsense", epochs=1).fit(X)


def test_auto_recipe_is_the_default(hg):
    X, X_test, y_test = outlier_data()
    det = hg.AnomalyDetector(config="tabular", epochs=5).fit(X)
    assert det.score_kind_.startswith("auto")
    assert roc_auc_score(y_test, det.anomaly_score(X_test)) > 0.9
