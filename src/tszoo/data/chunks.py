"""How rows become recordings: where recordings start, and what becomes of missing values.

Both ways of reading a table apply these rules, and nothing else decides either:
:mod:`tszoo.data.streaming` feeds them its chunks in file order, and
:func:`~tszoo.data.tables.load_table` feeds them the whole table as one chunk, once a
group's rows are put together. State that spans chunks is kept here: the group and time of
the last row, the ids of recordings, and (``nan="interpolate"``) the rows of a recording
whose gap's ends lie in different chunks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from tszoo.data.columns import check_finite, nothing_left_error, restart_id, time_goes_back
from tszoo.data.containers import NanPolicy
from tszoo.data.reader import TableChunk
from tszoo.errors import DataError

logger = logging.getLogger(__name__)

_PER_ROW = ("values", "source_rows", "time", "codes")


@dataclass
class Rows:
    """Consecutive rows on their way to recordings: values ``(n_rows, n_channels)`` float32 in
    the file's channel order, their source rows, time values and label codes (-1 where the
    label is missing; None for data to predict), in runs of one recording each: run ``k`` is
    rows ``bounds[k]:bounds[k + 1]`` of the recording numbered ``recordings[k]``. ``breaks``
    are rows before which rows were dropped."""

    values: np.ndarray
    source_rows: np.ndarray
    time: np.ndarray | None
    codes: np.ndarray | None
    bounds: np.ndarray
    recordings: np.ndarray
    breaks: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.values)

    def cut(self, a: int, b: int) -> Rows:
        """Rows ``a:b``, as views."""
        starts, ends = self.bounds[:-1], self.bounds[1:]
        runs = np.maximum(starts, a) < np.minimum(ends, b)
        per_row = {n: getattr(self, n) for n in _PER_ROW}
        return Rows(
            **{n: None if x is None else x[a:b] for n, x in per_row.items()},
            bounds=np.r_[np.maximum(starts[runs], a), b] - a,
            recordings=self.recordings[runs],
            breaks=self.breaks[(self.breaks > a) & (self.breaks < b)] - a,
        )

    def keep_only(self, mask: np.ndarray) -> None:
        """Keep the rows where ``mask`` holds, in place, each column let go of as soon as its
        rows are copied: runs left empty go, and a break marks each place where rows were
        dropped (rows are dropped from once, so there are no breaks before)."""
        kept = np.flatnonzero(mask)
        ends = np.searchsorted(kept, self.bounds)  # rows kept before each bound
        runs = np.diff(ends) > 0
        self.bounds, self.recordings = np.r_[0, ends[1:][runs]], self.recordings[runs]
        self.breaks = np.flatnonzero(np.diff(kept) != 1) + 1
        del kept
        for name in _PER_ROW:
            if getattr(self, name) is not None:
                setattr(self, name, getattr(self, name)[mask])

    @staticmethod
    def join(parts: list[Rows]) -> Rows:
        """``parts`` (consecutive rows) one after the other: a run that goes on from one part
        into the next stays one run."""
        parts = [p for p in parts if len(p)] or parts[:1]
        if len(parts) == 1:
            return parts[0]
        offsets = np.cumsum([0] + [len(p) for p in parts])
        starts = np.concatenate([p.bounds[:-1] + o for p, o in zip(parts, offsets, strict=False)])
        recordings = np.concatenate([p.recordings for p in parts])
        new = np.r_[True, recordings[1:] != recordings[:-1]]
        per_row = {n: [getattr(p, n) for p in parts] for n in _PER_ROW}
        return Rows(
            **{n: None if x[0] is None else np.concatenate(x) for n, x in per_row.items()},
            bounds=np.r_[starts[new], offsets[-1]],
            recordings=recordings[new],
            breaks=np.concatenate([p.breaks + o for p, o in zip(parts, offsets, strict=False)]),
        )


class RecordingSplitter:
    """Where recordings start, row by row across chunks: where the group id changes or,
    inside a group, time goes backwards (a group's later recordings are ``<group>#2``, ...);
    without a group where time goes backwards; else nowhere (the file is one recording).

    Attributes
    ----------
    n_recordings : int
        Recordings started so far.
    n_restarts, first_restart : int, str or None
        Recordings started by time going back inside a group, and the id of the first.
    """

    def __init__(self, where: str, group: str | None):
        self.where, self.group = where, group
        self.n_recordings = self.n_restarts = 0
        self.first_restart: str | None = None
        self._last_group = -1  # code of the group of the last row so far
        self._finished: set[int] = set()
        self._last_time: float | None = None
        self._restarts = 0  # recordings of the current group so far

    def split(
        self, chunk: TableChunk, names: np.ndarray | None, ids: dict[int, str]
    ) -> tuple[np.ndarray, np.ndarray]:
        """The chunk's runs of one recording: their row offsets (``bounds``) and the running
        number of each run's recording; the first run may go on with the last recording of
        the chunk before. ``names`` are the group ids the chunk's codes stand for; the ids of
        recordings that start here go into ``ids``."""
        n, time, groups = len(chunk), chunk.time, chunk.groups
        if groups is not None:
            group_starts = self._group_starts(groups, chunk, names)
            starts = group_starts
            if time is not None:  # time going back inside a group starts a recording too
                starts = np.union1d(group_starts, self._time_starts(time)).astype(np.int64)
            new_ids = self._group_ids(groups, starts, group_starts, names)
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
        runs = counts > 0  # only the first can be empty: the chunk starts a recording
        recordings = np.arange(first, first + len(counts), dtype=np.int64)[runs]
        return np.r_[0, np.cumsum(counts[runs])], recordings

    def _group_starts(self, groups: np.ndarray, chunk: TableChunk, names) -> np.ndarray:
        change = np.r_[groups[0] != self._last_group, groups[1:] != groups[:-1]]
        starts = np.flatnonzero(change)
        for i in starts:
            code = int(groups[i])
            if self._last_group >= 0:
                self._finished.add(self._last_group)
            if code in self._finished:
                gid = names[code]
                line = "" if chunk.lines is None else f" (line {chunk.lines[i]})"
                raise DataError(
                    f"{self.where}: recording '{gid}' of group column '{self.group}' comes back "
                    f"at row {chunk.first + i}{line} after other recordings; reading in chunks "
                    f"needs each recording's rows together: sort the rows by '{self.group}', or "
                    "read the whole file at once (--chunk-rows 0)"
                )
            self._last_group = code
        return starts

    def _group_ids(self, groups, starts: np.ndarray, group_starts: np.ndarray, names) -> list[str]:
        """Ids of the recordings starting at ``starts``: the group's, ``<group>#k`` for the
        k-th recording of a group whose time went back."""
        ids = []
        for i, new_group in zip(starts, np.isin(starts, group_starts), strict=True):
            self._restarts = 1 if new_group else self._restarts + 1
            ids.append(restart_id(str(names[groups[i]]), self._restarts))
            if not new_group:
                self.n_restarts += 1
                self.first_restart = self.first_restart or ids[-1]
        return ids

    def _time_starts(self, time: np.ndarray) -> np.ndarray:
        # time as float64; dates in one unit, whatever the chunk's
        t = time.astype("datetime64[ns]") if time.dtype.kind == "M" else time
        t = t.astype("float64", copy=False)
        if self._last_time is None:
            starts = np.r_[0, time_goes_back(t)]
        else:
            starts = time_goes_back(np.r_[self._last_time, t]) - 1
        self._last_time = float(t[-1])
        return starts


class MissingValues:
    """The ``nan`` policy, chunk after chunk: missing or infinite channel values are refused
    (``"error"``), their rows dropped (``"drop"``), or filled in by interpolation inside each
    recording (``"interpolate"``); rows whose label is missing are dropped whatever the policy.

    Attributes
    ----------
    n_rows, n_dropped : int
        Rows taken, and rows dropped, so far.
    """

    def __init__(self, where: str, channels: list[str], nan: NanPolicy, ids: dict[int, str]):
        self.where, self.channels, self.nan = where, channels, nan
        self.filler = GapFiller(where, channels, ids) if nan == "interpolate" else None
        self.n_rows = self.n_dropped = 0

    def clean(
        self, rows: Rows, last: bool, lines: np.ndarray | None, first: int, scope: str
    ) -> Rows:
        """The next rows, cleaned: those now final (with interpolation, rows are held until the
        values after their gaps are known; ``last``: no rows follow). ``lines``, ``first`` and
        ``scope`` are for the message that refuses a missing value: the file line of each
        source row from ``first`` on (text files), and the rows its count covers."""
        self.n_rows += len(rows)
        drop = None
        if self.filler is not None:
            rows = self.filler.push(rows, last)
        else:
            bad = rows_not_finite(rows.values)
            if self.nan == "error":
                idx = np.flatnonzero(bad)
                cells, source_rows = ~np.isfinite(rows.values[idx]), rows.source_rows[idx]
                check_finite(self.where, cells, self.channels, source_rows, lines, first, scope)
            else:
                drop = bad
        if rows.codes is not None:
            missing = rows.codes < 0
            drop = missing if drop is None else drop | missing
        if drop is None or not drop.any():
            return rows
        self.n_dropped += int(drop.sum())
        rows.keep_only(~drop)
        return rows

    def finish(self) -> None:
        """Refuse a table of which nothing is left; say how many rows were dropped."""
        if self.n_rows == self.n_dropped:
            raise nothing_left_error(self.where, self.n_rows)
        if self.n_dropped:
            logger.info("%s: dropped %d rows with missing values", self.where, self.n_dropped)


class GapFiller:
    """``nan="interpolate"`` across chunks: a recording that starts and ends in the rows
    taken is filled where it lies; the rows of one still open are held from the last value
    of each channel on, and handed out once no later row can change them.

    Interpolation is linear between a gap's neighbours, by position, so it gives the same
    numbers on any stretch of rows that holds both neighbours.
    """

    def __init__(self, where: str, channels: list[str], ids: dict[int, str]):
        self.where, self.channels, self.ids = where, channels, ids
        self._buf: Rows | None = None  # the open recording's rows, raw (NaN where missing)
        self._done = 0  # rows of _buf already handed out

    def push(self, rows: Rows, last: bool) -> Rows:
        """Take the next rows (NaN or inf where missing); return those now final: every
        one when they are the last."""
        missing_as_nan(rows.values)
        bounds, recordings = rows.bounds, rows.recordings
        out, k = [], 0  # k: the first run not taken yet
        if self._buf is not None and recordings[0] == self._buf.recordings[0]:
            self._buf = Rows.join([self._buf, rows.cut(0, bounds[1])])
            k = 1
        if self._buf is not None and (k < len(recordings) or last):  # the open one ended
            out.append(self._finish_recording())
        end = len(recordings) if last else max(len(recordings) - 1, k)
        for j in range(k, end):  # recordings that start and end here: filled where they lie
            block = rows.values[bounds[j] : bounds[j + 1]]
            filled = self._filled(block, recordings[j])
            if filled is not block:
                block[:] = filled
        out.append(rows.cut(bounds[k], bounds[end]))
        if end < len(recordings):  # the last recording may go on in the next rows
            self._buf = rows.cut(bounds[end], bounds[-1])
        if self._buf is not None:
            out.append(self._release())
        return Rows.join(out)

    def _filled(self, values: np.ndarray, recording: int) -> np.ndarray:
        """The rows of one whole recording with their gaps filled (``values`` itself when
        it has none)."""
        if not np.isnan(values).any():
            return values
        check_interpolable(self.where, values, self.ids[int(recording)], self.channels)
        return interpolate_gaps(values).astype(np.float32, copy=False)

    def _finish_recording(self) -> Rows:
        buf, done = self._buf, self._done
        self._buf, self._done = None, 0
        buf = replace(buf, values=self._filled(buf.values, buf.recordings[0]))
        return buf.cut(done, len(buf))

    def _release(self) -> Rows:
        buf, done = self._buf, self._done
        finite = ~np.isnan(buf.values)
        if not finite.any(axis=0).all():  # a channel with no value yet: nothing is final
            return buf.cut(0, 0)
        last = len(buf) - 1 - np.argmax(finite[::-1], axis=0)  # last value of each channel
        final = int(last.min())  # rows up to here lie between values of every channel
        if final < done:
            return buf.cut(0, 0)
        filled = buf
        if not finite.all():
            filled = replace(buf, values=interpolate_gaps(buf.values).astype(np.float32))
        out = filled.cut(done, final + 1)
        # keep, for every channel, its last value up to `final`: the next gaps start there
        before = finite[: final + 1]
        has = before.any(axis=0)
        keep_from = final + 1
        if has.any():
            keep_from = int((final - np.argmax(before[::-1], axis=0))[has].min())
        self._buf, self._done = buf.cut(keep_from, len(buf)), final + 1 - keep_from
        return out


def rows_not_finite(values: np.ndarray, block: int = 1 << 20) -> np.ndarray:
    """Rows with a missing or infinite value, ``block`` rows at a time (never a mask of
    the whole table's cells)."""
    bad = np.empty(len(values), dtype=bool)
    for a in range(0, len(values), block):
        np.logical_not(np.isfinite(values[a : a + block]).all(axis=1), out=bad[a : a + block])
    return bad


def missing_as_nan(values: np.ndarray, block: int = 1 << 20) -> None:
    """Infinite values become NaN, in place, ``block`` rows at a time: both are gaps."""
    for a in range(0, len(values), block):
        part = values[a : a + block]
        part[~np.isfinite(part)] = np.nan


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
