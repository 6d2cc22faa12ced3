"""Long-format tables (CSV, Parquet) -> :class:`~tszoo.data.containers.Recordings`.

The rows come from :class:`~tszoo.data.reader.TableReader`, chunk by chunk, as numbers
(labels and recording ids as codes); here they are put together, cut into recordings and
the missing-value policy applied. Streaming prediction (:mod:`tszoo.data.streaming`) hands
the same reader's chunks on as they come.
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from tszoo.data.chunks import check_interpolable, interpolate_gaps, rows_not_finite
from tszoo.data.columns import (
    check_classes,
    check_finite,
    nothing_left_error,
    restart_id,
    time_goes_back,
)
from tszoo.data.containers import NanPolicy, Recordings
from tszoo.data.reader import DEFAULT_CHUNK_ROWS, Codes, TableReader
from tszoo.memory import release_unused_memory

logger = logging.getLogger(__name__)


def load_table(
    path: str | Path,
    *,
    label: str | None = None,
    time: str | None = None,
    channels: list[str] | None = None,
    group: str | None = None,
    nan: NanPolicy = "error",
    labelled: bool = True,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    split_by: str | None = None,
) -> Recordings:
    """Load a long-format CSV or Parquet table into :class:`Recordings`.

    Parameters
    ----------
    path : str or Path
        A ``.csv``/``.tsv`` or ``.parquet`` file with one row per time step.
    label : str, optional
        Label column; default: the one column named label, target or class (any case).
    time : str, optional
        Time column; default: a column named time or timestamp (any case), if present.
    channels : list of str, optional
        Channel columns; default: every other numeric column.
    group : str, optional
        Recording id column. Inside a group, and without one, a new recording starts
        wherever time goes backwards (a group's later recordings are ``<group>#2``, ...);
        without a group or a time column, the file is one recording.
    nan : {"error", "drop", "interpolate"}
        What to do with missing or infinite channel values. Windows never span dropped rows.
    labelled : bool
        False for data to predict: a label column is optional, kept out of the channels
        and otherwise ignored (every row gets the label 0).
    chunk_rows : int
        Rows read at a time (see :class:`~tszoo.data.reader.TableReader`); the result does
        not depend on it, only the counts in some messages (they cover a chunk).
    split_by : str, optional
        The column whose values never straddle two splits (subject, machine, site): each
        recording holds one value of it, so its rows are cut into recordings by it too
        (and by ``group`` inside it), and ``Recordings.split_groups`` gives each one's.
    """
    path = Path(path)
    where = f"{path.name}"
    reader = TableReader(
        path,
        label=label,
        time=time,
        channels=channels,
        group=group,
        nan=nan,
        labelled=labelled,
        chunk_rows=chunk_rows,
        split_by=split_by,
    )
    label_col, channel_cols = reader.columns.label, reader.columns.channels
    table = reader.whole()
    values, time_values, lines = table.values, table.time, table.lines
    split_values = table.split_groups
    groups, names = _recording_keys(reader, table.groups, split_values)
    n_rows = len(values)
    if labelled:
        classes, codes = _sorted_classes(reader.labels, table.labels)
        codes = codes.astype(code_dtype(len(classes)))  # -1 (missing) fits every one
        missing_label = codes < 0
    else:
        classes, codes = np.array([0]), np.zeros(n_rows, dtype=np.int8)
        missing_label = np.zeros(n_rows, dtype=bool)
    del table
    release_unused_memory()
    source_rows = np.arange(n_rows, dtype=row_dtype(n_rows))

    # 1. recordings: by group, else where time goes backwards, else one
    if groups is not None:
        if (np.diff(groups) < 0).any():  # codes number groups in order of first sight
            order = np.argsort(groups, kind="stable")
            values, codes, source_rows = values[order], codes[order], source_rows[order]
            missing_label = missing_label[order]
            groups = groups[order]
            split_values = None if split_values is None else split_values[order]
            time_values = None if time_values is None else time_values[order]
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        ids = [str(g) for g in names[groups[starts]]]
        if time_values is not None and len(time_values) > 1:
            starts, ids = _time_restarts(where, starts, ids, time_values)
    elif time_values is not None and len(time_values) > 1:
        starts = np.r_[0, time_goes_back(time_values)]
        ids = [str(i) for i in range(len(starts))]
    else:
        starts = np.array([0])
        ids = ["0"]
    bounds = np.r_[starts, len(values)].astype(np.int64)
    breaks = np.zeros(0, dtype=np.int64)
    split_groups = None
    if split_values is not None:
        split_groups = [str(v) for v in reader.split_groups.values[split_values[starts]]]

    # 2. missing values
    bad_rows = rows_not_finite(values)
    if nan == "interpolate":
        _interpolate(where, values, bounds, ids, channel_cols)
        bad_rows[:] = False
    drop = bad_rows | missing_label
    if drop.any():
        if nan == "error":  # missing labels the reader has refused already
            idx = np.flatnonzero(bad_rows)
            check_finite(where, ~np.isfinite(values[idx]), channel_cols, source_rows[idx], lines)
        keep = ~drop
        if not keep.any():
            raise nothing_left_error(where, len(keep))
        logger.info("%s: dropped %d rows with missing values", where, int(drop.sum()))
        kept = np.flatnonzero(keep)
        breaks = np.flatnonzero(np.diff(kept) != 1) + 1
        new_bounds = np.r_[0, np.cumsum([keep[a:b].sum() for a, b in itertools.pairwise(bounds)])]
        nonempty = np.diff(new_bounds) > 0
        ids = [i for i, ok in zip(ids, nonempty) if ok]
        if split_groups is not None:
            split_groups = [g for g, ok in zip(split_groups, nonempty) if ok]
        bounds = np.r_[0, new_bounds[1:][nonempty]].astype(np.int64)
        values, codes, source_rows = values[keep], codes[keep], source_rows[keep]
        time_values = None if time_values is None else time_values[keep]
        classes, codes = _classes_left(classes, codes)

    recordings = Recordings(
        values=np.ascontiguousarray(values),
        codes=codes,
        classes=classes,
        bounds=bounds,
        ids=ids,
        channels=channel_cols,
        source_rows=source_rows,
        time=time_values,
        source=str(path),
        breaks=breaks.astype(np.int64),
        split_groups=split_groups,
        split_by=split_by,
    )
    if labelled:
        check_classes(where, recordings.classes, label_col)
    release_unused_memory()  # the copies made while dropping and regrouping rows
    logger.info(
        "%s: %d rows, %d channels, %d recordings, %d classes",
        where,
        recordings.n_rows,
        len(channel_cols),
        recordings.n_recordings,
        len(recordings.classes),
    )
    return recordings


def _recording_keys(
    reader: TableReader, groups: np.ndarray | None, split: np.ndarray | None
) -> tuple[np.ndarray | None, np.ndarray]:
    """What cuts rows into recordings, as codes in order of first sight, and its names: the
    group, the split-group, or both.

    A group id that appears under two split-groups (session ``s1`` of every subject, say)
    names two recordings, ``<split-group>/<group>``; otherwise the group id alone.
    """
    if split is None:
        return groups, reader.groups.values
    if groups is None:
        return split, reader.split_groups.values
    n_groups = len(reader.groups)
    codes, pairs = pd.factorize(split.astype(np.int64) * n_groups + groups)
    if len(pairs) == n_groups:  # every group under one split-group: its id names it
        return groups, reader.groups.values
    group_names, split_names = reader.groups.values, reader.split_groups.values
    names = [f"{split_names[p // n_groups]}/{group_names[p % n_groups]}" for p in pairs]
    return codes.astype(np.int32), np.asarray(names, dtype=object)


def code_dtype(n_classes: int) -> np.dtype:
    """The smallest signed integer type that numbers ``n_classes`` classes (and -1): one byte
    a row for up to 127 classes."""
    for dtype in (np.int8, np.int16):
        if n_classes <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.int32)


def row_dtype(n_rows: int) -> np.dtype:
    """int32 for the row numbers of a table of fewer than 2**31 rows, else int64."""
    return np.dtype(np.int32 if n_rows < np.iinfo(np.int32).max else np.int64)


def _sorted_classes(labels: Codes, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct labels sorted (as ``np.unique`` sorts them), and ``codes`` (in order of
    first sight; -1: missing) renumbered into them, in place."""
    names = labels.values
    order = np.argsort(names, kind="stable")
    rank = np.full(len(names) + 1, -1, dtype=np.int32)  # the last: code -1 stays -1
    rank[order] = np.arange(len(names), dtype=np.int32)
    np.take(rank, codes, out=codes)
    return names[order], codes


def _classes_left(classes: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Only the classes some row still has, once rows are dropped."""
    present = np.bincount(codes, minlength=len(classes)) > 0
    if present.all():
        return classes, codes
    rank = (np.cumsum(present) - 1).astype(codes.dtype)
    return classes[present], rank[codes]


def _time_restarts(
    where: str, group_starts: np.ndarray, group_ids: list[str], time: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """Recording starts and ids when time goes back inside a group: each backward step
    starts a new recording (``<group>#2``, ...), so no window spans the reset."""
    back = np.setdiff1d(time_goes_back(time), group_starts)
    if len(back) == 0:
        return group_starts, group_ids
    starts = np.union1d(group_starts, back)
    is_group_start = np.isin(starts, group_starts)
    group_of = np.searchsorted(group_starts, starts, side="right") - 1
    ids, k = [], 0
    for g, new_group in zip(group_of, is_group_start, strict=True):
        k = 1 if new_group else k + 1
        ids.append(restart_id(group_ids[g], k))
    logger.info(
        "%s: time goes back %d times inside groups; each time starts a new recording (%s)",
        where, len(back), ids[int(np.flatnonzero(~is_group_start)[0])],
    )  # fmt: skip
    return starts, ids


def _interpolate(
    where: str, values: np.ndarray, bounds: np.ndarray, ids: list[str], channels: list[str]
) -> None:
    """Fill the missing or infinite values of each recording, in place."""
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        block = values[a:b]
        bad = ~np.isfinite(block)
        if not bad.any():
            continue
        block[bad] = np.nan
        check_interpolable(where, block, ids[i], channels)
        values[a:b] = interpolate_gaps(block)
