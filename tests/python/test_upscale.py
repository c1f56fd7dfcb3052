"""hourglass upscale: its bicubic and nearest baselines equal OpenCV's cv2.resize on the same
digits (PSNR to 0.01 dB), the model's figures and picture are written, and a run not trained for
super-resolution is refused with one line."""
import json
import os

import numpy as np
import pytest

from conftest import ROOT, run_cli

cv2 = pytest.importorskip("cv2")


@pytest.fixture(scope="module")
def sr_run(tmp_path_factory, hg):
    try:
        digits, _ = hg.load_data("mnist", "test")
    except hg.Error as e:
        pytest.skip(f"MNIST missing (scripts/fetch-data): {e}")
    run = tmp_path_factory.mktemp("sr") / "run"
    run_cli("train", "--config", os.path.join(ROOT, "models/configs/superres_conv28.json"),
            "--data", "mnist", "--limit", "512", "--epochs", "1", "--out", run)
    return run, digits


def psnr(a, b):
    return 10 * np.log10(1.0 / np.mean((a - b) ** 2))


def test_baselines_equal_opencv(sr_run, tmp_path):
    run, digits = sr_run
    png = tmp_path / "grid.png"
    _, out, _ = run_cli("upscale", "--run", run, "--data", "mnist", "--limit", "200", "--out",
                        png, "--json")
    j = json.loads(out.strip().splitlines()[-1])
    assert j["n"] == 200 and j["factor"] == 2 and j["low_res"] == [14, 14]
    imgs = digits[:200].reshape(-1, 28, 28)
    low = imgs.reshape(-1, 14, 2, 14, 2).mean((2, 4))
    bic = [psnr(np.clip(cv2.resize(l, (28, 28), interpolation=cv2.INTER_CUBIC), 0, 1), x)
           for l, x in zip(low, imgs)]
    near = [psnr(cv2.resize(l, (28, 28), interpolation=cv2.INTER_NEAREST), x)
            for l, x in zip(low, imgs)]
    assert j["methods"]["bicubic"]["psnr"] == pytest.approx(np.mean(bic), abs=0.01)
    assert j["methods"]["nearest"]["psnr"] == pytest.approx(np.mean(near), abs=0.01)
    assert np.isfinite(j["methods"]["model"]["psnr"]) and 0 < j["methods"]["model"]["ssim"] <= 1
    assert j["gain_db_over_bicubic"] == pytest.approx(
        j["methods"]["model"]["psnr"] - j["methods"]["bicubic"]["psnr"])
    assert png.stat().st_size > 0
    rc, _, err = run_cli("upscale", "--run", run, "--data", "mnist", "--out", png, check=False)
    assert rc != 0 and "already exists" in err  # no overwrite without --force


def test_a_plain_run_is_refused(tmp_path):
    run = tmp_path / "plain"
    run_cli("train", "--config", os.path.join(ROOT, "models/configs/mlp784.json"), "--data",
            "mnist", "--limit", "256", "--epochs", "1", "--out", run)
    rc, _, err = run_cli("upscale", "--run", run, "--data", "mnist", check=False)
    assert rc == 1 and "not a super-resolution run" in err and err.count("\n") <= 2
