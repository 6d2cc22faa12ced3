"""Read a long table a chunk of rows at a time, and cut its windows as if it were read whole.

:func:`open_table` reads a CSV or Parquet file through the reader of
:func:`~tszoo.data.tables.load_table` (:class:`~tszoo.data.reader.TableReader`: the same
columns, numbers, recordings, missing-value policies, source-row numbers and messages) and
hands the rows out as consecutive pieces, each a :class:`~tszoo.data.containers.Recordings` of about
``chunk_rows`` rows. :func:`~tszoo.data.windows.stream_windows` cuts each piece into windows
and carries to the next piece the rows of the last recording from its next window start on
(fewer than a window), so the windows are exactly those :func:`~tszoo.data.windows.make_windows`
cuts from the whole file, in the same order. Memory depends on ``chunk_rows``, not on the
length of the file. With ``chunk_rows=0`` the file is read whole, by
:func:`~tszoo.data.tables.load_table`'s own steps, and handed out as one piece.

Where reading in pieces differs from reading whole:

- A recording's rows must be together: a ``group`` value that comes back after another
  recording is an error (reading whole gathers its rows wherever they are).
- A problem in the data is reported when the chunk that holds it is read, so the first
  problem in file order is the one named, and counts in messages cover that chunk.
- With ``nan="interpolate"``, rows are held back until the next value of every channel is
  known, so a long run of missing values holds that many rows in memory.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from tszoo.data.chunks import MissingValues, RecordingSplitter, Rows
from tszoo.data.columns import TableColumns
from tszoo.data.containers import NanPolicy, Recordings
from tszoo.data.reader import DEFAULT_CHUNK_ROWS, TableReader
from tszoo.data.table_files import no_rows_error
from tszoo.data.tables import read_whole
from tszoo.errors import DataError

logger = logging.getLogger(__name__)


def open_table(
    path: str | Path,
    *,
    time: str | None = None,
    group: str | None = None,
    nan: NanPolicy = "error",
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> TableStream:
    """Open a CSV or Parquet table of unlabelled recordings to read in chunks of rows.

    The options mean what they mean for :func:`~tszoo.data.tables.load_table` (with
    ``labelled=False``). The file is checked and its columns are found here, from its first
    chunk; :meth:`TableStream.pieces` then reads the rows. ``chunk_rows=0`` reads the whole
    file here instead, as load_table does, so its problems are found before anything else.
    """
    return TableStream(Path(path), time=time, group=group, nan=nan, chunk_rows=chunk_rows)


class TableStream:
    """A table read a chunk of rows at a time; see :func:`open_table`.

    Attributes
    ----------
    columns : TableColumns
        The time, group and channel columns, found as :func:`load_table` finds them.
    """

    def __init__(
        self, path: Path, *, time: str | None, group: str | None, nan: NanPolicy, chunk_rows: int
    ):
        self.path, self.where, self.nan = path, path.name, nan
        whole = chunk_rows == 0
        self._reader = TableReader(
            path,
            time=time,
            group=group,
            nan=nan,
            labelled=False,
            chunk_rows=DEFAULT_CHUNK_ROWS if whole else chunk_rows,
        )
        self.columns: TableColumns = self._reader.columns
        self._whole = read_whole(self._reader) if whole else None

    @property
    def channels(self) -> list[str]:
        return self.columns.channels

    def pieces(self, channels: list[str] | None = None) -> Iterator[Recordings]:
        """Yield the rows as consecutive :class:`Recordings` pieces (read once).

        ``channels`` orders (and must name exactly) the channel columns; default: file order.
        A file read whole is one piece. A recording can span pieces: consecutive pieces
        continue a recording when the next piece's first id is the last id of the one before
        and no row between them was dropped (``0 in piece.breaks`` otherwise).
        """
        order = None
        if channels is not None and channels != self.channels:
            if sorted(channels) != sorted(self.channels):
                raise DataError(
                    f"{self.where}: channels {', '.join(channels)} asked for, but the file's "
                    f"are {', '.join(self.channels)}"
                )
            order = [self.channels.index(c) for c in channels]
        if self._whole is not None:
            piece, self._whole = self._whole, None
            if order is not None:
                piece.values = np.ascontiguousarray(piece.values[:, order])
                piece.channels = list(channels)
            yield piece
            return
        splitter = RecordingSplitter(self.where, self.columns.group)
        ids: dict[int, str] = {}  # recording number -> id, for recordings not handed out yet
        cleaner = MissingValues(self.where, self.channels, self.nan, ids)
        last_source_row = None
        for chunk in self._reader.chunks():
            names = None if chunk.groups is None else self._reader.groups.values
            source_rows = np.arange(chunk.first, chunk.first + len(chunk), dtype=np.int64)
            runs = splitter.split(chunk, names, ids)
            rows = Rows(chunk.values, source_rows, chunk.time, None, *runs)
            scope = f"in rows {chunk.first}-{chunk.first + len(chunk) - 1}"
            rows = cleaner.clean(rows, chunk.last, chunk.lines, chunk.first, scope)
            if len(rows):
                yield self._piece(rows, ids, order, last_source_row, channels)
                last_source_row = int(rows.source_rows[-1])
        if cleaner.n_rows == 0:
            raise no_rows_error(self.path)
        cleaner.finish()
        logger.info(
            "%s: %d rows, %d channels, %d recordings",
            self.where,
            cleaner.n_rows,
            len(self.channels),
            splitter.n_recordings,
        )

    def _piece(
        self,
        rows: Rows,
        ids: dict[int, str],
        order: list[int] | None,
        last_source_row: int | None,
        channels: list[str] | None,
    ) -> Recordings:
        """Rows -> Recordings: one bound per recording, a break wherever rows were dropped
        (at 0 when rows before the piece's first were)."""
        breaks = rows.breaks
        if last_source_row is not None and rows.source_rows[0] != last_source_row + 1:
            breaks = np.r_[0, breaks]
        values = rows.values if order is None else rows.values[:, order]
        piece = Recordings(
            values=np.ascontiguousarray(values, dtype=np.float32),
            **Recordings.unlabelled(len(rows)),
            bounds=rows.bounds,
            ids=[ids[int(r)] for r in rows.recordings],
            channels=list(channels or self.channels),
            source_rows=rows.source_rows,
            time=rows.time,
            source=str(self.path),
            breaks=breaks.astype(np.int64),
        )
        for r in [r for r in ids if r < rows.recordings[-1]]:  # ids of recordings handed out
            del ids[r]
        return piece
