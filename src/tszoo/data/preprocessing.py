"""Normalisation fitted on the training split only and applied the same way everywhere."""

from __future__ import annotations

from typing import Literal

import numpy as np

from tszoo.data.containers import Cases
from tszoo.data.windows import Windows
from tszoo.errors import DataError

Method = Literal["zscore", "window", "none"]
_CHUNK_ROWS = 1 << 20


class Normalizer:
    """Per-channel normalisation of ``(n_cases, n_channels, n_timepoints)`` data.

    Parameters
    ----------
    method : {"zscore", "window", "none"}
        ``zscore``: subtract the training mean and divide by the training standard
        deviation of each channel. ``window``: centre each window on its own per-channel
        mean (nothing is learned). ``none``: leave the data as it is.

    Attributes
    ----------
    mean_, scale_ : ndarray of shape (n_channels,)
        Learned by ``fit`` for ``zscore`` (zero and one otherwise).
    """

    def __init__(self, method: Method = "zscore"):
        self.method = method

    def fit(self, data: Windows | Cases | np.ndarray) -> Normalizer:
        """Learn per-channel statistics from training data.

        For :class:`Windows` every raw row covered by a window counts once, however many
        windows overlap it, so the statistics are those of the training rows.
        """
        if self.method not in ("zscore", "window", "none"):
            raise DataError(f"normalisation {self.method!r}; use zscore, window or none")
        n_channels = _n_channels(data)
        self.mean_ = np.zeros(n_channels)
        self.scale_ = np.ones(n_channels)
        if self.method != "zscore":
            return self
        count, total, total_sq = 0, np.zeros(n_channels), np.zeros(n_channels)
        for rows in _training_rows(data):  # (n_rows, n_channels) chunks
            rows = rows.astype(np.float64)
            count += len(rows)
            total += rows.sum(axis=0)
            total_sq += np.square(rows).sum(axis=0)
        if count == 0:
            raise DataError(
                "cannot fit normalisation on an empty training split; use a larger train "
                "fraction in --split"
            )
        self.mean_ = total / count
        var = np.maximum(total_sq / count - np.square(self.mean_), 0.0)
        std = np.sqrt(var)
        self.scale_ = np.where(std > 1e-12 * np.maximum(1.0, np.abs(self.mean_)), std, 1.0)
        return self

    def transform(self, X: np.ndarray | list[np.ndarray]) -> np.ndarray | list[np.ndarray]:
        """Normalise ``(n, n_channels, n_timepoints)`` (or a list of ``(n_channels, t_i)``)."""
        if isinstance(X, list):
            return [self.transform(x[None])[0] for x in X]
        X = np.asarray(X, dtype=np.float32)
        if self.method == "zscore":
            mean = self.mean_.astype(np.float32)[:, None]
            scale = self.scale_.astype(np.float32)[:, None]
            return (X - mean) / scale
        if self.method == "window":
            return X - X.mean(axis=-1, keepdims=True)
        return X

    def to_dict(self) -> dict:
        """JSON-ready state, for saving next to a model."""
        return {"method": self.method, "mean": self.mean_.tolist(), "scale": self.scale_.tolist()}

    @classmethod
    def from_dict(cls, state: dict) -> Normalizer:
        norm = cls(state["method"])
        norm.mean_ = np.asarray(state["mean"], dtype=np.float64)
        norm.scale_ = np.asarray(state["scale"], dtype=np.float64)
        return norm


def _n_channels(data) -> int:
    if isinstance(data, Windows):
        return data.recordings.values.shape[1]
    X = data.X if isinstance(data, Cases) else data
    return X.shape[1] if isinstance(X, np.ndarray) else X[0].shape[0]


def _training_rows(data):
    """Yield ``(n_rows, n_channels)`` chunks of the rows the training data covers."""
    if isinstance(data, Windows):
        mask = data.row_mask()
        values = data.recordings.values
        for a in range(0, len(values), _CHUNK_ROWS):
            yield values[a : a + _CHUNK_ROWS][mask[a : a + _CHUNK_ROWS]]
        return
    X = data.X if isinstance(data, Cases) else data
    for x in X:  # one case at a time: (n_channels, n_timepoints)
        yield np.asarray(x).T
