"""The two shapes data comes in, whatever file it came from.

- :class:`Recordings`: long recordings, one row per time step, to be cut into windows.
  Rows of all recordings are stacked in one ``(n_rows, n_channels)`` float32 array, so
  windows can be strided views of it.
- :class:`CaseDataset`: ready-made cases ``(n_cases, n_channels, n_timepoints)`` (or a list
  of ``(n_channels, n_timepoints_i)`` arrays when lengths differ), with an optional given
  test split, as UCR/UEA archives ship them.

Row numbers everywhere are 0-based data rows of the source file (the header is not a row).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

logger = logging.getLogger(__name__)

NanPolicy = Literal["error", "drop", "interpolate"]


@dataclass
class Recordings:
    """Long multichannel recordings, stacked row-wise.

    Attributes
    ----------
    values : ndarray of shape (n_rows, n_channels), float32
        All rows of all recordings; recording ``i`` is ``values[bounds[i]:bounds[i + 1]]``.
    codes : ndarray of shape (n_rows,), integer
        The label of every row as its position in ``classes`` (see :attr:`labels`); a table
        keeps them in the smallest type that holds its classes (int8 up to 127).
    classes : ndarray of shape (n_classes,)
        The sorted distinct labels, as found in the file.
    bounds : ndarray of shape (n_recordings + 1,), int64
        Row offsets of the recordings in ``values``.
    ids : list of str
        One id per recording (the group value, or its position in the file).
    channels : list of str
        Channel names, one per column of ``values``.
    source_rows : ndarray of shape (n_rows,), integer
        The source-file row of each row of ``values`` (rows can be dropped or regrouped);
        int32 for a table of fewer than 2**31 rows.
    time : ndarray of shape (n_rows,) or None
        The time column, if the file has one.
    source : str
        Where the data came from, for messages.
    breaks : ndarray of int64
        Stacked rows where a recording is interrupted because the rows before them were
        dropped; windows never span a break.
    split_groups : list of str or None
        With a split-by column (``split_by``: subject, machine, ...), its value for each
        recording: no value is ever in two splits.
    """

    values: np.ndarray
    codes: np.ndarray
    classes: np.ndarray
    bounds: np.ndarray
    ids: list[str]
    channels: list[str]
    source_rows: np.ndarray
    time: np.ndarray | None = None
    source: str = "<memory>"
    breaks: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    split_groups: list[str] | None = None
    split_by: str | None = None

    @property
    def n_recordings(self) -> int:
        return len(self.ids)

    @property
    def n_rows(self) -> int:
        return len(self.values)

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.bounds)

    @property
    def labels(self) -> np.ndarray:
        """The label of every row, as found in the file (``classes[codes]``, a new array:
        the codes are what is kept, one byte a row for up to 127 classes)."""
        return self.classes[self.codes]

    @staticmethod
    def unlabelled(n_rows: int) -> dict:
        """``codes`` and ``classes`` for rows without labels (data to predict): all 0."""
        return {"codes": np.zeros(n_rows, dtype=np.int8), "classes": np.array([0])}

    def recording_of_row(self, rows: np.ndarray) -> np.ndarray:
        """Index of the recording that holds each (stacked) row."""
        return np.searchsorted(self.bounds, rows, side="right") - 1

    @classmethod
    def from_arrays(
        cls,
        recordings: list[np.ndarray],
        labels: list[np.ndarray],
        *,
        ids: list[str] | None = None,
        channels: list[str] | None = None,
    ) -> Recordings:
        """Build from per-recording arrays of shape ``(n_rows_i, n_channels)`` and labels."""
        values = np.ascontiguousarray(np.concatenate(recordings), dtype=np.float32)
        bounds = np.concatenate([[0], np.cumsum([len(r) for r in recordings])]).astype(np.int64)
        classes, codes = np.unique(np.concatenate(labels), return_inverse=True)
        return cls(
            values=values,
            codes=codes.reshape(-1).astype(np.int32),
            classes=classes,
            bounds=bounds,
            ids=ids or [str(i) for i in range(len(recordings))],
            channels=channels or [f"ch{i}" for i in range(values.shape[1])],
            source_rows=np.arange(len(values), dtype=np.int64),
        )


@dataclass
class Cases:
    """Ready-made cases: ``X`` is ``(n_cases, n_channels, n_timepoints)`` or a list of
    ``(n_channels, n_timepoints_i)`` arrays when lengths differ; ``y`` has one label a case."""

    X: np.ndarray | list[np.ndarray]
    y: np.ndarray
    channels: list[str]
    index: np.ndarray = field(default=None)  # position of each case in its source file

    def __post_init__(self):
        if self.index is None:
            self.index = np.arange(len(self.y))

    def __len__(self) -> int:
        return len(self.y)

    @property
    def equal_length(self) -> bool:
        return isinstance(self.X, np.ndarray)

    @property
    def lengths(self) -> np.ndarray:
        if isinstance(self.X, np.ndarray):
            return np.full(len(self.X), self.X.shape[-1])
        return np.array([x.shape[-1] for x in self.X])

    def subset(self, idx: np.ndarray) -> Cases:
        X = self.X[idx] if isinstance(self.X, np.ndarray) else [self.X[i] for i in idx]
        return Cases(X=X, y=self.y[idx], channels=self.channels, index=self.index[idx])


@dataclass
class CaseDataset:
    """Cases with the split the dataset ships with (``test`` is None when it has none)."""

    name: str
    train: Cases
    test: Cases | None = None
