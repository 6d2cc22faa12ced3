"""The rules of reading whole, kept across chunks of rows: where recordings start, and
missing values filled in by interpolation when a gap's ends lie in different chunks.

:mod:`tszoo.data.streaming` feeds these its chunks, in file order.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np

from tszoo.data.columns import restart_id, time_goes_back
from tszoo.data.reader import Codes, TableChunk
from tszoo.data.tables import check_interpolable, interpolate_gaps
from tszoo.errors import DataError


@dataclass
class Rows:
    """Consecutive rows on their way to windows: values in the file's channel order, their
    source rows, time values, and the running number of the recording of each row."""

    values: np.ndarray  # (n_rows, n_channels) float32
    source_rows: np.ndarray  # (n_rows,) int64
    time: np.ndarray | None  # (n_rows,)
    recording: np.ndarray  # (n_rows,) int64

    def __len__(self) -> int:
        return len(self.values)

    def take(self, idx: slice | np.ndarray) -> Rows:
        time = None if self.time is None else self.time[idx]
        return Rows(self.values[idx], self.source_rows[idx], time, self.recording[idx])

    @staticmethod
    def join(parts: list[Rows]) -> Rows:
        parts = [p for p in parts if len(p)] or parts[:1]
        if len(parts) == 1:
            return parts[0]
        time = None if parts[0].time is None else np.concatenate([p.time for p in parts])
        return Rows(
            np.concatenate([p.values for p in parts]),
            np.concatenate([p.source_rows for p in parts]),
            time,
            np.concatenate([p.recording for p in parts]),
        )


class RecordingSplitter:
    """Where recordings start, row by row across chunks: where the group id changes or,
    inside a group, time goes backwards; without a group where time goes backwards; else
    nowhere (the file is one recording). ``names`` are the group ids the chunks' codes
    stand for."""

    def __init__(self, where: str, group: str | None, names: Codes):
        self.where, self.group, self.names = where, group, names
        self.n_recordings = 0
        self._last_group = -1  # code of the group of the last row so far
        self._finished: set[int] = set()
        self._last_time: float | None = None
        self._restarts = 0  # recordings of the current group so far

    def split(self, chunk: TableChunk, ids: dict[int, str]) -> np.ndarray:
        """Running recording number of every row of the chunk; new ids go into ``ids``."""
        n, time, groups = len(chunk), chunk.time, chunk.groups
        if groups is not None:
            group_starts = self._group_starts(groups, chunk)
            starts = group_starts
            if time is not None:  # time going back inside a group starts a recording too
                starts = np.union1d(group_starts, self._time_starts(time)).astype(np.int64)
            new_ids = self._group_ids(groups, starts, group_starts)
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

    def _group_starts(self, groups: np.ndarray, chunk: TableChunk) -> np.ndarray:
        change = np.r_[groups[0] != self._last_group, groups[1:] != groups[:-1]]
        starts = np.flatnonzero(change)
        for i in starts:
            code = int(groups[i])
            if self._last_group >= 0:
                self._finished.add(self._last_group)
            if code in self._finished:
                gid = self.names.values[code]
                line = "" if chunk.lines is None else f" (line {chunk.lines[i]})"
                raise DataError(
                    f"{self.where}: recording '{gid}' of group column '{self.group}' comes back "
                    f"at row {chunk.first + i}{line} after other recordings; reading in chunks "
                    f"needs each recording's rows together: sort the rows by '{self.group}', or "
                    "read the whole file at once (--chunk-rows 0)"
                )
            self._last_group = code
        return starts

    def _group_ids(
        self, groups: np.ndarray, starts: np.ndarray, group_starts: np.ndarray
    ) -> list[str]:
        """Ids of the recordings starting at ``starts``: the group's, ``<group>#k`` for the
        k-th recording of a group whose time went back (as load_table names them)."""
        ids, names = [], self.names.values
        for i, new_group in zip(starts, np.isin(starts, group_starts), strict=True):
            self._restarts = 1 if new_group else self._restarts + 1
            ids.append(restart_id(str(names[groups[i]]), self._restarts))
        return ids

    def _time_starts(self, time: np.ndarray) -> np.ndarray:
        # as load_table compares: time as float64; dates in one unit, whatever the chunk's
        t = time.astype("datetime64[ns]") if time.dtype.kind == "M" else time
        t = t.astype("float64")
        if self._last_time is None:
            starts = np.r_[0, time_goes_back(t)]
        else:
            starts = time_goes_back(np.r_[self._last_time, t]) - 1
        self._last_time = float(t[-1])
        return starts


class GapFiller:
    """``nan="interpolate"`` across chunks: the rows of the open recording are held from the
    last value of each channel on, and handed out once no later row can change them.

    Interpolation is linear between a gap's neighbours, by position, so it gives the same
    numbers on any stretch of rows that holds both neighbours.
    """

    def __init__(self, where: str, channels: list[str], ids: dict[int, str]):
        self.where, self.channels, self.ids = where, channels, ids
        self._buf: Rows | None = None  # the open recording's rows, raw (NaN where missing)
        self._done = 0  # rows of _buf already handed out

    def push(self, rows: Rows) -> Rows:
        """Take the next rows (NaN or inf where missing); return those now final."""
        rows.values[~np.isfinite(rows.values)] = np.nan
        out = []
        rec = rows.recording
        starts = np.flatnonzero(np.r_[True, rec[1:] != rec[:-1]])
        for a, b in itertools.pairwise(np.r_[starts, len(rows)]):
            run = rows.take(slice(a, b))
            if self._buf is not None and self._buf.recording[0] != run.recording[0]:
                out.append(self._finish_recording())
            self._buf = run if self._buf is None else Rows.join([self._buf, run])
        out.append(self._release())
        return Rows.join(out)

    def finish(self) -> Rows | None:
        """The rest of the last recording, at the end of the file."""
        return None if self._buf is None else self._finish_recording()

    def _finish_recording(self) -> Rows:
        buf, done = self._buf, self._done
        self._buf, self._done = None, 0
        if np.isnan(buf.values).any():
            rec_id = self.ids[int(buf.recording[0])]
            check_interpolable(self.where, buf.values, rec_id, self.channels)
            buf = replace(buf, values=interpolate_gaps(buf.values).astype(np.float32))
        return buf.take(slice(done, None))

    def _release(self) -> Rows:
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
