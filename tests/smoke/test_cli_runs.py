"""``tszoo train`` and ``tszoo compare`` end to end on a tiny CSV, as a user runs them.

A run writes its config, manifest, windows, results, predictions, histories, models and an
HTML report into a new directory; an existing run is never touched; runs repeat exactly.
"""

from __future__ import annotations

import json
import logging
import math
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from tszoo.cli import app
from tszoo.config import model_defaults
from tszoo.evaluation.experiment import METRICS, RESULT_COLUMNS
from tszoo.models import load_model

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
DATA_ARGS = ["--group", "rec", "--window", "20", "--stride", "10", "--split", "0.5,0.25,0.25"]
TINY_ATTENTION = [
    "--set", "hybrid_attention.max_epochs=2", "--set", "hybrid_attention.n_filters=4",
    "--set", "hybrid_attention.hidden_size=8", "--set", "random_forest.n_estimators=20",
]  # fmt: skip
COMPARE_ARGS = ["--models", "random_forest,hybrid_attention", "--seeds", "0,1", "--quiet"]
COMPARE_ARGS += [*TINY_ATTENTION, "--workers", "1"]


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
    assert config["models"] == ["cnn_1d"] and config["seeds"] == [0]
    assert config["params"]["cnn_1d"] == {**model_defaults("cnn_1d"), "max_epochs": 2}
    assert config["data"]["window"] == 20 and config["data"]["group"] == "rec"
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


def test_a_run_without_networks_never_imports_torch(csv_path, tmp_path):
    # torch costs a run about 180 MB; a forest, saved with skops, must not pull it in
    code = (
        "import sys; from tszoo.cli import app\n"
        f"try: app(['train', 'random_forest', '--data', {str(csv_path)!r}, '--group', 'rec',"
        f" '--window', '20', '--stride', '10', '--out', {str(tmp_path / 'run')!r}, '--quiet',"
        " '--set', 'random_forest.n_estimators=5'])\n"
        "except SystemExit as exc: assert not exc.code, exc.code\n"
        "print('torch' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["device"] == "cpu" and manifest["machine"]["torch_threads"] is None
    model, _ = load_model(tmp_path / "run" / "model")
    assert list(model.classes_) == ["still", "walk"]


def test_compare_writes_one_row_per_model_and_seed(compare_run: Path):
    results = pd.read_csv(compare_run / "results.csv")
    assert list(results.columns) == list(RESULT_COLUMNS)
    assert sorted(zip(results["model"], results["seed"], strict=True)) == [
        ("hybrid_attention", 0), ("hybrid_attention", 1), ("random_forest", 0),
        ("random_forest", 1),
    ]  # fmt: skip
    assert all(math.isfinite(v) for v in results[list(METRICS)].to_numpy().ravel())
    epochs = dict(zip(results["model"], results["epochs"], strict=False))
    assert math.isnan(epochs["random_forest"]) and epochs["hybrid_attention"] == 2
    for model in ("random_forest", "hybrid_attention"):
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


def test_compare_writes_per_class_scores_confusion_and_examples(compare_run: Path):
    per_class = pd.read_csv(compare_run / "per_class.csv")
    assert list(per_class.columns) == [
        "dataset", "model", "seed", "fold", "class", "precision", "recall", "f1", "support"
    ]  # fmt: skip
    assert len(per_class) == 4 * 2  # 4 cells x 2 classes
    confusion = pd.read_csv(compare_run / "confusion.csv")
    assert len(confusion) == 4 * 2 * 2  # every (true, predicted) pair per cell
    results = pd.read_csv(compare_run / "results.csv")
    for (model, seed), cell in confusion.groupby(["model", "seed"]):
        row = results[(results["model"] == model) & (results["seed"] == seed)].iloc[0]
        assert cell["count"].sum() == row["n_test"]
        correct = cell.loc[cell["true"] == cell["predicted"], "count"].sum()
        assert correct / row["n_test"] == pytest.approx(row["accuracy"])
    with np.load(compare_run / "examples.npz", allow_pickle=False) as examples:
        assert examples["X"].shape == (2, 3, 20)
        assert examples["classes"].tolist() == ["still", "walk"]
    with np.load(compare_run / "attention" / "hybrid_attention-seed1.npz") as attention:
        assert attention["weights"].shape[0] == attention["X"].shape[0] == len(attention["y"])
        np.testing.assert_allclose(attention["weights"].sum(axis=1), 1, atol=1e-5)
    assert not (compare_run / "attention" / "random_forest-seed0.npz").exists()


def test_config_file_then_options_then_set(csv_path, tmp_path):
    config = tmp_path / "experiment.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "data": {"source": str(csv_path), "group": "rec", "window": 30, "stride": 10},
                "models": ["random_forest"],
                "seeds": [3],
                "params": {"random_forest": {"n_estimators": 10, "max_depth": 4}},
            }
        )
    )
    out = tmp_path / "run"
    result = invoke(
        "compare", "--config", config, "--window", "20", "--split", "0.5,0.25,0.25",
        "--set", "random_forest.n_estimators=7", "--out", out, "--quiet",
    )  # fmt: skip
    assert result.exit_code == 0, stderr_of(result)
    saved = yaml.safe_load((out / "config.yaml").read_text())
    assert saved["data"]["window"] == 20 and saved["data"]["stride"] == 10
    assert saved["seeds"] == [3] and saved["models"] == ["random_forest"]
    assert saved["params"]["random_forest"]["n_estimators"] == 7
    assert saved["params"]["random_forest"]["max_depth"] == 4
    model, _ = load_model(out / "models" / "random_forest-seed3")
    assert model.n_estimators == 7 and model.max_depth == 4
    # the saved config is itself a config: it repeats the run
    again = tmp_path / "again"
    result = invoke("compare", "--config", out / "config.yaml", "--out", again, "--quiet")
    assert result.exit_code == 0, stderr_of(result)
    cols = ["model", "seed", *METRICS]
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "results.csv")[cols], pd.read_csv(again / "results.csv")[cols]
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("params: {random_forest: {n_estimator: 5}}", r"did you mean 'n_estimators'"),
        ("data: {window: ten}", r"data.window: input should be a valid integer, got 'ten'"),
        ("sedes: [0]", r"unknown key 'sedes' \(did you mean 'seeds'\?\)"),
    ],
)
def test_bad_config_is_one_error_line_and_writes_nothing(csv_path, tmp_path, text, message):
    config = tmp_path / "bad.yaml"
    config.write_text(text)
    out = tmp_path / "run"
    result = invoke("compare", "--data", csv_path, "--config", config, "--out", out, "-q")
    assert result.exit_code == 2
    lines = [line for line in stderr_of(result).splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "bad.yaml" in lines[0]
    assert re.search(message, lines[0])
    assert not out.exists()


def _interrupt_after(monkeypatch, cells: int) -> None:
    """Make the in-process executor see Ctrl-C once ``cells`` cells have finished."""
    from tszoo.evaluation import executors

    real, calls = executors.run_cell, []

    def run_cell(*args, **kwargs):
        if len(calls) == cells:
            raise KeyboardInterrupt
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(executors, "run_cell", run_cell)


def test_an_interrupted_compare_resumes_to_the_uninterrupted_results(
    csv_path, compare_run: Path, tmp_path, monkeypatch
):
    out = tmp_path / "run"
    _interrupt_after(monkeypatch, 1)
    result = invoke("compare", "--data", csv_path, *DATA_ARGS, *COMPARE_ARGS, "--out", out)
    assert result.exit_code == 130
    assert "tszoo compare --resume" in stderr_of(result)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert (manifest["cells_done"], manifest["cells_total"]) == (1, 4)
    assert len(pd.read_csv(out / "results.csv")) == 1
    finished = snapshot(out / "models" / "random_forest-seed0")
    monkeypatch.undo()

    result = invoke("compare", "--resume", out, "--quiet")
    assert result.exit_code == 0, stderr_of(result)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["cells_done"] == 4
    assert len(manifest["resumed_utc"]) == 1
    assert snapshot(out / "models" / "random_forest-seed0") == finished  # not refitted
    cols = ["model", "seed", *METRICS, "n_train", "n_val", "n_test"]
    key = ["model", "seed"]
    resumed = pd.read_csv(out / "results.csv")[cols].sort_values(key, ignore_index=True)
    straight = pd.read_csv(compare_run / "results.csv")[cols].sort_values(key, ignore_index=True)
    pd.testing.assert_frame_equal(resumed, straight)
    assert (out / "report.html").is_file()


def test_resume_takes_no_other_options_and_needs_a_run(csv_path, compare_run, tmp_path):
    result = invoke("compare", "--resume", compare_run, "--data", csv_path)
    assert result.exit_code == 2 and "drop --data" in stderr_of(result)
    result = invoke("compare", "--resume", compare_run, "--window", "0")  # given, though 0
    assert result.exit_code == 2 and "drop --window" in stderr_of(result)
    result = invoke("compare", "--resume", tmp_path)
    assert result.exit_code == 2 and "is not a tszoo run" in stderr_of(result)


def test_resuming_a_complete_run_fits_nothing(compare_run: Path, monkeypatch):
    _interrupt_after(monkeypatch, 0)  # any fit would interrupt
    before = snapshot(compare_run / "models")
    result = invoke("compare", "--resume", compare_run, "--quiet")
    assert result.exit_code == 0, stderr_of(result)
    assert snapshot(compare_run / "models") == before


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_killed_compare_resumes_to_the_uninterrupted_results(csv_path, tmp_path, signum):
    run_args = [
        "compare", "--data", csv_path, *DATA_ARGS, "--models", "random_forest,hybrid_attention",
        "--seeds", "0", "--set", "random_forest.n_estimators=5",
        "--set", "hybrid_attention.max_epochs=150", "--set", "hybrid_attention.patience=150",
        "--set", "hybrid_attention.n_steps=null", "--set", "hybrid_attention.stop_loss=null",
        "--set", "hybrid_attention.n_filters=4", "--set", "hybrid_attention.hidden_size=8",
        "--quiet",
    ]  # fmt: skip
    # 1. a real process, signalled while it fits its second cell
    out = tmp_path / "killed"
    exe = Path(sys.executable).parent / "tszoo"
    # a shell that starts the test suite in the background ignores SIGINT for its children,
    # and Python then keeps ignoring it: give the run the default action back
    proc = subprocess.Popen(
        list(map(str, [exe, *run_args, "--out", out])),
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 120
        while not (out / "results.csv").exists():  # the forest's cell is done
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
            time.sleep(0.05)
        proc.send_signal(signum)
        stderr = proc.communicate(timeout=60)[1]
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "--resume" in stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["cells_done"] == 1
    assert pd.read_csv(out / "results.csv")["model"].tolist() == ["random_forest"]
    assert not (out / "models" / "hybrid_attention-seed0").exists()
    # 2. resumed, it matches a run that was never interrupted
    result = invoke("compare", "--resume", out, "--quiet")
    assert result.exit_code == 0, stderr_of(result)
    straight = tmp_path / "straight"
    result = invoke(*run_args, "--out", straight)
    assert result.exit_code == 0, stderr_of(result)
    cols = ["model", "seed", *METRICS, "n_train", "n_val", "n_test", "epochs"]
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "results.csv")[cols], pd.read_csv(straight / "results.csv")[cols]
    )
    for name in ("per_class.csv", "confusion.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(out / name), pd.read_csv(straight / name))


def test_worker_processes_write_what_one_process_writes(csv_path, compare_run, tmp_path):
    out = tmp_path / "parallel"
    args = [a for a in COMPARE_ARGS if a not in ("--workers", "1", "--quiet")]  # with bars
    result = invoke(
        "compare", "--data", csv_path, *DATA_ARGS, *args, "--workers", "2", "--out", out
    )
    assert result.exit_code == 0, stderr_of(result)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["executor"] == {"kind": "joblib", "backend": "loky", "workers": 2}
    cols = ["model", "seed", *METRICS, "n_train", "n_val", "n_test", "n_fit", "epochs"]
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "results.csv")[cols], pd.read_csv(compare_run / "results.csv")[cols]
    )
    for name in ("per_class.csv", "confusion.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(out / name), pd.read_csv(compare_run / name))
    for cell in ("random_forest-seed1", "hybrid_attention-seed0"):
        pd.testing.assert_frame_equal(
            pd.read_csv(out / "predictions" / f"{cell}.csv"),
            pd.read_csv(compare_run / "predictions" / f"{cell}.csv"),
        )
        assert (out / "models" / cell / "model.json").is_file()
    assert (out / "report.html").is_file()


def test_report_redraws_from_saved_results(compare_run: Path, tmp_path):
    (compare_run / "report.html").unlink()
    result = invoke("report", compare_run)
    assert result.exit_code == 0, stderr_of(result)
    assert (compare_run / "report.html").is_file()
    assert any((compare_run / "plots").glob("*.png"))
    result = invoke("report", tmp_path)
    assert result.exit_code == 2
    assert "not a tszoo run" in stderr_of(result)
