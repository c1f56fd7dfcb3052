"""`hourglass export` (ONNX): for every config in models/configs/ (plus two variants that reach
batch norm, dropout, leaky_relu, tanh and softplus) and every part, the exported graph passes
onnx.checker and OpenCV's dnn module computes from 1,000 raw rows what Hourglass computes
(max absolute difference <= 1e-5). Each config is trained once per module (1 epoch, a few hundred
rows), so the suite stays fast on two cores. Bad input (missing run, unknown part, existing
--out) gives one line on stderr and a nonzero exit.

The reference outputs come from the Python module (`import hourglass`: encode, decode,
reconstruct, score); without it only the encoder is checked, against `hourglass embed`."""
import glob
import json
import os
import subprocess

import numpy as np
import pytest

from conftest import ROOT, hourglass_bin

onnx = pytest.importorskip("onnx")
cv2 = pytest.importorskip("cv2")

PARTS = ["autoencoder", "encoder", "decoder", "score"]
TOL = 1e-5
N_ROWS = 1000

try:
    import hourglass as hg_module
except ImportError:  # the module is optional: the encoder is still checked through the CLI
    hg_module = None


def cli(*args):
    p = subprocess.run([hourglass_bin(), *map(str, args)], capture_output=True, text=True,
                       timeout=600)
    return p.returncode, p.stdout, p.stderr


def variant_configs(folder):
    """Configs that reach the layers and activations no shipped config uses."""
    with open(os.path.join(ROOT, "models", "configs", "conv28.json")) as f:
        conv = json.load(f)
    conv.update(name="conv_bn_dropout_leaky", batch_norm=True, dropout=0.2,
                activation="leaky_relu", leaky_alpha=0.2)
    with open(os.path.join(ROOT, "models", "configs", "mlp784.json")) as f:
        mlp = json.load(f)
    mlp.update(name="mlp_tanh_softplus", activation="tanh", latent_activation="softplus",
               output_activation="none")
    paths = []
    for cfg in (conv, mlp):
        path = os.path.join(folder, cfg["name"] + ".json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        paths.append(path)
    return paths


def data_spec(config_path):
    """Tabular configs size themselves from a table (the built-in synthetic one); the rest are
    28x28 image models trained on the digits."""
    with open(config_path) as f:
        cfg = json.load(f)
    return "mnist" if cfg.get("input") == 784 or "image" in cfg else "synthetic"


SHIPPED = sorted(glob.glob(os.path.join(ROOT, "models", "configs", "*.json")))
CONFIG_IDS = [os.path.splitext(os.path.basename(p))[0] for p in SHIPPED] + [
    "conv_bn_dropout_leaky", "mlp_tanh_softplus"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("onnx")


@pytest.fixture(scope="module", params=CONFIG_IDS)
def trained(request, workdir):
    """(run folder, data spec) of one config, trained once for the whole module."""
    name = request.param
    path = os.path.join(ROOT, "models", "configs", name + ".json")
    if not os.path.isfile(path):
        path = {os.path.basename(p)[:-5]: p for p in variant_configs(str(workdir))}[name]
    spec = data_spec(path)
    if spec == "mnist" and not os.path.isdir(os.path.join(ROOT, "data", "mnist")):
        pytest.skip("data/mnist is missing (run scripts/fetch-data)")
    run = workdir / name
    rc, _, err = cli("train", "--config", path, "--data", spec, "--epochs", 1, "--limit", 256,
                     "--min-steps", 1, "--out", run, "--force", "--threads", 2)
    assert rc == 0, f"training {name} failed: {err}"
    return str(run), spec


def raw_rows(spec, n=N_ROWS):
    """n raw test rows in the data's units (the synthetic table's test split is smaller: its
    rows are repeated with a little noise to reach n)."""
    X = hg_module.load_data(spec, "test")[0][:n]
    rng = np.random.default_rng(0)
    while len(X) < n:
        X = np.concatenate([X, X + rng.normal(0, 0.1, X.shape).astype(np.float32)])
    return np.ascontiguousarray(X[:n], dtype=np.float32)


def export(run, part, out):
    rc, stdout, err = cli("export", "--run", run, "--out", out, "--part", part, "--force",
                          "--json")
    assert rc == 0, f"export {part} failed: {err}"
    return json.loads(stdout.strip().splitlines()[-1])


def opencv_forward(path, x):
    net = cv2.dnn.readNetFromONNX(path)
    net.setInput(np.ascontiguousarray(x, dtype=np.float32))
    return net.forward()


def reference(run, part, X):
    """(graph input, Hourglass's output) for a part, from the Python module."""
    m = hg_module.load(run, device="cpu")
    if part == "encoder":
        return X, m.encode(X)
    if part == "decoder":
        Z = m.encode(X)
        return Z, m.decode(Z)
    if part == "autoencoder":
        return X, m.reconstruct(X)
    return X, m.score(X)


@pytest.mark.parametrize("part", PARTS)
def test_export_matches_hourglass(trained, part, tmp_path):
    run, spec = trained
    out = str(tmp_path / f"{part}.onnx")
    summary = export(run, part, out)
    assert summary["part"] == part and summary["opset"] == 13 and summary["nodes"] > 0
    assert summary["inputs"][0]["shape"][0] == "N"
    model = onnx.load(out)
    onnx.checker.check_model(model)
    assert model.opset_import[0].version == 13
    if hg_module is None:
        if part != "encoder":
            pytest.skip("the hourglass Python module is not built: only the encoder is checked "
                        "(against hourglass embed)")
        x, want = embed_reference(run, spec, tmp_path)
    else:
        x, want = reference(run, part, raw_rows(spec))
    got = opencv_forward(out, x)
    assert got.size == want.size, (got.shape, want.shape)
    diff = float(np.max(np.abs(got.reshape(want.shape) - want)))
    print(f"{os.path.basename(run)} {part}: OpenCV max abs diff {diff:.3g}")
    assert diff <= TOL


def embed_reference(run, spec, tmp_path):
    """Without the module: the first test digits read from the IDX file (pixels / 255, as the
    engine's loader) and their codes from `hourglass embed`."""
    if spec != "mnist":
        pytest.skip("without the Python module the raw rows of the synthetic table are unknown")
    with open(os.path.join(ROOT, "data", "mnist", "t10k-images-idx3-ubyte"), "rb") as f:
        X = np.frombuffer(f.read()[16:], dtype=np.uint8).reshape(-1, 784)[:N_ROWS]
    codes = str(tmp_path / "codes.npy")
    rc, _, err = cli("embed", "--run", run, "--data", spec, "--limit", N_ROWS, "--out", codes,
                     "--device", "cpu")
    assert rc == 0, err
    return (X.astype(np.float32) / 255.0), np.load(codes)


# ---- bad input ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_run(workdir):
    run = workdir / "bad-input-run"
    rc, _, err = cli("train", "--config", os.path.join(ROOT, "models", "configs",
                                                       "tabular_seeds.json"),
                     "--data", "synthetic", "--epochs", 1, "--min-steps", 1, "--out", run)
    assert rc == 0, err
    return str(run)


def one_line_error(rc, err, *words):
    assert rc != 0
    assert err.count("\n") == 1, err
    for w in words:
        assert w in err, err


def test_missing_run(tmp_path):
    rc, _, err = cli("export", "--run", tmp_path / "no-such-run", "--out", tmp_path / "m.onnx")
    one_line_error(rc, err, "no-such-run")
    assert not (tmp_path / "m.onnx").exists()


def test_unknown_part(small_run, tmp_path):
    rc, _, err = cli("export", "--run", small_run, "--out", tmp_path / "m.onnx", "--part",
                     "middle")
    one_line_error(rc, err, "--part", "middle")
    assert rc == 2


def test_existing_out_needs_force(small_run, tmp_path):
    out = tmp_path / "m.onnx"
    out.write_bytes(b"keep me")
    rc, _, err = cli("export", "--run", small_run, "--out", out)
    one_line_error(rc, err, "--out")
    assert out.read_bytes() == b"keep me"
    rc, stdout, err = cli("export", "--run", small_run, "--out", out, "--force")
    assert rc == 0, err
    onnx.checker.check_model(onnx.load(str(out)))
