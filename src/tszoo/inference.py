"""Predict the windows of new recordings with a saved model.

The model directory carries everything the data needs: channel names (checked by name),
window and stride, and the training split's normalisation.

One path for every table: :func:`iter_predictions` (and :func:`predict_stream`, what
``tszoo predict`` runs, writing CSV as it goes) reads CSV and Parquet files a chunk of rows at
a time, so memory does not grow with the file; with ``chunk_rows=0`` the whole file, read as
:func:`~tszoo.data.tables.load_table` reads it, is the one piece. The windows are predicted
in batches of ``batch_size`` consecutive windows, the same batches whichever chunk a window
comes from, so a model whose arithmetic depends on the batch (BLAS, convolutions) still
gives the same numbers. The CSV text is the same too, except that pandas writes a column of
dates with as many digits after the seconds as its finest value needs, and the chunked path
writes a batch at a time: the same instants, padded per batch rather than per file (a file
read whole comes as one table).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd

from tszoo.data.containers import CaseDataset, NanPolicy
from tszoo.data.loading import load_data
from tszoo.data.preprocessing import Normalizer
from tszoo.data.streaming import DEFAULT_CHUNK_ROWS, open_table
from tszoo.data.windows import Windows, check_window, stream_windows
from tszoo.errors import TszooError
from tszoo.io import atomic_file
from tszoo.models.persistence import META, load_model
from tszoo.runs import RunLayout

logger = logging.getLogger(__name__)

# Windows predicted at a time. MultiRocket-Hydra turns each window into ~50,000 float64
# features and copies them while scaling, so its batches take ~0.6 MB a window: measured
# peak RSS of `tszoo predict` on 8 x 50 windows is 1.47 GB at 1024, 1.05 GB at 512 and
# 0.85 GB at 256 (10 % slower than 512); 4096 would pass 3 GB.
BATCH_SIZE = 4096
MODEL_BATCH_SIZE = {"MultiRocketHydraClassifier": 256}


def find_model_dir(path: str | Path) -> Path:
    """A model directory itself, or the one model of a ``train`` / ``compare`` run."""
    path = Path(path)
    if (path / META).is_file():
        return path
    layout = RunLayout(path)
    found = layout.saved_models()
    if len(found) == 1 or (found and found[0] == layout.train_model):
        return found[0]
    if found:
        names = ", ".join(p.name for p in found)
        raise TszooError(f"{path} holds {len(found)} models ({names}); pass one, e.g. {found[0]}")
    raise TszooError(
        f"{path}: no saved model here (no {META}, {layout.train_model.name}/ or "
        f"{layout.models.name}/); "
        "pass a model directory or the run directory of `tszoo train`"
    )


def predict_stream(
    model_path: str | Path,
    data: str | Path,
    *,
    out: str | Path | TextIO | None = None,
    stride: int | None = None,
    time: str | None = None,
    group: str | None = None,
    nan: NanPolicy = "error",
    batch_size: int | None = None,
    chunk_rows: int | None = DEFAULT_CHUNK_ROWS,
    jobs: int | None = None,
) -> int:
    """Predict every window of ``data`` and write the rows as CSV as they come.

    The rows and columns of :func:`iter_predictions`, written to ``out``: a new CSV file, written
    under a temporary name beside it and moved into place once complete (an existing file
    is never replaced, and a failed run leaves no file), or a text stream (default: stdout).
    ``chunk_rows`` source rows are read at a time (CSV, Parquet); ``0`` or None reads the
    whole file at once; ``jobs``: see :func:`iter_predictions`.
    Returns the number of windows.
    """
    if isinstance(out, str | Path) and Path(out).exists():
        raise TszooError(f"{out} already exists; choose a new --out file")
    tables = iter_predictions(
        model_path,
        data,
        stride=stride,
        time=time,
        group=group,
        nan=nan,
        batch_size=batch_size,
        chunk_rows=chunk_rows,
        jobs=jobs,
    )
    n = 0
    with _csv_writer(sys.stdout if out is None else out) as write:
        for table in tables:
            write(table.to_csv(index=False, header=n == 0))
            n += len(table)
    return n


def iter_predictions(
    model_path: str | Path,
    data: str | Path,
    *,
    stride: int | None = None,
    time: str | None = None,
    group: str | None = None,
    nan: NanPolicy = "error",
    batch_size: int | None = None,
    chunk_rows: int | None = DEFAULT_CHUNK_ROWS,
    jobs: int | None = None,
) -> Iterator[pd.DataFrame]:
    """Yield the predictions in consecutive tables, one per batch of windows.

    Columns: ``recording, start_row, end_row`` (source-file rows, end exclusive), then
    ``start_time, end_time`` when the file has a time column, ``prediction`` and one
    ``proba_<class>`` per class.

    A CSV or Parquet file is read ``chunk_rows`` rows at a time (``0`` or None: whole, and
    the predictions come as one table); ready-made cases (``.ts``) are read whole and come as
    one piece. ``jobs`` sets the threads of models that take ``n_jobs`` (forest, Rocket,
    QUANT, the deep models; ``-1``: every core); None keeps the saved model's.
    """
    if chunk_rows is not None and (not _whole_number(chunk_rows) or chunk_rows < 0):
        raise TszooError(
            f"--chunk-rows {chunk_rows!r}: expected a number of rows, e.g. 1000000, "
            "or 0 to read the file whole"
        )
    model_dir = find_model_dir(model_path)
    model, meta = load_model(model_dir)
    _use_jobs(model, jobs)
    normalizer = Normalizer.from_dict(meta["normalisation"])
    batch_size = _batch_size(model, batch_size)
    if meta.get("window") is None:  # trained on ready-made cases: predict cases
        tables = [_predict_cases(model, normalizer, data, nan)]
    else:
        args = (stride, time, group, nan, batch_size, chunk_rows or 0)
        tables = (
            _add_predictions(table, model.classes_, model.predict_proba(normalizer.transform(X)))
            for X, table in _stream_batches(meta, data, *args)
        )
        if not chunk_rows:  # a file read whole comes as one table
            tables = [pd.concat(list(tables), ignore_index=True)]
    n = 0
    for table in tables:
        n += len(table)
        yield table
    logger.info("predicted %d windows of %s with %s", n, Path(data).name, model_dir)


def _use_jobs(model, jobs: int | None) -> None:
    if jobs is None:
        return
    if not _whole_number(jobs) or jobs == 0 or jobs < -1:
        raise TszooError(f"--jobs {jobs!r}: expected a number of threads, e.g. 4, or -1 for all")
    if "n_jobs" in model.get_params():
        model.set_params(n_jobs=jobs)


def _batch_size(model, batch_size: int | None) -> int:
    if batch_size is None:
        return MODEL_BATCH_SIZE.get(type(model).__name__, BATCH_SIZE)
    if not _whole_number(batch_size) or batch_size <= 0:
        raise TszooError(
            f"--batch-size {batch_size!r}: expected a positive number of windows, e.g. 1024"
        )
    return batch_size


def _whole_number(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _stream_batches(meta, data, stride, time, group, nan, batch_size, chunk_rows):
    """``(X, table)`` for every batch of windows of ``data``, read in chunks of rows (0:
    whole)."""
    window, stride = int(meta["window"]), int(stride or meta["stride"])
    check_window(window, stride)
    table = open_table(data, time=time, group=group, nan=nan, chunk_rows=chunk_rows)
    trained = _check_channels(Path(data).name, table.channels, list(meta["channels"]))
    windows = stream_windows(table.pieces(trained), window, stride)
    n = 0
    for batch in _aligned_batches(windows, batch_size):
        n += len(batch[1])
        yield batch
    if n == 0:
        raise _no_windows_error(data, window)


def _aligned_batches(
    windows: Iterable[Windows], batch_size: int
) -> Iterator[tuple[np.ndarray, pd.DataFrame]]:
    """Batches of ``batch_size`` consecutive windows (the last may be short), whichever
    piece each window comes from: ``X`` of shape (n, n_channels, window) and its rows."""
    xs, tables, n = [], [], 0
    for part in windows:
        table = _window_table(part)
        a = 0
        while a < len(part):
            b = min(a + batch_size - n, len(part))
            xs.append(part.to_numpy(slice(a, b)))
            tables.append(table.iloc[a:b])
            n, a = n + b - a, b
            if n == batch_size:
                yield _one_batch(xs, tables)
                xs, tables, n = [], [], 0
    if n:
        yield _one_batch(xs, tables)


def _one_batch(xs: list[np.ndarray], tables: list[pd.DataFrame]) -> tuple:
    X = xs[0] if len(xs) == 1 else np.concatenate(xs)
    return X, pd.concat(tables, ignore_index=True)


@contextmanager
def _csv_writer(out: str | Path | TextIO) -> Iterator[Callable[[str], object]]:
    """``write(text)`` into a text stream, or into a new file that appears only when done."""
    if not isinstance(out, str | Path):
        yield out.write
        out.flush()
        return
    with atomic_file(out, overwrite=False, exists_hint="choose a new --out file") as f:
        yield f.write


def _check_channels(where: str, found: list[str], trained: list[str]) -> list[str]:
    """The trained channels, once ``found`` (a file's channels) are known to be the same."""
    missing = [c for c in trained if c not in found]
    extra = [c for c in found if c not in trained]
    if missing:
        raise TszooError(
            f"{where}: channel '{missing[0]}' the model was trained on is missing "
            f"(trained on {', '.join(trained)}); add the column, or rename yours to match"
        )
    if extra:
        raise TszooError(
            f"{where}: channel '{extra[0]}' was not in training "
            f"(trained on {', '.join(trained)}); drop the column or rename it"
        )
    return trained


def _no_windows_error(data, window: int) -> TszooError:
    return TszooError(
        f"{Path(data).name}: every recording is shorter than the model's window "
        f"({window} rows); nothing to predict: pass recordings of at least {window} rows"
    )


def _window_table(windows: Windows) -> pd.DataFrame:
    """``recording, start_row, end_row[, start_time, end_time]`` of every window."""
    table = windows.provenance().drop(columns="label")
    time = windows.recordings.time
    if time is not None:
        table["start_time"] = time[windows.starts]
        table["end_time"] = time[windows.starts + windows.window - 1]
    return table


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
