"""The one table reader: a CSV or Parquet file as consecutive chunks of rows, each already
numbers: float32 channels, time values, and the label and recording id of every row as codes.

:func:`~tszoo.data.tables.load_table` puts the chunks of a file together (loading a whole
file is the concatenation of its chunks), and :mod:`tszoo.data.streaming` hands them on to
prediction as they come, so the two read every file alike: the same columns, numbers and
messages. Text labels and ids never become one Python string per row: each chunk's distinct
values are numbered, and :class:`Codes` numbers them across chunks in order of first sight.

The channel columns are found in the first chunk, and a CSV column's type is judged by pandas
chunk by chunk: a column that is numbers in one chunk and text in another reads as it would
in one chunk only when its values parse the same way. Counts in messages about labels and
ids cover the chunk that holds the problem (``in rows A-B``), or ``in all`` for a file of
one chunk.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tszoo.data.columns import (
    TableColumns,
    id_codes,
    label_codes,
    missing_labels,
    table_arrays,
    table_columns,
)
from tszoo.data.containers import NanPolicy
from tszoo.data.table_files import Chunk, check_table_file, no_rows_error, raw_chunks, table_rows
from tszoo.errors import DataError

DEFAULT_CHUNK_ROWS = 250_000  # rows read at a time: 8 MB of 8 float32 channels


class Codes:
    """Distinct values of a label or id column across chunks, numbered in order of first sight."""

    def __init__(self) -> None:
        self._seen: dict = {}

    def __len__(self) -> int:
        return len(self._seen)

    def add(self, codes: np.ndarray, uniques: np.ndarray) -> np.ndarray:
        """The chunk's ``codes`` into its ``uniques`` (-1: none) as codes across chunks (int32)."""
        present = np.bincount(codes[codes >= 0], minlength=len(uniques)) > 0
        numbers = np.full(len(uniques) + 1, -1, dtype=np.int32)  # the last: code -1
        for k in np.flatnonzero(present):
            numbers[k] = self._seen.setdefault(uniques[k].item(), len(self._seen))
        return numbers[codes]

    @property
    def values(self) -> np.ndarray:
        """The distinct values in order of first sight (Python values back into one array)."""
        return np.array(list(self._seen)) if self._seen else np.array([], dtype=np.int64)


@dataclass
class TableChunk:
    """Consecutive rows of a table as numbers: the source row of the first, the file line of
    each (text files), channels ``(n_rows, n_channels)`` float32, time values, and per row the
    code of its recording id (:attr:`TableReader.groups`), of its split-group
    (:attr:`TableReader.split_groups`) and of its label (:attr:`TableReader.labels`; -1 where
    the label is missing); ``last``: no rows follow."""

    first: int
    lines: np.ndarray | None
    values: np.ndarray
    time: np.ndarray | None
    groups: np.ndarray | None
    labels: np.ndarray | None
    split_groups: np.ndarray | None = None
    last: bool = False

    def __len__(self) -> int:
        return len(self.values)


class TableReader:
    """A CSV or Parquet table read ``chunk_rows`` rows at a time.

    The file is checked and its columns are found (as :func:`~tszoo.data.columns.table_columns`
    finds them) from its first chunk that holds rows, here; :meth:`chunks` then reads the
    rows, once. The options mean what they mean for :func:`~tszoo.data.tables.load_table`.

    Attributes
    ----------
    columns : TableColumns
        The label, time, group and channel columns.
    n_rows : int or None
        Data rows in the file where its metadata says (Parquet), else None.
    groups, split_groups, labels : Codes
        The recording ids, split-groups and labels seen so far, numbered as in the chunks'
        codes.
    """

    def __init__(
        self,
        path: Path,
        *,
        label: str | None = None,
        time: str | None = None,
        channels: list[str] | None = None,
        group: str | None = None,
        nan: NanPolicy = "error",
        labelled: bool = True,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        split_by: str | None = None,
    ):
        if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows <= 0:
            raise DataError(f"chunk_rows={chunk_rows!r} must be a positive number of rows")
        self.path, self.where, self.nan, self.labelled = path, path.name, nan, labelled
        check_table_file(path)
        self.n_rows = table_rows(path)
        self._raw = raw_chunks(path, chunk_rows)
        # the columns come from the first chunk that holds rows; chunks() starts with it
        self._head: list[Chunk] = []
        for chunk in self._raw:
            self._head.append(chunk)
            if len(chunk.df):
                break
        if not self._head or not len(self._head[-1].df):
            raise no_rows_error(path)
        self.columns: TableColumns = table_columns(
            self.where,
            self._head[-1].df,
            label=label,
            time=time,
            channels=channels,
            group=group,
            labelled=labelled,
            split_by=split_by,
        )
        self.groups, self.split_groups, self.labels = Codes(), Codes(), Codes()

    def chunks(self) -> Iterator[TableChunk]:
        """Yield the rows as consecutive :class:`TableChunk` (chunks without rows left out)."""
        pending = None  # one chunk read ahead, so a chunk knows whether it is the last
        for raw in self._all_raw():
            if not len(raw.df):
                continue
            if pending is not None:
                yield self._numbers(pending, last=False)
            pending = raw
        if pending is not None:
            yield self._numbers(pending, last=True)

    def _all_raw(self) -> Iterator[Chunk]:
        while self._head:  # let go of each chunk once read
            yield self._head.pop(0)
        yield from self._raw

    def _numbers(self, chunk: Chunk, last: bool) -> TableChunk:
        where, cols, df, lines, first = self.where, self.columns, chunk.df, chunk.lines, chunk.first
        # counts in messages cover the chunk, or the file when it is all of it
        scope = "in all" if last and first == 0 else f"in rows {first}-{first + len(df) - 1}"
        values, time_values = table_arrays(where, df, cols, lines, first)
        groups = split_groups = None
        if cols.group is not None:
            codes, uniques = id_codes(where, df[cols.group], cols.group, lines, first, scope)
            groups = self.groups.add(codes, uniques)
        if cols.split_by is not None:
            col = df[cols.split_by]
            codes, uniques = id_codes(where, col, cols.split_by, lines, first, scope, "split-by")
            split_groups = self.split_groups.add(codes, uniques)
        labels = None
        if self.labelled:
            col = df[cols.label]
            missing = missing_labels(where, col, cols.label, lines, self.nan, first, scope)
            codes, uniques = label_codes(col)
            codes[missing] = -1
            labels = self.labels.add(codes, uniques)
        return TableChunk(first, lines, values, time_values, groups, labels, split_groups, last)

    def whole(self) -> TableChunk:
        """All the rows as one chunk: the chunks put together, into arrays of the file's
        size where its metadata tells it, so that no rows are held twice."""
        fields = ("lines", "values", "time", "groups", "labels", "split_groups")
        stacks = {name: _Stack(self.n_rows) for name in fields}
        for chunk in self.chunks():
            for name, stack in stacks.items():
                stack.append(getattr(chunk, name))
        return TableChunk(0, *(stacks[name].result() for name in fields), last=True)


class _Stack:
    """Arrays appended one after the other, into one array of ``n_rows`` rows when it is
    known (the rest, if any, is put together at the end)."""

    def __init__(self, n_rows: int | None):
        self.n_rows, self.filled = n_rows, 0
        self.out: np.ndarray | None = None
        self.parts: list[np.ndarray] = []

    def append(self, part: np.ndarray | None) -> None:
        if part is None:
            return
        if self.out is None and self.n_rows is not None and not self.parts:
            self.out = np.empty((self.n_rows, *part.shape[1:]), dtype=part.dtype)
        end = self.filled + len(part)
        if not self.parts and self.out is not None and end <= len(self.out):
            if part.dtype == self.out.dtype:
                self.out[self.filled : end] = part
                self.filled = end
                return
        self.parts.append(part)

    def result(self) -> np.ndarray | None:
        if self.out is None:
            return np.concatenate(self.parts) if self.parts else None
        if not self.parts and self.filled == len(self.out):
            return self.out
        return np.concatenate([self.out[: self.filled], *self.parts])
