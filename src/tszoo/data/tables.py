"""Long-format tables (CSV, Parquet) -> :class:`~tszoo.data.containers.Recordings`.

The rows come from :class:`~tszoo.data.reader.TableReader`, chunk by chunk, as numbers
(labels and recording ids as codes); here they are put together and each group's rows
gathered, wherever they are in the file. Cutting them into recordings and applying the
missing-value policy is left to the rules of :mod:`tszoo.data.chunks`, fed the whole table
as one chunk: streaming prediction (:mod:`tszoo.data.streaming`) feeds the same rules the
reader's chunks as they come, so the two read every file alike.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from tszoo.data.chunks import MissingValues, RecordingSplitter, Rows
from tszoo.data.columns import check_classes
from tszoo.data.containers import NanPolicy, Recordings
from tszoo.data.reader import DEFAULT_CHUNK_ROWS, Codes, TableChunk, TableReader
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
    reader = TableReader(
        Path(path),
        label=label,
        time=time,
        channels=channels,
        group=group,
        nan=nan,
        labelled=labelled,
        chunk_rows=chunk_rows,
        split_by=split_by,
    )
    return read_whole(reader)


def read_whole(reader: TableReader) -> Recordings:
    """All the rows of ``reader``'s table as :class:`Recordings` (see :func:`load_table`).

    The chunks are put together and each group's rows gathered, wherever they are in the
    file; then the rules of :mod:`tszoo.data.chunks` cut the rows into recordings and apply
    the missing-value policy, fed the whole table as one chunk (so counts in their messages
    cover the whole file).
    """
    where, columns = reader.where, reader.columns
    table = reader.whole()
    lines, table.lines = table.lines, None  # for messages, by source row
    classes = None
    if reader.labelled:
        classes, table.labels = _sorted_classes(reader.labels, table.labels)
        table.labels = table.labels.astype(code_dtype(len(classes)))  # -1 (missing) fits
    table.groups, names = _recording_keys(reader, table.groups, table.split_groups)
    release_unused_memory()
    source_rows = _gather_groups(table)

    ids: dict[int, str] = {}  # recording number -> id
    splitter = RecordingSplitter(where, columns.group)
    runs = splitter.split(table, names, ids)
    rows = Rows(table.values, source_rows, table.time, table.labels, *runs)
    if splitter.n_restarts:
        logger.info(
            "%s: time goes back %d times inside groups; each time starts a new recording (%s)",
            where, splitter.n_restarts, splitter.first_restart,
        )  # fmt: skip
    split_of = None if table.split_groups is None else table.split_groups[rows.bounds[:-1]]
    del table, source_rows  # the rows hold them: dropping rows lets go of the old arrays
    cleaner = MissingValues(where, columns.channels, reader.nan, ids)
    rows = cleaner.clean(rows, True, lines, 0, "in all")
    cleaner.finish()

    labels = Recordings.unlabelled(len(rows))
    if reader.labelled:
        classes, codes = _classes_left(classes, rows.codes)
        labels = {"codes": codes, "classes": classes}
    split_groups = None
    if split_of is not None:
        names = reader.split_groups.values
        split_groups = [str(v) for v in names[split_of[rows.recordings]]]
    recordings = Recordings(
        values=np.ascontiguousarray(rows.values),
        **labels,
        bounds=rows.bounds,
        ids=[ids[r] for r in rows.recordings],
        channels=columns.channels,
        source_rows=rows.source_rows,
        time=rows.time,
        source=str(reader.path),
        breaks=rows.breaks,
        split_groups=split_groups,
        split_by=columns.split_by,
    )
    if reader.labelled:
        check_classes(where, recordings.classes, columns.label)
    release_unused_memory()  # the copies made while dropping and regrouping rows
    logger.info(
        "%s: %d rows, %d channels, %d recordings, %d classes",
        where,
        recordings.n_rows,
        len(columns.channels),
        recordings.n_recordings,
        len(recordings.classes),
    )
    return recordings


def _gather_groups(table: TableChunk) -> np.ndarray:
    """Put the rows of each group together, in place (the groups in order of first sight,
    each one's rows in file order); return the source row of every row."""
    n_rows = len(table)
    source_rows = np.arange(n_rows, dtype=row_dtype(n_rows))
    groups = table.groups
    if groups is None or not (np.diff(groups) < 0).any():  # codes number groups in order
        return source_rows  # of first sight: none comes back
    order = np.argsort(groups, kind="stable")
    for name in ("values", "time", "groups", "labels", "split_groups"):
        column = getattr(table, name)
        if column is not None:
            setattr(table, name, column[order])
    return source_rows[order]


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
