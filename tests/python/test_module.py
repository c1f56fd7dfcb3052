"""hourglass.Autoencoder end to end: fit, encode/decode/reconstruct/score, save and load, the
same run folder through the CLI both ways, errors as exceptions with the CLI's messages, the GIL
released during compute, Ctrl-C as KeyboardInterrupt."""
import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from conftest import ROOT, blobs, run_cli, write_csv


def test_fit_gives_shapes_and_history(tabular_run):
    ae, X, _ = tabular_run
    assert ae.n_features_in_ == X.shape[1]
    Z = ae.encode(X)
    assert Z.shape == (len(X), ae.latent_dim_) and Z.dtype == np.float32
    R = ae.decode(Z)
    assert R.shape == X.shape
    np.testing.assert_allclose(ae.reconstruct(X), R, rtol=1e-5, atol=1e-5)
    s = ae.score(X)
    assert s.shape == (len(X),) and np.all(np.isfinite(s)) and np.all(s >= 0)
    assert len(ae.history_) == 3 and ae.summary_["train_samples"] > 0
    # Trained for real: the last epoch's loss is below the first's.
    assert ae.history_[-1]["train_loss"] < ae.history_[0]["train_loss"]


def test_outputs_own_their_memory_and_are_writable(tabular_run):
    ae, X, _ = tabular_run
    s = ae.score(X)
    assert s.flags["OWNDATA"] or s.base is not None
    s[0] = -1.0  # a fresh array the caller may change
    assert ae.score(X)[0] >= 0


def test_save_and_load_give_identical_outputs(tabular_run, tmp_path, hg):
    ae, X, _ = tabular_run
    dst = ae.save(str(tmp_path / "saved"))
    again = hg.load(dst)
    np.testing.assert_array_equal(again.encode(X), ae.encode(X))
    np.testing.assert_array_equal(again.score(X), ae.score(X))
    with pytest.raises(FileExistsError):
        ae.save(dst)
    ae.save(dst, overwrite=True)


def test_python_run_used_by_the_cli(tabular_run, tmp_path):
    ae, X, _ = tabular_run
    csv = write_csv(tmp_path / "x.csv", X)
    _, out, _ = run_cli("eval", "--run", ae.run_dir_, "--data", f"csv:{csv}", "--json")
    assert json.loads(out.strip().splitlines()[-1])["n"] == len(X)


def test_cli_run_used_from_python_scores_equal_detect_score(tmp_path, hg):
    X, _ = blobs(n=400, d=8, seed=3)
    csv = write_csv(tmp_path / "x.csv", X)
    run = tmp_path / "cli-run"
    run_cli("train", "--config", os.path.join(ROOT, "models/configs/tabular.json"), "--data",
            f"csv:{csv}", "--epochs", "2", "--out", run)
    run_cli("detect", "fit", "--run", run, "--data", f"csv:{csv}", "--score", "mse")
    run_cli("detect", "score", "--run", run, "--data", f"csv:{csv}", "--out", tmp_path / "s.csv")
    cli_scores = np.loadtxt(tmp_path / "s.csv", delimiter=",", skiprows=1)[:, -2]
    py_scores = hg.load(str(run)).score(X)
    np.testing.assert_allclose(py_scores, cli_scores, rtol=1e-6, atol=1e-7)


def test_validation_data_replaces_the_split(hg, tmp_path):
    X, _ = blobs(n=300, d=6, seed=1)
    Xv, _ = blobs(n=50, d=6, seed=1)
    ae = hg.Autoencoder(config="tabular", epochs=2, verbose=False).fit(X, validation_data=Xv)
    assert ae.summary_["train_samples"] == 300 and ae.summary_["val_samples"] == 50
    with pytest.raises(hg.UsageError, match="validation_data"):
        hg.Autoencoder(config="tabular", epochs=1, verbose=False).fit(X, validation_data=Xv[:, :5])


def test_bad_input_raises_one_line_errors(tabular_run, hg, tmp_path):
    ae, X, _ = tabular_run
    with pytest.raises(hg.UsageError, match=r"X: rows have 5 values, the model takes 12"):
        ae.score(X[:, :5])
    bad = X.copy()
    bad[7, 2] = np.nan
    with pytest.raises(hg.UsageError, match="X: row 7 has a NaN"):
        ae.encode(bad)
    with pytest.raises(hg.UsageError, match="expected rows"):
        ae.score(X[0])
    with pytest.raises(hg.Error, match="not a run folder"):
        hg.load(str(tmp_path / "nowhere"))
    with pytest.raises(hg.UsageError, match="config: no such file or built-in config"):
        hg.Autoencoder(config="nope").fit(X)
    with pytest.raises(hg.UsageError, match="--epochs must be at least 1"):
        hg.Autoencoder(config="tabular", epochs=0, verbose=False).fit(X)
    with pytest.raises(Exception, match="not fitted"):
        hg.Autoencoder().encode(X)
    for e in (hg.UsageError, hg.Error):
        assert "\n" not in str(e)


def test_existing_run_dir_is_refused_without_overwrite(tabular_run, hg):
    ae, X, _ = tabular_run
    with pytest.raises(hg.Error, match="already exists"):
        hg.Autoencoder(config="tabular", epochs=1, verbose=False, run_dir=ae.run_dir_).fit(X)


def test_compute_releases_the_gil(hg):
    X = np.random.default_rng(0).random((4000, 784), dtype=np.float32)
    ae = hg.Autoencoder(config="mlp784", epochs=1, verbose=False).fit(X[:256])
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    t0 = time.perf_counter()
    for _ in range(5):
        ae.score(X)
    elapsed = time.perf_counter() - t0
    stop.set()
    t.join()
    # With the GIL held the counter could not run at all while scoring.
    assert elapsed > 0.02 and len(ticks) >= 20, (elapsed, len(ticks))


def test_ctrl_c_during_fit_is_keyboard_interrupt(tmp_path):
    code = f"""
import sys, numpy as np
sys.path.insert(0, {os.path.join(ROOT, 'build', 'python')!r})
import hourglass as hg
X = np.random.default_rng(0).random((2000, 12), dtype=np.float32)
try:
    hg.Autoencoder(config="tabular", epochs=50, verbose=False, run_dir={str(tmp_path / 'r')!r}).fit(X)
except KeyboardInterrupt as e:
    print("interrupted:", e)
    sys.exit(7)
"""
    env = dict(os.environ, HG_TEST_SIGNAL_AT="training")
    env["PYTHONPATH"] = os.environ.get("PYTHONPATH", "")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       timeout=120)
    assert p.returncode == 7, p.stderr
    assert "training interrupted" in p.stdout


def test_in_place_scoring_equals_the_detectors_mse(hg, tmp_path):
    # mlp784 has no scaler: score() reads the numpy rows in place; detect's mse score copies them.
    X = np.random.default_rng(1).random((300, 784), dtype=np.float32)
    run = str(tmp_path / "m")
    hg.Autoencoder(config="mlp784", epochs=1, verbose=False, run_dir=run).fit(X)
    hg._hourglass.fit_detector(run, X, score="mse")
    det = hg.AnomalyDetector.load(run)
    np.testing.assert_array_equal(hg.load(run).score(X), det.anomaly_score(X))
    Xf = np.asfortranarray(X)  # another layout: converted, same numbers
    np.testing.assert_array_equal(hg.load(run).score(Xf), det.anomaly_score(X))
