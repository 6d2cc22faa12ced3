"""A tiny but complete fake run directory: every file a ``compare`` run writes, made up.

No model is fitted: predictions are the true labels with a model-specific share flipped,
and the scores, per-class tables and confusion counts are computed from them the way the
experiment does, so the files agree with each other. The browser test loads
``write_fake_run`` from this file too.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from tszoo.evaluation.metrics import confusion_rows, per_class_rows, score
from tszoo.runs import RunLayout

CLASSES = ["run", "sit & stand", "walk"]  # "&" checks escaping; sorted, as a run stores them
CHANNELS = ["acc_x", "acc_y"]
MODELS = {"random_forest": 0.2, "cnn_1d": 0.35, "hybrid_attention": 0.1}  # share mislabelled
DEEP = ("cnn_1d", "hybrid_attention")
ATTENTION = ("hybrid_attention",)
WINDOW, STRIDE, N_TEST = 20, 10, 24


def write_fake_run(
    run_dir: Path, models: tuple[str, ...] = tuple(MODELS), seeds: tuple[int, ...] = (0, 1)
) -> Path:
    """Write a fake ``compare`` run of ``models`` x ``seeds`` to ``run_dir``; return it."""
    run_dir.mkdir(parents=True, exist_ok=True)
    layout = RunLayout(run_dir)
    rng = np.random.default_rng(0)
    data = {"source": "walks.csv", "window": WINDOW, "stride": STRIDE}
    config = {
        "command": "compare",
        "data": {**data, "split": [0.6, 0.2, 0.2], "normalise": "zscore"},
        "models": list(models),
        "seeds": list(seeds),
        "params": {"cnn_1d": {"max_epochs": 6}} if "cnn_1d" in models else {},
    }
    layout.config.write_text(yaml.safe_dump(config, sort_keys=False))
    _write_manifest(run_dir, seeds)
    _write_windows(run_dir)
    rows, per_class, confusion = [], [], []
    for seed in seeds:
        for model in models:
            y_true, y_pred = _predict(run_dir, model, seed, rng)
            scores = score(y_true, y_pred, np.asarray(CLASSES))
            keys = {"dataset": "walks", "model": model, "seed": seed}
            rows.append(_results_row(keys, scores, model, rng))
            per_class += per_class_rows(scores, **keys)
            confusion += confusion_rows(scores, np.asarray(CLASSES), **keys)
            if model in DEEP:
                _write_history(layout.history(model, seed), rng)
            if model in ATTENTION:
                _write_attention(layout.attention(model, seed), rng)
    pd.DataFrame(rows).to_csv(layout.results, index=False)
    pd.DataFrame(per_class).to_csv(layout.per_class, index=False)
    pd.DataFrame(confusion).to_csv(layout.confusion, index=False)
    _write_examples(layout.examples, rng)
    return run_dir


def _write_manifest(run_dir: Path, seeds: tuple[int, ...]) -> None:
    manifest = {
        "status": "complete",
        "started_utc": "2025-01-02T03:04:05Z",
        "ended_utc": "2025-01-02T03:09:00Z",
        "command_line": ["tszoo", "compare", "--data", "walks.csv", "--seeds", "0,1"],
        "seeds": list(seeds),
        "split_mode": "blocks: blocks of each recording dealt to the splits",
        "device": "cpu",
        "git_revision": "0123456789abcdef0123456789abcdef01234567",
        "versions": {"tszoo": "0.1.0", "numpy": "2.3.5", "torch": None},
        "machine": {"platform": "Linux-6.1-x86_64", "python": "3.11.9", "cpu_count": 2},
    }
    RunLayout(run_dir).manifest.write_text(json.dumps(manifest, indent=2))


def _write_windows(run_dir: Path) -> None:
    """Three recordings of 160 rows, one per class, each cut into train/val/test blocks
    with gaps between them (windows that would straddle two blocks are dropped)."""
    rows = []
    for i, label in enumerate(CLASSES):
        for start in range(0, 160 - WINDOW + 1, STRIDE):
            end = start + WINDOW
            split = "train" if end <= 100 else "val" if 100 <= start and end <= 130 else None
            split = "test" if start >= 130 else split
            if split:
                rows.append((f"rec_{i}", start, end, split, label))
    columns = ["recording", "start_row", "end_row", "split", "label"]
    pd.DataFrame(rows, columns=columns).to_csv(RunLayout(run_dir).windows, index=False)


def _predict(run_dir: Path, model: str, seed: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Test labels, and predictions with a share ``MODELS[model]`` flipped to another class."""
    y_true = np.array(CLASSES * (N_TEST // len(CLASSES)))
    wrong = rng.random(N_TEST) < MODELS.get(model, 0.2) + 0.05 * seed
    y_pred = np.where(wrong, np.roll(y_true, 1), y_true)
    table = pd.DataFrame(
        {
            "recording": [f"rec_{CLASSES.index(c)}" for c in y_true],
            "start_row": 130,
            "end_row": 130 + WINDOW,
            "split": "test",
            "label": y_true,
            "prediction": y_pred,
        }
    )
    for cls in CLASSES:
        table[f"proba_{cls}"] = np.where(y_pred == cls, 0.8, 0.1)
    path = RunLayout(run_dir).predictions(model, seed)
    path.parent.mkdir(exist_ok=True)
    table.to_csv(path, index=False)
    return y_true, y_pred


def _results_row(keys: dict, scores: dict, model: str, rng) -> dict:
    metrics = ("accuracy", "balanced_accuracy", "precision_macro", "recall_macro", "f1_macro")
    return {
        **keys,
        **{m: scores[m] for m in metrics},
        "fit_seconds": round(float(rng.uniform(0.5, 30)), 3),
        "predict_seconds": round(float(rng.uniform(0.01, 0.5)), 3),
        "n_train": 24,
        "n_val": 6,
        "n_test": N_TEST,
        "epochs": 6 if model in DEEP else "",
    }


def _write_history(path: Path, rng) -> None:
    epochs = np.arange(1, 7)
    val_loss = 1.2 / epochs + 0.05 * epochs + rng.normal(0, 0.02, 6)
    history = pd.DataFrame(
        {
            "epoch": epochs,
            "train_loss": 1.1 / epochs,
            "train_acc": 1 - 0.6 / epochs,
            "val_loss": val_loss,
            "val_acc": 1 - 0.7 / epochs,
            "lr": 1e-3,
            "seconds": 0.4,
            "best": epochs == epochs[np.argmin(val_loss)],
        }
    )
    path.parent.mkdir(exist_ok=True)
    history.to_csv(path, index=False)


def _write_attention(path: Path, rng) -> None:
    n, n_steps = 6, 10
    weights = rng.random((n, n_steps))
    path.parent.mkdir(exist_ok=True)
    np.savez(
        path,
        X=rng.normal(size=(n, len(CHANNELS), WINDOW)).astype(np.float32),
        y=np.array([CLASSES[i % 3] for i in range(n)]),
        weights=weights / weights.sum(axis=1, keepdims=True),
        channels=np.array(CHANNELS),
    )


def _write_examples(path: Path, rng) -> None:
    """One example per class; the last is shorter, so NaN-padded as a real run pads it."""
    X = rng.normal(size=(len(CLASSES), len(CHANNELS), WINDOW)).astype(np.float32)
    X[-1, :, -5:] = np.nan
    np.savez(path, X=X, classes=np.array(CLASSES), channels=np.array(CHANNELS))


@pytest.fixture(name="write_fake_run", scope="session")
def write_fake_run_fixture():
    """``write_fake_run(run_dir, models=..., seeds=...)`` for runs other than the default."""
    return write_fake_run


@pytest.fixture(scope="module")
def fake_run(tmp_path_factory) -> Path:
    """A complete fake run, shared by a module's tests: copy it before changing it."""
    return write_fake_run(tmp_path_factory.mktemp("run") / "run")


@pytest.fixture
def fake_run_copy(fake_run: Path, tmp_path: Path) -> Path:
    """A private copy of ``fake_run`` that a test may change."""
    return Path(shutil.copytree(fake_run, tmp_path / "run"))


@pytest.fixture
def small_run(tmp_path: Path) -> Path:
    """A fake run of one classic model on one seed: quick to report on, free to change."""
    return write_fake_run(tmp_path / "small", models=("random_forest",), seeds=(0,))
