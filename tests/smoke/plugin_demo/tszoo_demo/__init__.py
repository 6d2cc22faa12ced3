"""A tszoo plugin: two small classifiers, published through the tszoo.models entry point."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from tszoo.models import BaseClassifier
from tszoo.models.deep.base import TEST_TRAINING, DeepClassifier


def half_means(X) -> np.ndarray:
    """Each channel's mean over the first and the second half of each case (level and
    trend), ``(n_cases, 2 * n_channels)``; windows are read 256 at a time, never all."""

    def features(x: np.ndarray) -> np.ndarray:  # (n, channels, time) -> (n, 2 * channels)
        half = x.shape[-1] // 2
        return np.concatenate([x[..., :half].mean(-1), x[..., half:].mean(-1)], axis=-1)

    if isinstance(X, list):  # series of unequal length
        return np.stack([features(x[None])[0] for x in X])
    return np.concatenate([features(np.asarray(X[a : a + 256])) for a in range(0, len(X), 256)])


class NearestCentroid(BaseClassifier):
    """Nearest class centroid of the half means, probabilities from a softmax."""

    def __init__(self, *, temperature: float = 1.0) -> None:
        self.temperature = temperature

    def _fit(self, X, y, validation):
        means = half_means(X)
        self.centroids_ = np.stack([means[y == k].mean(axis=0) for k in range(len(self.classes_))])

    def _predict_proba(self, X):
        d = ((half_means(X)[:, None] - self.centroids_[None]) ** 2).sum(axis=2)
        z = np.exp(-(d - d.min(axis=1, keepdims=True)) / self.temperature)
        return z / z.sum(axis=1, keepdims=True)

    def _save(self, directory: Path) -> dict:
        return {"centroids": self.centroids_.tolist()}  # JSON in model.json: no pickle

    def _load(self, directory: Path, state: dict) -> None:
        self.centroids_ = np.asarray(state["centroids"], dtype=np.float32)


class TinyNet(nn.Module):
    def __init__(self, n_channels: int, n_classes: int, hidden: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(n_channels, hidden, kernel_size=5, padding=2)
        self.head = nn.Linear(hidden, n_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(torch.relu(self.conv(x)).mean(dim=2))


class TinyConv(DeepClassifier):
    """One convolution, global average pooling, linear: a network plus a short class."""

    def __init__(self, *, hidden: int = 16, **common) -> None:
        self.hidden = hidden
        super().__init__(**common)

    def _build_network(self, n_channels, n_classes, n_timepoints):
        return TinyNet(n_channels, n_classes, self.hidden)

    @classmethod
    def _get_test_params(cls):
        return {"hidden": 8, **TEST_TRAINING}
