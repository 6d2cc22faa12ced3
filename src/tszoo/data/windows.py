"""Sliding windows over recordings, as strided views rather than copies.

A :class:`Windows` set is an index (the first row of each window) into the stacked rows of a
:class:`~tszoo.data.containers.Recordings`; window ``i`` is the view
``values[starts[i]:starts[i] + window].T`` of shape ``(n_channels, window)``.
Nothing is copied until a batch is asked for, so cutting a million windows of a long
recording costs a few megabytes of indices.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tszoo.data.containers import Recordings
from tszoo.errors import DataError

LabelRule = Literal["drop", "last", "majority"]


def sliding_windows(values: np.ndarray, window: int, stride: int = 1) -> np.ndarray:
    """Strided view of windows over a ``(n_rows, n_channels)`` array.

    Returns
    -------
    ndarray of shape (n_windows, n_channels, window)
        A read-only view of ``values``: no data is copied.
    """
    view = np.lib.stride_tricks.sliding_window_view(values, window, axis=0)  # (N-w+1, C, w)
    return view[::stride]


def check_window(window: int, stride: int) -> None:
    for name, value, example in (("window", window, 50), ("stride", stride, 10)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
            raise DataError(
                f"{name}={value!r} must be a positive number of rows, e.g. --{name} {example}"
            )


# the columns of a window's provenance and of windows.csv besides a split-group column
PROVENANCE = ("recording", "start_row", "end_row", "split", "label", "fold")


@dataclass
class Windows:
    """Fixed-length windows over :class:`Recordings`, kept as row offsets.

    Attributes
    ----------
    recordings : Recordings
        The data the windows look into.
    starts : ndarray of shape (n_windows,), int64
        Stacked-row index of each window's first row.
    window : int
        Rows per window.
    y : ndarray of shape (n_windows,)
        One label per window.
    """

    recordings: Recordings
    starts: np.ndarray
    window: int
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i: int) -> np.ndarray:
        """Window ``i`` as a ``(n_channels, window)`` view of the recording."""
        return self.view()[self.starts[i]]

    def view(self) -> np.ndarray:
        """Every window of the stacked rows: ``(n_rows - window + 1, n_channels, window)``."""
        return sliding_windows(self.recordings.values, self.window)

    @property
    def channels(self) -> list[str]:
        return self.recordings.channels

    @property
    def recording(self) -> np.ndarray:
        """Index of the recording of every window."""
        return self.recordings.recording_of_row(self.starts)

    def to_numpy(self, idx: np.ndarray | slice | None = None) -> np.ndarray:
        """Copy windows out as ``(n, n_channels, window)`` float32 (all, or ``idx``)."""
        starts = self.starts if idx is None else self.starts[idx]
        return np.ascontiguousarray(self.view()[starts])

    def batches(self, batch_size: int) -> Iterator[np.ndarray]:
        """Yield consecutive ``(<=batch_size, n_channels, window)`` copies, in order."""
        for a in range(0, len(self), batch_size):
            yield self.to_numpy(slice(a, a + batch_size))

    def subset(self, idx: np.ndarray) -> Windows:
        return Windows(self.recordings, self.starts[idx], self.window, self.y[idx])

    def row_mask(self) -> np.ndarray:
        """Boolean mask over stacked rows: True where some window covers the row."""
        n = self.recordings.n_rows
        delta = np.zeros(n + 1, dtype=np.int32)
        np.add.at(delta, self.starts, 1)
        np.add.at(delta, self.starts + self.window, -1)
        return np.cumsum(delta[:-1], dtype=np.int32) > 0

    def provenance(self) -> pd.DataFrame:
        """One row per window: ``recording, start_row, end_row, label`` in source-file rows,
        with the split-group column after ``recording`` when the data has one."""
        rec = self.recordings
        src = rec.source_rows
        columns = {"recording": np.asarray(rec.ids, dtype=object)[self.recording]}
        if rec.split_groups is not None:  # the subject (say) of each window, under its name
            name = rec.split_by if rec.split_by not in PROVENANCE else f"{rec.split_by}_group"
            columns[name] = np.asarray(rec.split_groups, dtype=object)[self.recording]
        # int64 whatever the recordings keep (a loaded table int32, a stream int64)
        columns["start_row"] = src[self.starts].astype(np.int64)
        columns["end_row"] = src[self.starts + self.window - 1].astype(np.int64) + 1
        columns["label"] = self.y
        return pd.DataFrame(columns)


class WindowArray:
    """The windows of a :class:`Windows` set as a read-only 3-D float32 array that copies
    only the windows it is indexed with.

    To a model it looks like ``(n_windows, n_channels, window)``: ``len``, ``shape``,
    ``ndim`` and ``dtype`` are an array's, and ``X[i]``, ``X[a:b]`` or ``X[index_array]``
    return copies of those windows with ``transform`` applied (the training split's
    normalisation, say). Models that need every window at once call ``np.asarray(X)``;
    the others go through it a batch at a time, so a million windows cost the recording
    they share plus one batch, not the 20x larger array of every window.

    Parameters
    ----------
    windows : Windows
    transform : callable, optional
        ``(n, n_channels, window)`` float32 -> the same shape, e.g.
        :meth:`~tszoo.data.preprocessing.Normalizer.transform`; element-wise or per window,
        so a window's values do not depend on the batch it comes in.
    """

    ndim = 3
    dtype = np.dtype(np.float32)

    def __init__(
        self, windows: Windows, transform: Callable[[np.ndarray], np.ndarray] | None = None
    ):
        self.windows = windows
        self.transform = transform

    @property
    def shape(self) -> tuple[int, int, int]:
        return (len(self.windows), len(self.windows.channels), self.windows.window)

    def __len__(self) -> int:
        return len(self.windows)

    def __getitem__(self, idx: int | slice | np.ndarray) -> np.ndarray:
        if isinstance(idx, int | np.integer):  # one window: (n_channels, window)
            return self[np.array([idx])][0]
        X = self.windows.to_numpy(idx)
        return X if self.transform is None else self.transform(X)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        X = self[:]
        return X if dtype is None else X.astype(dtype, copy=False)

    def __repr__(self) -> str:
        return f"WindowArray(shape={self.shape}, window views of {self.windows.recordings.source})"

    def batches(self, batch_size: int) -> Iterator[np.ndarray]:
        """Consecutive ``(<=batch_size, n_channels, window)`` copies, in order."""
        for a in range(0, len(self), batch_size):
            yield self[a : a + batch_size]


def contiguous_segments(recordings: Recordings) -> np.ndarray:
    """``(n_segments, 2)`` stacked-row ranges that are unbroken runs of one recording.

    A recording breaks where rows were dropped, so no window spans a gap.
    """
    cuts = np.union1d(recordings.bounds, recordings.breaks)
    return np.column_stack([cuts[:-1], cuts[1:]])


def make_windows(
    recordings: Recordings,
    window: int,
    stride: int,
    *,
    segments: np.ndarray | None = None,
    label_rule: LabelRule = "drop",
) -> Windows:
    """Cut windows of ``window`` rows every ``stride`` rows inside each segment.

    Parameters
    ----------
    recordings : Recordings
    window, stride : int
        Rows per window and rows between window starts.
    segments : ndarray of shape (n_segments, 2), optional
        Stacked-row ranges ``[start, end)`` to cut windows in; windows never cross their
        edges. Default: every unbroken run of each recording.
    label_rule : {"drop", "last", "majority"}
        A window whose rows carry more than one label is dropped, or takes the label of
        its last row, or of most of its rows (ties go to the class that sorts first).
    """
    check_window(window, stride)
    if label_rule not in ("drop", "last", "majority"):
        raise DataError(f"label_rule={label_rule!r}; use drop, last or majority")
    if segments is None:
        segments = contiguous_segments(recordings)
    segments = np.asarray(segments, dtype=np.int64).reshape(-1, 2)

    # 1. window starts, aligned to the start of each segment
    counts = np.maximum((segments[:, 1] - segments[:, 0] - window) // stride + 1, 0)
    offsets = np.arange(counts.sum(), dtype=np.int64) - np.repeat(
        np.cumsum(counts) - counts, counts
    )
    starts = np.repeat(segments[:, 0], counts) + offsets * stride

    # 2. labels: a window is pure when no label change falls strictly inside it.
    # Work on changes between neighbouring rows (one int32 per row), never on a full
    # copy of the labels: this is what keeps windowing a long recording cheap.
    codes = recordings.codes
    changes = np.zeros(len(codes), dtype=np.int32)
    np.not_equal(codes[1:], codes[:-1], out=changes[1:], casting="unsafe")
    np.cumsum(changes, out=changes)
    ends = starts + window - 1
    pure = changes[ends] == changes[starts]
    del changes
    y = codes[ends]
    if label_rule == "drop":
        starts, y = starts[pure], y[pure]
    elif label_rule == "majority" and not pure.all():
        for i in np.flatnonzero(~pure):
            values, counts = np.unique(codes[starts[i] : starts[i] + window], return_counts=True)
            y[i] = values[np.argmax(counts)]  # ties: the class that sorts first (codes sort so)
    return Windows(recordings, starts, window, recordings.classes[y])


# -- windows of a table read in pieces (tszoo.data.streaming) ---------------------------


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
        **Recordings.unlabelled(n + piece.n_rows),
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
        **Recordings.unlabelled(n),
        bounds=np.array([0, n], dtype=np.int64),
        ids=rec.ids[-1:],
        channels=rec.channels,
        source_rows=rec.source_rows[start:].copy(),
        time=None if rec.time is None else rec.time[start:].copy(),
        source=rec.source,
    )


def join_window_arrays(a: WindowArray, b: WindowArray) -> WindowArray:
    """The windows of ``a`` and then ``b`` as one :class:`WindowArray` (same window length
    and transform), still views: of their recordings when they share them (train and
    validation windows of one split do), else of the two recordings' rows stacked."""
    if a.windows.window != b.windows.window or a.transform != b.transform:
        raise ValueError("windows of different lengths or transforms cannot be joined")
    ra, rb = a.windows.recordings, b.windows.recordings
    if ra is rb:
        rec, offset = ra, 0
    else:
        offset = ra.n_rows
        rec = Recordings(
            values=np.concatenate([ra.values, rb.values]),
            **Recordings.unlabelled(ra.n_rows + rb.n_rows),  # windows carry their own labels
            bounds=np.concatenate([ra.bounds, rb.bounds[1:] + offset]),
            ids=[*ra.ids, *rb.ids],
            channels=ra.channels,
            source_rows=np.concatenate([ra.source_rows, rb.source_rows]),
            source=ra.source,
            breaks=np.concatenate([ra.breaks, rb.breaks + offset]),
        )
    starts = np.concatenate([a.windows.starts, b.windows.starts + offset])
    y = np.concatenate([a.windows.y, b.windows.y])
    return WindowArray(Windows(rec, starts, a.windows.window, y), a.transform)
