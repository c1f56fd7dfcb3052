"""hourglass active end to end on a small pool: every strategy's curve starts from the same labels
and grows by --query per round, the chart (PNG and SVG) and the verdict are written, and bad
flags are one-line usage errors."""
import json
import os

import pytest

from conftest import ROOT, run_cli


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, hg):
    try:
        hg.load_data("mnist", "test")
    except hg.Error as e:
        pytest.skip(f"MNIST missing (scripts/fetch-data): {e}")
    run = tmp_path_factory.mktemp("al") / "run"
    run_cli("train", "--config", os.path.join(ROOT, "models/configs/mlp784.json"), "--data",
            "mnist", "--limit", "512", "--epochs", "1", "--out", run)
    return run


def test_curves_chart_and_verdict(run_dir, tmp_path):
    plot = tmp_path / "al.png"
    _, out, _ = run_cli("active", "--run", run_dir, "--data", "mnist", "--initial", "20",
                        "--query", "10", "--rounds", "3", "--mode", "frozen", "--max-steps", "50",
                        "--pool-limit", "400", "--test-limit", "200", "--plot", plot, "--json")
    j = json.loads(out.strip().splitlines()[-1])
    names = [c["strategy"] for c in j["curves"]]
    assert names == ["random", "recon", "uncertainty", "hybrid", "diverse"]
    for c in j["curves"]:
        assert c["labels"] == [20, 30, 40]
        assert all(0 <= a <= 1 for a in c["accuracy"])
    first = {c["accuracy"][0] for c in j["curves"]}
    assert len(first) == 1  # the same initial labels for every strategy
    assert set(j["verdict"]) >= {"best", "gain_points", "above_random_every_round"}
    assert plot.stat().st_size > 0 and plot.with_suffix(".svg").stat().st_size > 0
    rc, _, err = run_cli("active", "--run", run_dir, "--data", "mnist", "--plot", plot,
                         check=False)
    assert rc != 0 and "already exists" in err


def test_repeats_average_the_seeds(run_dir):
    _, out, _ = run_cli("active", "--run", run_dir, "--data", "mnist", "--initial", "20",
                        "--query", "10", "--rounds", "2", "--mode", "frozen", "--max-steps", "30",
                        "--pool-limit", "300", "--test-limit", "100", "--strategy",
                        "random,diverse", "--seed", "4", "--repeats", "2", "--json")
    j = json.loads(out.strip().splitlines()[-1])
    assert j["repeats"] == 2 and [p["seed"] for p in j["per_seed"]] == [4, 5]
    for i, c in enumerate(j["curves"]):
        runs = [p["curves"][i]["accuracy"] for p in j["per_seed"]]
        assert c["accuracy"] == pytest.approx([(a + b) / 2 for a, b in zip(*runs)])


@pytest.mark.parametrize("flags, message", [
    (["--strategy", "entropy"], "unknown strategy 'entropy'"),
    (["--initial", "1"], "--initial must be at least 2"),
    (["--mode", "melt"], "mode"),
    (["--repeats", "0"], "--repeats"),
    (["--repeats", "101"], "--repeats must be at most 100"),
])
def test_bad_flags(run_dir, flags, message):
    rc, _, err = run_cli("active", "--run", run_dir, "--data", "mnist", *flags, check=False)
    assert rc == 2 and message in err and err.strip().count("\n") == 0, err
