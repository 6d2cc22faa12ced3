"""Predict the windows of new recordings with a saved model.

The model directory carries everything the data needs: channel names (checked by name),
window and stride, and the training split's normalisation.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from tszoo.data.loading import CaseDataset, NanPolicy, load_data, load_table
from tszoo.data.preprocessing import Normalizer
from tszoo.data.windows import check_window, make_windows
from tszoo.errors import TszooError
from tszoo.io import write_csv_new
from tszoo.models.persistence import META, load_model

logger = logging.getLogger(__name__)


def find_model_dir(path: str | Path) -> Path:
    """A model directory itself, or the one model of a ``train`` / ``compare`` run."""
    path = Path(path)
    if (path / META).is_file():
        return path
    if (path / "model" / META).is_file():
        return path / "model"
    found = sorted(p.parent for p in (path / "models").glob(f"*/{META}"))
    if len(found) == 1:
        return found[0]
    if found:
        names = ", ".join(p.name for p in found)
        raise TszooError(f"{path} holds {len(found)} models ({names}); pass one, e.g. {found[0]}")
    raise TszooError(
        f"{path}: no saved model here (no {META}, model/ or models/); "
        "pass a model directory or the run directory of `tszoo train`"
    )


def run_predict(
    model_path: str | Path,
    data: str | Path,
    *,
    stride: int | None = None,
    out: str | Path | None = None,
    time: str | None = None,
    group: str | None = None,
    nan: NanPolicy = "error",
    batch_size: int = 4096,
) -> pd.DataFrame:
    """Predict every window of ``data``; one row per window.

    Columns: ``recording, start_row, end_row`` (source-file rows, end exclusive), then
    ``start_time, end_time`` when the file has a time column, ``prediction`` and one
    ``proba_<class>`` per class. Written to ``out`` (a new CSV file) when given.
    """
    if out is not None and Path(out).exists():
        raise TszooError(f"{out} already exists; choose a new --out file")
    model_dir = find_model_dir(model_path)
    model, meta = load_model(model_dir)
    normalizer = Normalizer.from_dict(meta["normalisation"])
    if meta.get("window") is None:  # trained on ready-made cases: predict cases
        table = _predict_cases(model, normalizer, data, nan)
    else:
        table = _predict_windows(
            model, meta, normalizer, data, stride, time, group, nan, batch_size
        )
    if out is not None:
        write_csv_new(table, out)
    logger.info("predicted %d windows of %s with %s", len(table), Path(data).name, model_dir)
    return table


def _predict_windows(model, meta, normalizer, data, stride, time, group, nan, batch_size):
    window, stride = int(meta["window"]), int(stride or meta["stride"])
    check_window(window, stride)
    rec = load_table(data, time=time, group=group, nan=nan, labelled=False)
    # 1. the channels the model was trained on, by name, in training order
    trained = list(meta["channels"])
    missing = [c for c in trained if c not in rec.channels]
    extra = [c for c in rec.channels if c not in trained]
    if missing:
        raise TszooError(
            f"{Path(data).name}: channel '{missing[0]}' the model was trained on is missing "
            f"(trained on {', '.join(trained)}); add the column, or rename yours to match"
        )
    if extra:
        raise TszooError(
            f"{Path(data).name}: channel '{extra[0]}' was not in training "
            f"(trained on {', '.join(trained)}); drop the column or rename it"
        )
    if rec.channels != trained:
        rec.values = np.ascontiguousarray(rec.values[:, [rec.channels.index(c) for c in trained]])
        rec.channels = trained
    # 2. windows as views, normalised and predicted a batch at a time
    windows = make_windows(rec, window, stride, label_rule="last")
    if len(windows) == 0:
        raise TszooError(
            f"{Path(data).name}: every recording is shorter than the model's window "
            f"({window} rows); nothing to predict: pass recordings of at least {window} rows"
        )
    proba = np.concatenate(
        [model.predict_proba(normalizer.transform(X)) for X in windows.batches(batch_size)]
    )
    table = windows.provenance().drop(columns="label")
    if rec.time is not None:
        table["start_time"] = rec.time[windows.starts]
        table["end_time"] = rec.time[windows.starts + window - 1]
    return _add_predictions(table, model.classes_, proba)


def _predict_cases(model, normalizer, data, nan):
    dataset = load_data(data, nan=nan)
    if not isinstance(dataset, CaseDataset):
        raise TszooError(
            f"the model was trained on ready-made cases (.ts or a bundled dataset), "
            f"but {Path(data).name} is a table of recordings; predict a .ts file"
        )
    cases = dataset.train if dataset.test is None else dataset.test
    proba = model.predict_proba(normalizer.transform(cases.X))
    table = pd.DataFrame({"recording": cases.index, "start_row": 0, "end_row": cases.lengths})
    return _add_predictions(table, model.classes_, proba)


def _add_predictions(table: pd.DataFrame, classes: np.ndarray, proba: np.ndarray) -> pd.DataFrame:
    table["prediction"] = classes[np.argmax(proba, axis=1)]
    for j, cls in enumerate(classes):
        table[f"proba_{cls}"] = proba[:, j]
    return table
