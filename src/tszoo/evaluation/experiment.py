"""Experiments: fit one model on one leak-free split and score it; repeat over models and seeds.

The seed protocol: each seed draws its own leak-free split (``prepare_splits(seed=seed)``)
and seeds every model on it, so the spread over seeds covers both the split and the model.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tszoo import runs
from tszoo.data.pipeline import DataSplits, prepare_splits
from tszoo.errors import TszooError
from tszoo.evaluation.metrics import score
from tszoo.evaluation.progress import Progress
from tszoo.models import make_model, save_model
from tszoo.models.registry import get_model_class, model_tags

logger = logging.getLogger(__name__)

METRICS = ("accuracy", "precision_macro", "recall_macro", "f1_macro")
RESULT_COLUMNS = (
    "dataset",
    "model",
    "seed",
    *METRICS,
    "fit_seconds",
    "predict_seconds",
    "n_train",
    "n_val",
    "n_test",
    "epochs",
)


@dataclass
class RunOutcome:
    """What a run left: its directory, the results table and the report's path."""

    run_dir: Path
    results: pd.DataFrame
    report: Path


def build_model(name: str, params: dict[str, Any], seed: int):
    """``make_model`` seeded with ``seed`` (where the model takes a ``random_state``)."""
    seeded = (
        {"random_state": seed} if "random_state" in get_model_class(name)().get_params() else {}
    )
    return make_model(name, **{**seeded, **params})


def fit_and_score(
    name: str, params: dict[str, Any], splits: DataSplits, seed: int, callbacks: list | None = None
) -> tuple[Any, dict[str, Any], pd.DataFrame]:
    """Fit model ``name`` on the train split (validation on val) and score it on test.

    Returns
    -------
    model
        The fitted estimator.
    row : dict
        One results row with the keys of ``RESULT_COLUMNS``.
    predictions : DataFrame
        One row per test window or case: its provenance, ``prediction`` and ``proba_<class>``.
    """
    deep = bool(model_tags(name).get("deep"))
    extra = {"callbacks": callbacks} if deep and callbacks else {}
    model = build_model(name, {**params, **extra}, seed)
    X_train, y_train = splits.arrays("train")
    X_val, y_val = splits.arrays("val")
    X_test, y_test = splits.arrays("test")

    # 1. fit, validating on the leak-free val split (deep models stop early on it)
    start = time.perf_counter()
    model.fit(X_train, y_train, validation_data=(X_val, y_val))
    fit_seconds = time.perf_counter() - start
    # 2. predict the test split once; labels follow from the probabilities
    start = time.perf_counter()
    proba = model.predict_proba(X_test)
    predict_seconds = time.perf_counter() - start
    y_pred = model.classes_[np.argmax(proba, axis=1)]
    if deep:
        model.set_params(callbacks=None)  # a progress bar belongs to this run only

    scores = score(y_test, y_pred, splits.classes)
    row = {
        "dataset": splits.name,
        "model": name,
        "seed": seed,
        **{m: scores[m] for m in METRICS},
        "fit_seconds": round(fit_seconds, 3),
        "predict_seconds": round(predict_seconds, 3),
        "n_train": len(y_train),
        "n_val": len(y_val),
        "n_test": len(y_test),
        "epochs": len(model.history_) if deep else "",
    }
    table = splits.windows_table()
    predictions = table[table["split"] == "test"].reset_index(drop=True)
    predictions["prediction"] = y_pred
    for j, cls in enumerate(model.classes_):
        predictions[f"proba_{cls}"] = proba[:, j]
    return model, row, predictions


def check_params(models: list[str], params: dict[str, dict[str, Any]]) -> None:
    """Fail early on a ``--set`` for a model not in the run, or an unknown parameter."""
    for name in params:
        if name not in models:
            raise TszooError(
                f"--set names model '{name}', which this run does not fit; "
                f"models in this run: {', '.join(models)}"
            )
    for name in models:
        build_model(name, params.get(name, {}), seed=0)  # raises, naming a bad parameter


def run_train(
    data_options: dict[str, Any],
    model: str,
    seed: int = 0,
    out: str | Path | None = None,
    params: dict[str, dict[str, Any]] | None = None,
    progress: Progress | None = None,
) -> RunOutcome:
    """Fit one model on one seed's split; save it under ``<run>/model``."""
    return _run("train", data_options, [model], [seed], out, params or {}, progress)


def run_compare(
    data_options: dict[str, Any],
    models: list[str],
    seeds: list[int],
    out: str | Path | None = None,
    params: dict[str, dict[str, Any]] | None = None,
    progress: Progress | None = None,
) -> RunOutcome:
    """Fit every model on every seed's split; save each under ``<run>/models/<model>-seed<k>``."""
    return _run("compare", data_options, models, seeds, out, params or {}, progress)


def _run(
    command: str,
    data_options: dict[str, Any],
    models: list[str],
    seeds: list[int],
    out: str | Path | None,
    params: dict[str, dict[str, Any]],
    progress: Progress | None,
) -> RunOutcome:
    progress = progress or Progress()
    if not models or not seeds:
        raise TszooError(f"{command} needs at least one model and one seed")
    # 1. check everything the user gave before writing anything
    runs.check_run_dir(out)
    check_params(models, params)
    splits = prepare_splits(**data_options, seed=seeds[0])
    # 2. the run directory, its config and a manifest marked running
    run_dir = runs.create_run_dir(command, out)
    started = runs.utc_now()
    config = {
        "command": command,
        "data": data_options,
        "models": models,
        "seeds": seeds,
        "params": params,
    }
    runs.write_config(run_dir, config)
    runs.write_manifest(run_dir, seeds=seeds, started=started, status="running")
    cols = ["recording", "start_row", "end_row", "split", "label"]
    runs.write_table(run_dir / "windows.csv", splits.windows_table()[cols])
    # 3. every model on every seed's split; results.csv rewritten after each cell
    rows: list[dict[str, Any]] = []
    progress.start(len(models) * len(seeds))
    try:
        for i, seed in enumerate(seeds):
            if i > 0:
                splits = prepare_splits(**data_options, seed=seed)
            for name in models:
                rows.append(
                    _run_cell(command, run_dir, name, params.get(name, {}), splits, seed, progress)
                )
                runs.write_table(
                    run_dir / "results.csv", pd.DataFrame(rows, columns=RESULT_COLUMNS)
                )
                progress.cell_done()
    finally:
        progress.stop()
    # 4. the report, and the manifest marked complete
    results = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    summary = {
        "command": command,
        "dataset": splits.name,
        "split mode": splits.mode,
        "window / stride": f"{splits.window} / {splits.stride}" if splits.window else "cases",
        "models": ", ".join(models),
        "seeds": ", ".join(map(str, seeds)),
        "started (UTC)": started,
        "run directory": str(run_dir),
    }
    report = runs.write_report(run_dir, f"tszoo {command}: {splits.name}", summary, results)
    runs.write_manifest(
        run_dir, seeds=seeds, started=started, status="complete", ended=runs.utc_now()
    )
    return RunOutcome(run_dir=run_dir, results=results, report=report)


def _run_cell(
    command: str,
    run_dir: Path,
    name: str,
    params: dict[str, Any],
    splits: DataSplits,
    seed: int,
    progress: Progress,
) -> dict[str, Any]:
    """Fit and score one model on one seed; write its predictions, history and model."""
    deep = bool(model_tags(name).get("deep"))
    callbacks = progress.cell(name, seed, deep)
    logger.info("fitting %s on seed %d", name, seed)
    model, row, predictions = fit_and_score(name, params, splits, seed, callbacks=callbacks)
    cell = f"{name}-seed{seed}"
    runs.write_table(run_dir / "predictions" / f"{cell}.csv", predictions)
    if deep:
        history = pd.DataFrame(model.history_.to_list())
        runs.write_table(run_dir / "histories" / f"{cell}.csv", history)
    metadata = {
        "channels": list(splits.channels),
        "window": splits.window,
        "stride": splits.stride,
        "normalisation": splits.normalizer.to_dict(),
        "classes": np.asarray(splits.classes).tolist(),
        "seed": seed,
    }
    target = run_dir / "model" if command == "train" else run_dir / "models" / cell
    save_model(model, target, name=name, metadata=metadata)
    logger.info(
        "%s seed %d: accuracy %.3f, macro F1 %.3f", name, seed, row["accuracy"], row["f1_macro"]
    )
    return row
