"""Long-format tables (CSV, Parquet) -> :class:`~tszoo.data.containers.Recordings`.

Finding the label, time, recording and channel columns, reading them as numbers, cutting
the rows into recordings and applying the missing-value policy. Streaming prediction
(:mod:`tszoo.data.streaming`) uses the same column and value rules on chunks of rows.
"""

from __future__ import annotations

import itertools
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from tszoo.data.columns import (
    check_classes,
    check_finite,
    id_column,
    label_values,
    missing_labels,
    nothing_left_error,
    restart_id,
    table_arrays,
    table_columns,
    time_goes_back,
)
from tszoo.data.containers import NanPolicy, Recordings
from tszoo.data.table_files import read_table
from tszoo.errors import DataError

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
    split_by : str, optional
        The column whose values never straddle two splits (subject, machine, site): each
        recording holds one value of it, so its rows are cut into recordings by it too
        (and by ``group`` inside it), and ``Recordings.split_groups`` gives each one's.
    """
    path = Path(path)
    df, lines = read_table(path)
    where = f"{path.name}"
    df.columns = [str(c) for c in df.columns]
    cols = table_columns(
        where, df, label=label, time=time, channels=channels, group=group, labelled=labelled,
        split_by=split_by,
    )  # fmt: skip
    label_col, channel_cols = cols.label, cols.channels
    split_values = None
    if split_by is not None:
        split_values = id_column(where, df[split_by], split_by, lines, role="split-by")
        del df[split_by]
    values, time_values, groups = table_arrays(where, df, cols, lines, release=True)
    groups = _recording_key(groups, split_values)
    label_column = df[label_col] if labelled else None
    n_rows = len(df)
    del df  # the channels are in `values` now: let the table's columns go
    labels = label_values(label_column) if labelled else np.zeros(n_rows, dtype=np.int64)
    source_rows = np.arange(n_rows, dtype=np.int64)

    if labelled:
        missing_label = missing_labels(where, label_column, label_col, lines, nan)
    else:
        missing_label = np.zeros(n_rows, dtype=bool)
    del label_column

    # 1. recordings: by group, else where time goes backwards, else one
    if groups is not None:
        order = np.argsort(pd.factorize(groups)[0], kind="stable")
        if not np.array_equal(order, source_rows):
            values, labels, source_rows = values[order], labels[order], source_rows[order]
            missing_label = missing_label[order]
            groups = groups[order]
            split_values = None if split_values is None else split_values[order]
            time_values = None if time_values is None else time_values[order]
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        ids = [str(g) for g in groups[starts]]
        if time_values is not None and len(time_values) > 1:
            starts, ids = _time_restarts(where, starts, groups, time_values)
    elif time_values is not None and len(time_values) > 1:
        starts = np.r_[0, time_goes_back(time_values)]
        ids = [str(i) for i in range(len(starts))]
    else:
        starts = np.array([0])
        ids = ["0"]
    bounds = np.r_[starts, len(values)].astype(np.int64)
    breaks = np.zeros(0, dtype=np.int64)
    split_groups = None if split_values is None else [str(v) for v in split_values[starts]]

    # 2. missing values
    bad = ~np.isfinite(values)
    if nan == "interpolate":
        values = _interpolate(where, values, bounds, ids, channel_cols)
        bad[:] = False
    drop = bad.any(axis=1) | missing_label
    if drop.any():
        if nan == "error":
            check_finite(where, bad, channel_cols, source_rows, lines)
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
        values, labels, source_rows = values[keep], labels[keep], source_rows[keep]
        time_values = None if time_values is None else time_values[keep]

    recordings = Recordings(
        values=np.ascontiguousarray(values),
        labels=labels,
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
    logger.info(
        "%s: %d rows, %d channels, %d recordings, %d classes",
        where,
        recordings.n_rows,
        len(channel_cols),
        recordings.n_recordings,
        len(recordings.classes),
    )
    return recordings


def _recording_key(groups: np.ndarray | None, split_values: np.ndarray | None):
    """What cuts rows into recordings: the group, the split-group, or both.

    A group id that appears under two split-groups (session ``s1`` of every subject, say)
    names two recordings, ``<split-group>/<group>``; otherwise the group id alone.
    """
    if split_values is None:
        return groups
    if groups is None:
        return split_values
    pairs = pd.DataFrame({"s": split_values, "g": groups}).drop_duplicates()
    if not pairs["g"].duplicated().any():
        return groups
    return np.char.add(np.char.add(split_values.astype(str), "/"), groups.astype(str))


def _time_restarts(
    where: str, group_starts: np.ndarray, groups: np.ndarray, time: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """Recording starts and ids when time goes back inside a group: each backward step
    starts a new recording (``<group>#2``, ...), so no window spans the reset."""
    back = np.setdiff1d(time_goes_back(time), group_starts)
    if len(back) == 0:
        return group_starts, [str(g) for g in groups[group_starts]]
    starts = np.union1d(group_starts, back)
    is_group_start = np.isin(starts, group_starts)
    ids, k = [], 0
    for start, new_group in zip(starts, is_group_start, strict=True):
        k = 1 if new_group else k + 1
        ids.append(restart_id(str(groups[start]), k))
    logger.info(
        "%s: time goes back %d times inside groups; each time starts a new recording (%s)",
        where, len(back), ids[int(np.flatnonzero(~is_group_start)[0])],
    )  # fmt: skip
    return starts, ids


def _interpolate(
    where: str, values: np.ndarray, bounds: np.ndarray, ids: list[str], channels: list[str]
) -> np.ndarray:
    values = values.copy()
    values[~np.isfinite(values)] = np.nan
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        block = values[a:b]
        if not np.isnan(block).any():
            continue
        check_interpolable(where, block, ids[i], channels)
        values[a:b] = interpolate_gaps(block)
    return values


def interpolate_gaps(block: np.ndarray) -> np.ndarray:
    """Fill the NaNs of each column of ``block`` (rows of one recording) linearly between
    its neighbours; leading and trailing NaNs take the nearest value."""
    return pd.DataFrame(block).interpolate(limit_direction="both").to_numpy()


def check_interpolable(where: str, block: np.ndarray, rec_id: str, channels: list[str]) -> None:
    """Refuse a channel with no value at all in a recording: nothing to interpolate from."""
    empty = np.isnan(block).all(axis=0)
    if empty.any():
        raise DataError(
            f"{where}: channel '{channels[int(np.flatnonzero(empty)[0])]}' has no values "
            f"in recording '{rec_id}' to interpolate from; use --nan drop"
        )
