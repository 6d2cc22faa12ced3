"""``tszoo train`` and ``tszoo compare`` end to end on a tiny CSV, as a user runs them.

A run writes its config, manifest, windows, results, predictions, histories, models and an
HTML report into a new directory; an existing run is never touched; runs repeat exactly.
"""

from __future__ import annotations

import json
import logging
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from tszoo.cli import app
from tszoo.evaluation.experiment import METRICS, RESULT_COLUMNS
from tszoo.models import load_model

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
DATA_ARGS = ["--group", "rec", "--window", "20", "--stride", "10", "--split", "0.5,0.25,0.25"]
COMPARE_ARGS = ["--models", "random_forest,svm", "--seeds", "0,1", "--quiet"]


def invoke(*args: str | Path):
    """Run the CLI in-process, leaving the root logger as it was."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        return CliRunner().invoke(app, [str(a) for a in args])
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def stderr_of(result) -> str:
    try:
        text = result.stderr
    except ValueError:
        text = result.output
    return ANSI.sub("", text)


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory) -> Path:
    """Four recordings of 120 rows, three channels, two classes (class shifts channel a)."""
    rng = np.random.default_rng(0)
    frames = [
        pd.DataFrame(
            {
                "rec": f"rec{i}",
                "a": rng.normal(size=120) + 2 * (i % 2),
                "b": rng.normal(size=120),
                "c": rng.normal(size=120),
                "label": ["still", "walk"][i % 2],
            }
        )
        for i in range(4)
    ]
    path = tmp_path_factory.mktemp("data") / "rec.csv"
    pd.concat(frames).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def train_run(csv_path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "train"
    result = invoke(
        "train", "cnn_1d", "--data", csv_path, *DATA_ARGS, "--set", "cnn_1d.max_epochs=2",
        "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, stderr_of(result)
    return out


@pytest.fixture(scope="module")
def compare_run(csv_path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "compare"
    result = invoke("compare", "--data", csv_path, *DATA_ARGS, *COMPARE_ARGS, "--out", out)
    assert result.exit_code == 0, stderr_of(result)
    return out


def test_train_writes_every_file_and_a_loadable_model(train_run: Path):
    for name in ("config.yaml", "manifest.json", "windows.csv", "results.csv", "report.html"):
        assert (train_run / name).is_file(), name
    config = yaml.safe_load((train_run / "config.yaml").read_text())
    assert config["command"] == "train"
    assert config["params"] == {"cnn_1d": {"max_epochs": 2}}
    manifest = json.loads((train_run / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["seeds"] == [0]
    assert manifest["device"] in ("cpu", "cuda")
    assert set(manifest["versions"]) >= {"tszoo", "numpy", "scikit-learn", "torch"}
    windows = pd.read_csv(train_run / "windows.csv")
    assert list(windows.columns) == ["recording", "start_row", "end_row", "split", "label"]
    history = pd.read_csv(train_run / "histories" / "cnn_1d-seed0.csv")
    assert len(history) == 2
    predictions = pd.read_csv(train_run / "predictions" / "cnn_1d-seed0.csv")
    assert len(predictions) == (windows["split"] == "test").sum()
    assert {"prediction", "proba_still", "proba_walk"} <= set(predictions.columns)
    np.testing.assert_allclose(predictions[["proba_still", "proba_walk"]].sum(axis=1), 1, atol=1e-5)
    model, metadata = load_model(train_run / "model")
    assert metadata["window"] == 20
    assert metadata["channels"] == ["a", "b", "c"]
    assert metadata["classes"] == ["still", "walk"]
    html = (train_run / "report.html").read_text()
    assert "<table" in html and "cnn_1d" in html
    assert "http://" not in html and "https://" not in html
    assert list(model.classes_) == ["still", "walk"]


def test_compare_writes_one_row_per_model_and_seed(compare_run: Path):
    results = pd.read_csv(compare_run / "results.csv")
    assert list(results.columns) == list(RESULT_COLUMNS)
    assert sorted(zip(results["model"], results["seed"], strict=True)) == [
        ("random_forest", 0), ("random_forest", 1), ("svm", 0), ("svm", 1),
    ]  # fmt: skip
    assert all(math.isfinite(v) for v in results[list(METRICS)].to_numpy().ravel())
    assert results["epochs"].isna().all()  # no deep model
    for model in ("random_forest", "svm"):
        for seed in (0, 1):
            assert (compare_run / "predictions" / f"{model}-seed{seed}.csv").is_file()
            load_model(compare_run / "models" / f"{model}-seed{seed}")


def test_second_run_into_the_same_out_changes_nothing(csv_path, compare_run: Path):
    before = snapshot(compare_run)
    result = invoke("compare", "--data", csv_path, *DATA_ARGS, *COMPARE_ARGS, "--out", compare_run)
    assert result.exit_code == 2
    lines = [line for line in stderr_of(result).splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:")
    assert "already holds a run" in lines[0]
    assert snapshot(compare_run) == before


def test_unknown_parameter_in_set_is_named_with_a_suggestion(csv_path, tmp_path):
    out = tmp_path / "run"
    result = invoke(
        "train", "cnn_1d", "--data", csv_path, *DATA_ARGS, "--set", "cnn_1d.max_epoch=2",
        "--out", out,
    )  # fmt: skip
    assert result.exit_code == 2
    err = stderr_of(result)
    assert "error:" in err and "max_epoch" in err and "max_epochs" in err
    assert not out.exists()


def test_set_for_a_model_not_in_the_run_is_an_error(csv_path, tmp_path):
    result = invoke(
        "compare", "--data", csv_path, *DATA_ARGS, *COMPARE_ARGS, "--set", "cnn_1d.lr=0.1",
        "--out", tmp_path / "run",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "cnn_1d" in stderr_of(result)


def test_the_same_command_twice_gives_the_same_scores(csv_path, compare_run: Path, tmp_path):
    out = tmp_path / "again"
    result = invoke("compare", "--data", csv_path, *DATA_ARGS, *COMPARE_ARGS, "--out", out)
    assert result.exit_code == 0, stderr_of(result)
    cols = ["model", "seed", *METRICS, "n_train", "n_val", "n_test"]
    first = pd.read_csv(compare_run / "results.csv")[cols]
    second = pd.read_csv(out / "results.csv")[cols]
    pd.testing.assert_frame_equal(first, second)
