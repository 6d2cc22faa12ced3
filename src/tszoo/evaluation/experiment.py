"""One experiment cell: fit one model on one seed's leak-free split, score it, save it.

The seed protocol: each seed draws its own leak-free split (``prepare_splits(seed=seed)``)
and seeds every model on it (``random_state=seed``), so the spread over seeds covers both
the split and the model, and a cell's result depends on nothing but its own seed.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from tszoo.data.pipeline import DataSplits
from tszoo.evaluation.metrics import confusion_rows, per_class_rows, score
from tszoo.models import make_model, save_model
from tszoo.models.ensemble import EnsembleClassifier
from tszoo.models.registry import get_model_class, model_tags
from tszoo.runs import Cell, RunLayout, write_npz, write_table

logger = logging.getLogger(__name__)

METRICS = ("accuracy", "balanced_accuracy", "precision_macro", "recall_macro", "f1_macro")
RESULT_COLUMNS = (
    "dataset",
    "model",
    "seed",
    "fold",
    *METRICS,
    "fit_seconds",
    "predict_seconds",
    "n_train",
    "n_val",
    "n_test",
    "n_fit",
    "epochs",
)
PER_CLASS_COLUMNS = (
    "dataset", "model", "seed", "fold", "class", "precision", "recall", "f1", "support",
)  # fmt: skip
CONFUSION_COLUMNS = ("dataset", "model", "seed", "fold", "true", "predicted", "count")
ATTENTION_EXAMPLES = 2  # test windows per class drawn in the report's attention maps


@dataclass
class CellResult:
    """Everything one model x seed cell produced."""

    model: Any
    row: dict[str, Any]
    predictions: pd.DataFrame
    splits: DataSplits  # what the model was fitted on, normalisation included
    per_class: list[dict[str, Any]] = field(default_factory=list)
    confusion: list[dict[str, Any]] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)  # an ensemble's: member cells taken


class SavedMember(NamedTuple):
    """A model that a cell of the run fitted and saved, offered to an ensemble as one of
    its final members: the cell's name, the model and its saved metadata."""

    cell: str
    model: Any
    metadata: dict[str, Any]


def build_model(name: str, params: dict[str, Any], seed: int):
    """``make_model`` seeded with ``seed`` (where the model takes a ``random_state``)."""
    seeded = (
        {"random_state": seed} if "random_state" in get_model_class(name)().get_params() else {}
    )
    return make_model(name, **{**seeded, **params})


def fit_and_score(
    name: str,
    params: dict[str, Any],
    splits: DataSplits,
    seed: int,
    callbacks: list | None = None,
    members: dict[int, SavedMember] | None = None,
) -> CellResult:
    """Fit model ``name`` and score it on the test split.

    A model that chooses something on validation (a deep model choosing its input or
    stopping early) is fitted on the train split with the val split as its validation
    data; every other model is fitted on train and val together, so validation costs it
    no data. An ensemble that refits its members after weighing them on val refits them
    on train and val together too, and is scored and saved with that normalisation; of
    ``members`` (final members saved by their own cells, by position) it takes those
    fitted on that data with its members' parameters instead of fitting them again. The
    row's ``n_fit`` counts the cases (windows) the model was fitted on (a model that
    refits on train and val after choosing says so in ``n_fit_``); its keys are those of
    ``RESULT_COLUMNS``. ``predictions`` has one row per test window or case: its
    provenance, ``prediction`` and ``proba_<class>``.
    """
    deep = bool(model_tags(name).get("deep"))
    extra = {"callbacks": callbacks} if deep and callbacks else {}
    model = build_model(name, {**params, **extra}, seed)
    # 1. what the model is fitted on: train, choosing on val, if it chooses anything there;
    #    else train and val together, normalised with statistics of both
    n_train, n_val = len(splits.train), len(splits.val)
    fitted = splits if model.uses_validation or n_val == 0 else splits.merged()
    final, final_fit, reused = fitted, {}, []
    if isinstance(model, EnsembleClassifier):
        final, final_fit, reused = _ensemble_final(model, splits, seed, members or {})
    # windows stay views of the recording: models copy them out a batch at a time
    X_train, y_train = fitted.arrays("train", lazy=True)
    X_val, y_val = fitted.arrays("val", lazy=True)
    X_test, y_test = final.arrays("test", lazy=True)
    start = time.perf_counter()
    # an empty val is ignored
    model.fit(X_train, y_train, validation_data=(X_val, y_val), **final_fit)
    fit_seconds = time.perf_counter() - start
    # 2. predict the test split once; labels follow from the probabilities
    start = time.perf_counter()
    proba = model.predict_proba(X_test)
    predict_seconds = time.perf_counter() - start
    y_pred = model.classes_[np.argmax(proba, axis=1)]
    if deep:
        model.set_params(callbacks=None)  # a progress bar belongs to this run only

    # 3. score: the results row, per-class scores and the confusion matrix
    scores = score(y_test, y_pred, splits.classes)
    fold = "" if splits.fold is None else splits.fold  # empty without cross-validation
    keys = {"dataset": splits.name, "model": name, "seed": seed, "fold": fold}
    row = {
        **keys,
        **{m: scores[m] for m in METRICS},
        "fit_seconds": round(fit_seconds, 3),
        "predict_seconds": round(predict_seconds, 3),
        "n_train": n_train,
        "n_val": n_val,
        "n_test": len(y_test),
        "n_fit": getattr(model, "n_fit_", len(y_train)),  # a model that refits says so
        "epochs": len(model.history_) if deep else "",
    }
    table = splits.windows_table()
    predictions = table[table["split"] == "test"].reset_index(drop=True)
    predictions["prediction"] = y_pred
    for j, cls in enumerate(model.classes_):
        predictions[f"proba_{cls}"] = proba[:, j]
    return CellResult(
        model,
        row,
        predictions,
        final,
        per_class_rows(scores, **keys),
        confusion_rows(scores, splits.classes, **keys),
        reused,
    )


def _ensemble_final(
    model: EnsembleClassifier, splits: DataSplits, seed: int, members: dict[int, SavedMember]
) -> tuple[DataSplits, dict[str, Any], list[str]]:
    """What an ensemble's final members are fitted on (train and val merged, when it
    refits them after weighing on val; else train), the keywords of ``fit`` that say so,
    and the cells of the ``members`` it takes: those saved from that very data."""
    refits = len(splits.val) > 0
    if refits and not model.refit:
        return splits, {}, []  # its final members are those weighed on val
    final = splits.merged() if refits else splits
    taken = {
        i: saved
        for i, saved in sorted(members.items())
        if _fitted_on(saved.metadata, final, seed)
        and not saved.model.uses_validation  # its cell fitted it on train and val merged
        and model.is_member(i, saved.model)
    }
    fit = {"fitted_members": {i: saved.model for i, saved in taken.items()}}
    if refits:
        fit["final_data"] = final.arrays("train", lazy=True)
    return final, fit, [saved.cell for saved in taken.values()]


def _fitted_on(metadata: dict[str, Any], splits: DataSplits, seed: int) -> bool:
    """Whether a model saved with ``metadata`` was fitted on the train split of ``splits``:
    the same seed, fold, channels, windows and normalisation statistics."""
    fold = {} if splits.fold is None else {"fold": splits.fold}
    expected = {
        "channels": list(splits.channels),
        "window": splits.window,
        "stride": splits.stride,
        "normalisation": splits.normalizer.to_dict(),
        "seed": seed,
        **fold,
    }
    return {k: metadata.get(k) for k in [*expected, "fold"]} == {"fold": None, **expected}


def save_cell(layout: RunLayout, target: Path, cell: Cell, result: CellResult) -> None:
    """Write a cell's predictions, history, attention examples and its model into
    ``target`` (with the normalisation it was fitted with)."""
    splits = result.splits
    model = result.model
    name, seed, fold = cell.model, cell.seed, cell.fold
    write_table(layout.predictions(name, seed, fold), result.predictions)
    if model_tags(name).get("deep"):
        write_table(layout.history(name, seed, fold), pd.DataFrame(model.history_.to_list()))
    if model_tags(name).get("attention"):
        save_attention(layout.attention(name, seed, fold), model, splits)
    metadata = {
        "channels": list(splits.channels),
        "window": splits.window,
        "stride": splits.stride,
        "normalisation": splits.normalizer.to_dict(),
        "classes": np.asarray(splits.classes).tolist(),
        "seed": seed,
        **({} if fold is None else {"fold": fold}),
    }
    save_model(model, target, name=name, metadata=metadata)


def save_attention(path: Path, model, splits: DataSplits) -> None:
    """A few test windows per class with the model's attention over them (``.npz``)."""
    X, y = splits.arrays("test", lazy=True)
    picks = [i for c in splits.classes for i in np.flatnonzero(y == c)[:ATTENTION_EXAMPLES]]
    if not picks:
        return
    examples = [X[i] for i in picks]  # copies of these windows only
    weights = model.attention_weights(examples)
    write_npz(
        path,
        X=_stack(examples),
        y=np.asarray([str(v) for v in y[picks]]),
        weights=weights.astype(np.float32),
        channels=np.asarray([str(c) for c in splits.channels]),
    )


def save_examples(path: Path, splits: DataSplits) -> None:
    """One normalised training window or case per class (``.npz``), for the report."""
    X, y = splits.arrays("train", lazy=True)
    picks = [int(np.flatnonzero(y == c)[0]) for c in splits.classes if np.any(y == c)]
    write_npz(
        path,
        X=_stack([X[i] for i in picks]),
        classes=np.asarray([str(y[i]) for i in picks]),
        channels=np.asarray([str(c) for c in splits.channels]),
    )


def _stack(series: list[np.ndarray]) -> np.ndarray:
    """Stack ``(n_channels, t_i)`` arrays into one float32 array, NaN-padding short ones."""
    length = max(s.shape[-1] for s in series)
    out = np.full((len(series), series[0].shape[0], length), np.nan, dtype=np.float32)
    for i, s in enumerate(series):
        out[i, :, : s.shape[-1]] = s
    return out
