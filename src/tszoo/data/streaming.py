"""Read a long table a chunk of rows at a time, and cut its windows as if it were read whole.

:func:`open_table` reads a CSV or Parquet file with the rules of
:func:`~tszoo.data.loading.load_table` (the same columns, numbers, recordings, missing-value
policies, source-row numbers and messages, through the same helpers) and hands the rows out
as consecutive pieces, each a :class:`~tszoo.data.loading.Recordings` of about ``chunk_rows``
rows. :func:`stream_windows` cuts each piece into windows and carries to the next piece the
rows of the last recording from its next window start on (fewer than a window), so the
windows are exactly those :func:`~tszoo.data.windows.make_windows` cuts from the whole file,
in the same order. Memory depends on ``chunk_rows``, not on the length of the file.

Where reading in pieces differs from reading whole:

- A recording's rows must be together: a ``group`` value that comes back after another
  recording is an error (reading whole gathers its rows wherever they are).
- A problem in the data is reported when the chunk that holds it is read, so the first
  problem in file order is the one named, and counts in messages cover that chunk.
- A CSV column's type is judged by pandas chunk by chunk, and channel columns are found in
  the first chunk; a column that is numbers in one chunk and text in another is read as it
  would be whole only when its values parse the same way.
- With ``nan="interpolate"``, rows are held back until the next value of every channel is
  known, so a long run of missing values holds that many rows in memory.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from tszoo.data.loading import (
    CSV_OPTIONS,
    NanPolicy,
    Recordings,
    TableColumns,
    _table_kind,
    check_csv_header,
    check_finite,
    check_interpolable,
    check_table_file,
    csv_errors,
    csv_separator,
    drop_blank_rows,
    interpolate_gaps,
    no_rows_error,
    nothing_left_error,
    parquet_errors,
    table_arrays,
    table_columns,
)
from tszoo.data.windows import Windows, check_window, contiguous_segments, make_windows
from tszoo.errors import DataError

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_ROWS = 250_000  # rows read at a time: ~20 MB of 8 float32 channels


@dataclass
class _Chunk:
    """Raw rows of the file: a DataFrame, the file line of each row (text files) and the
    source row of the first one."""

    df: pd.DataFrame
    lines: np.ndarray | None
    first: int


@dataclass
class _Rows:
    """Consecutive rows on their way to windows: values in the file's channel order, their
    source rows, time values, and the running number of the recording of each row."""

    values: np.ndarray  # (n_rows, n_channels) float32
    source_rows: np.ndarray  # (n_rows,) int64
    time: np.ndarray | None  # (n_rows,)
    recording: np.ndarray  # (n_rows,) int64

    def __len__(self) -> int:
        return len(self.values)

    def take(self, idx: slice | np.ndarray) -> _Rows:
        time = None if self.time is None else self.time[idx]
        return _Rows(self.values[idx], self.source_rows[idx], time, self.recording[idx])

    @staticmethod
    def join(parts: list[_Rows]) -> _Rows:
        parts = [p for p in parts if len(p)] or parts[:1]
        if len(parts) == 1:
            return parts[0]
        time = None if parts[0].time is None else np.concatenate([p.time for p in parts])
        return _Rows(
            np.concatenate([p.values for p in parts]),
            np.concatenate([p.source_rows for p in parts]),
            time,
            np.concatenate([p.recording for p in parts]),
        )


def open_table(
    path: str | Path,
    *,
    time: str | None = None,
    group: str | None = None,
    nan: NanPolicy = "error",
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> TableStream:
    """Open a CSV or Parquet table of unlabelled recordings to read in chunks of rows.

    The options mean what they mean for :func:`~tszoo.data.loading.load_table` (with
    ``labelled=False``). The file is checked and its columns are found here, from its first
    chunk; :meth:`TableStream.pieces` then reads the rows.
    """
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows <= 0:
        raise DataError(f"chunk_rows={chunk_rows!r} must be a positive number of rows")
    return TableStream(Path(path), time=time, group=group, nan=nan, chunk_rows=chunk_rows)


class TableStream:
    """A table read a chunk of rows at a time; see :func:`open_table`.

    Attributes
    ----------
    columns : TableColumns
        The time, group and channel columns, found as :func:`load_table` finds them.
    n_rows, n_dropped : int
        Source rows read, and rows dropped for missing values, so far.
    """

    def __init__(
        self, path: Path, *, time: str | None, group: str | None, nan: NanPolicy, chunk_rows: int
    ):
        self.path, self.where = path, path.name
        self.nan, self.chunk_rows = nan, chunk_rows
        check_table_file(path)
        self._chunks = self._read_chunks()
        # the columns come from the first chunk that holds rows; pieces() starts with it
        self._head: list[_Chunk] = []
        for chunk in self._chunks:
            self._head.append(chunk)
            if len(chunk.df):
                break
        if not self._head or not len(self._head[-1].df):
            raise no_rows_error(path)
        self.columns: TableColumns = table_columns(
            self.where,
            self._head[-1].df,
            label=None,
            time=time,
            channels=None,
            group=group,
            labelled=False,
        )
        self.n_rows = self.n_dropped = 0

    @property
    def channels(self) -> list[str]:
        return self.columns.channels

    def pieces(self, channels: list[str] | None = None) -> Iterator[Recordings]:
        """Yield the rows as consecutive :class:`Recordings` pieces (read once).

        ``channels`` orders (and must name exactly) the channel columns; default: file order.
        A recording can span pieces: consecutive pieces continue a recording when the next
        piece's first id is the last id of the one before and no row between them was
        dropped (``0 in piece.breaks`` otherwise).
        """
        order = None
        if channels is not None:
            if sorted(channels) != sorted(self.channels):
                raise DataError(
                    f"{self.where}: channels {', '.join(channels)} asked for, but the file's "
                    f"are {', '.join(self.channels)}"
                )
            order = [self.channels.index(c) for c in channels]
        splitter = _RecordingSplitter(self.where, self.columns.group)
        ids: dict[int, str] = {}  # recording number -> id, for recordings not handed out yet
        filler = _GapFiller(self.where, self.channels, ids) if self.nan == "interpolate" else None
        last_source_row = -2
        for chunk in self._all_chunks():
            if not len(chunk.df):
                continue
            rows = self._clean(self._rows(chunk, splitter, ids), chunk, filler)
            if len(rows):
                yield self._piece(rows, ids, order, last_source_row, channels)
                last_source_row = int(rows.source_rows[-1])
        rows = filler.finish() if filler is not None else None
        if rows is not None and len(rows):
            yield self._piece(rows, ids, order, last_source_row, channels)
        if self.n_rows == 0:
            raise no_rows_error(self.path)
        if self.n_rows == self.n_dropped:
            raise nothing_left_error(self.where, self.n_rows)
        if self.n_dropped:
            logger.info("%s: dropped %d rows with missing values", self.where, self.n_dropped)
        logger.info(
            "%s: %d rows, %d channels, %d recordings",
            self.where,
            self.n_rows,
            len(self.channels),
            splitter.n_recordings,
        )

    # -- steps -------------------------------------------------------------------------

    def _all_chunks(self) -> Iterator[_Chunk]:
        while self._head:  # let go of each chunk once read
            yield self._head.pop(0)
        yield from self._chunks

    def _read_chunks(self) -> Iterator[_Chunk]:
        path, first = self.path, 0
        if _table_kind(path) == "parquet":
            import pyarrow.parquet as pq

            # pre_buffer=False: with pyarrow's default, every row group read stays cached
            # until the file is closed (+30 MB a million rows of 8 float32 channels)
            with parquet_errors(path):
                parquet = pq.ParquetFile(path, pre_buffer=False)
                batches = parquet.iter_batches(batch_size=self.chunk_rows)
            while True:
                with parquet_errors(path):
                    batch = next(batches, None)
                    if batch is None:
                        return
                    df = batch.to_pandas()
                df.columns = [str(c) for c in df.columns]
                yield _Chunk(df, None, first)
                first += len(df)
        sep = csv_separator(path)
        with csv_errors(path, sep):
            reader = pd.read_csv(path, sep=sep, chunksize=self.chunk_rows, **CSV_OPTIONS)
        with reader:
            while True:
                with csv_errors(path, sep):
                    df = next(reader, None)
                if df is None:
                    return
                if first == 0:
                    check_csv_header(path, df, sep)
                line = int(df.index[0]) + 2 if len(df) else 2  # index counts data lines
                df, lines = drop_blank_rows(df, first_line=line)
                df.columns = [str(c) for c in df.columns]
                yield _Chunk(df, lines, first)
                first += len(df)

    def _rows(self, chunk: _Chunk, splitter: _RecordingSplitter, ids: dict[int, str]) -> _Rows:
        """1. the chunk's channels, time and recording of every row, as load_table reads them."""
        values, time_values, groups = table_arrays(
            self.where, chunk.df, self.columns, chunk.lines, chunk.first
        )
        source_rows = np.arange(chunk.first, chunk.first + len(values), dtype=np.int64)
        recording = splitter.split(time_values, groups, chunk, ids)
        self.n_rows += len(values)
        return _Rows(values, source_rows, time_values, recording)

    def _clean(self, rows: _Rows, chunk: _Chunk, filler: _GapFiller | None) -> _Rows:
        """2. missing values: refused, dropped, or interpolated inside each recording."""
        if filler is not None:
            return filler.push(rows)
        bad = ~np.isfinite(rows.values)
        if self.nan == "error":
            last = chunk.first + len(rows) - 1
            check_finite(
                self.where,
                bad,
                self.channels,
                rows.source_rows,
                chunk.lines,
                chunk.first,
                scope=f"in rows {chunk.first}-{last}",
            )
            return rows
        keep = ~bad.any(axis=1)
        self.n_dropped += int((~keep).sum())
        return rows if keep.all() else rows.take(keep)

    def _piece(
        self,
        rows: _Rows,
        ids: dict[int, str],
        order: list[int] | None,
        last_source_row: int,
        channels: list[str] | None,
    ) -> Recordings:
        """3. rows -> Recordings: one bound per recording, a break wherever rows were dropped."""
        rec = rows.recording
        starts = np.flatnonzero(np.r_[True, rec[1:] != rec[:-1]])
        src = rows.source_rows
        breaks = np.flatnonzero(np.diff(np.r_[last_source_row, src]) != 1)
        values = rows.values if order is None else rows.values[:, order]
        piece = Recordings(
            values=np.ascontiguousarray(values, dtype=np.float32),
            labels=np.zeros(len(rows), dtype=np.int64),
            bounds=np.r_[starts, len(rows)].astype(np.int64),
            ids=[ids[int(r)] for r in rec[starts]],
            channels=list(channels or self.channels),
            source_rows=src,
            time=rows.time,
            source=str(self.path),
            breaks=breaks.astype(np.int64),
        )
        for r in [r for r in ids if r < rec[-1]]:  # ids of recordings already handed out
            del ids[r]
        return piece


class _RecordingSplitter:
    """Where recordings start, row by row across chunks: where the group id changes, else
    where time goes backwards, else nowhere (the file is one recording)."""

    def __init__(self, where: str, group: str | None):
        self.where, self.group = where, group
        self.n_recordings = 0
        self._last_group: str | None = None
        self._finished: set[str] = set()
        self._last_time: float | None = None

    def split(
        self,
        time: np.ndarray | None,
        groups: np.ndarray | None,
        chunk: _Chunk,
        ids: dict[int, str],
    ) -> np.ndarray:
        """Running recording number of every row of the chunk; new ids go into ``ids``."""
        n = len(chunk.df)
        if groups is not None:
            starts = self._group_starts(groups, chunk)
            new_ids = [str(g) for g in groups[starts]]
        elif time is not None:
            starts = self._time_starts(time)
            new_ids = None
        else:
            starts = np.array([0]) if self.n_recordings == 0 else np.array([], dtype=np.int64)
            new_ids = None
        first = self.n_recordings - 1  # the recording the chunk's first row continues
        for k in range(len(starts)):
            ids[self.n_recordings + k] = new_ids[k] if new_ids else str(self.n_recordings + k)
        self.n_recordings += len(starts)
        counts = np.diff(np.r_[0, starts, n])
        return np.repeat(np.arange(first, first + len(counts), dtype=np.int64), counts)

    def _group_starts(self, groups: np.ndarray, chunk: _Chunk) -> np.ndarray:
        change = np.r_[groups[0] != self._last_group, groups[1:] != groups[:-1]]
        starts = np.flatnonzero(change)
        for i in starts:
            gid = str(groups[i])
            if self._last_group is not None:
                self._finished.add(self._last_group)
            if gid in self._finished:
                line = "" if chunk.lines is None else f" (line {chunk.lines[i]})"
                raise DataError(
                    f"{self.where}: recording '{gid}' of group column '{self.group}' comes back "
                    f"at row {chunk.first + i}{line} after other recordings; reading in chunks "
                    f"needs each recording's rows together: sort the rows by '{self.group}', or "
                    "read the whole file at once (--chunk-rows 0)"
                )
            self._last_group = gid
        return starts

    def _time_starts(self, time: np.ndarray) -> np.ndarray:
        # as load_table compares: time as float64; dates in one unit, whatever the chunk's
        t = time.astype("datetime64[ns]") if time.dtype.kind == "M" else time
        t = t.astype("float64")
        if self._last_time is None:
            starts = np.r_[0, np.flatnonzero(np.diff(t) < 0) + 1]
        else:
            starts = np.flatnonzero(np.diff(np.r_[self._last_time, t]) < 0)
        self._last_time = float(t[-1])
        return starts


class _GapFiller:
    """``nan="interpolate"`` across chunks: the rows of the open recording are held from the
    last value of each channel on, and handed out once no later row can change them.

    Interpolation is linear between a gap's neighbours, by position, so it gives the same
    numbers on any stretch of rows that holds both neighbours.
    """

    def __init__(self, where: str, channels: list[str], ids: dict[int, str]):
        self.where, self.channels, self.ids = where, channels, ids
        self._buf: _Rows | None = None  # the open recording's rows, raw (NaN where missing)
        self._done = 0  # rows of _buf already handed out

    def push(self, rows: _Rows) -> _Rows:
        """Take the next rows (NaN or inf where missing); return those now final."""
        rows.values[~np.isfinite(rows.values)] = np.nan
        out = []
        rec = rows.recording
        starts = np.flatnonzero(np.r_[True, rec[1:] != rec[:-1]])
        for a, b in itertools.pairwise(np.r_[starts, len(rows)]):
            run = rows.take(slice(a, b))
            if self._buf is not None and self._buf.recording[0] != run.recording[0]:
                out.append(self._finish_recording())
            self._buf = run if self._buf is None else _Rows.join([self._buf, run])
        out.append(self._release())
        return _Rows.join(out)

    def finish(self) -> _Rows | None:
        """The rest of the last recording, at the end of the file."""
        return None if self._buf is None else self._finish_recording()

    def _finish_recording(self) -> _Rows:
        buf, done = self._buf, self._done
        self._buf, self._done = None, 0
        if np.isnan(buf.values).any():
            rec_id = self.ids[int(buf.recording[0])]
            check_interpolable(self.where, buf.values, rec_id, self.channels)
            buf = replace(buf, values=interpolate_gaps(buf.values).astype(np.float32))
        return buf.take(slice(done, None))

    def _release(self) -> _Rows:
        buf, done = self._buf, self._done
        finite = ~np.isnan(buf.values)
        if not finite.any(axis=0).all():  # a channel with no value yet: nothing is final
            return buf.take(slice(0, 0))
        last = len(buf) - 1 - np.argmax(finite[::-1], axis=0)  # last value of each channel
        final = int(last.min())  # rows up to here lie between values of every channel
        if final < done:
            return buf.take(slice(0, 0))
        filled = buf
        if not finite.all():
            filled = replace(buf, values=interpolate_gaps(buf.values).astype(np.float32))
        out = filled.take(slice(done, final + 1))
        # keep, for every channel, its last value up to `final`: the next gaps start there
        before = finite[: final + 1]
        has = before.any(axis=0)
        keep_from = final + 1
        if has.any():
            keep_from = int((final - np.argmax(before[::-1], axis=0))[has].min())
        self._buf, self._done = buf.take(slice(keep_from, None)), final + 1 - keep_from
        return out


# ----------------------------------------------------------------------------- windows


def stream_windows(pieces: Iterable[Recordings], window: int, stride: int) -> Iterator[Windows]:
    """Cut windows of ``window`` rows every ``stride`` rows out of consecutive pieces.

    The windows of all pieces, in order, are those :func:`~tszoo.data.windows.make_windows`
    cuts from the pieces put together: windows start at the first row of each unbroken run
    of a recording and every ``stride`` rows after, and never cross a recording or a
    dropped row. Each :class:`Windows` looks into its piece plus the rows carried over from
    the piece before (fewer than ``window``), so a piece can be let go once its windows are.
    """
    check_window(window, stride)
    carry: Recordings | None = None  # the last run's rows from its next window start on
    skip = 0  # or, when that start lies beyond the rows read, how far beyond
    for piece in pieces:
        if piece.n_rows == 0:
            continue
        goes_on = carry is not None and piece.ids[0] == carry.ids[-1] and 0 not in piece.breaks
        rec = _join(carry, piece) if goes_on else piece
        segments = contiguous_segments(rec)
        first_start = segments[0, 0] + (skip if goes_on else 0)
        segments[0, 0] = min(first_start, segments[0, 1])
        yield make_windows(rec, window, stride, segments=segments, label_rule="last")
        # the last run may go on in the next piece: its next window starts at `start`
        a = first_start if len(segments) == 1 else segments[-1, 0]
        b = segments[-1, 1]
        start = a + max((b - a - window) // stride + 1, 0) * stride
        carry, skip = _tail(rec, min(start, b)), max(start - b, 0)


def _join(carry: Recordings, piece: Recordings) -> Recordings:
    """``carry`` (rows of one recording) followed by ``piece``, which goes on with it."""
    n = carry.n_rows
    time = None if piece.time is None else np.concatenate([carry.time, piece.time])
    return Recordings(
        values=np.concatenate([carry.values, piece.values]),
        labels=np.zeros(n + piece.n_rows, dtype=np.int64),
        bounds=np.r_[0, piece.bounds[1:] + n],
        ids=piece.ids,
        channels=piece.channels,
        source_rows=np.concatenate([carry.source_rows, piece.source_rows]),
        time=time,
        source=piece.source,
        breaks=piece.breaks + n,
    )


def _tail(rec: Recordings, start: int) -> Recordings:
    """Rows ``start:`` of the last recording of ``rec``, copied (the piece can go)."""
    n = rec.n_rows - start
    return Recordings(
        values=rec.values[start:].copy(),
        labels=np.zeros(n, dtype=np.int64),
        bounds=np.array([0, n], dtype=np.int64),
        ids=rec.ids[-1:],
        channels=rec.channels,
        source_rows=rec.source_rows[start:].copy(),
        time=None if rec.time is None else rec.time[start:].copy(),
        source=rec.source,
    )
