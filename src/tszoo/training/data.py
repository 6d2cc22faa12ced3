"""The two forms of a data set the trainer takes: in-memory tensors (:class:`TensorData`)
or cases gathered a batch at a time (:class:`IndexedData`, for windows too many to copy at
once). Either way an epoch indexes a shuffled permutation into it batch by batch (no
per-sample ``Dataset`` / ``DataLoader``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch
from torch import Tensor


@dataclass
class TensorData:
    """A data set as in-memory tensors.

    Parameters
    ----------
    X : Tensor of shape (n_cases, n_channels, n_timepoints)
        Series, right-padded with zeros to the longest one.
    lengths : Tensor of shape (n_cases,) or None
        True lengths for masking; None when all series have the full length.
    y : Tensor of shape (n_cases,) or None
        Integer class codes (None for prediction).
    """

    X: Tensor
    lengths: Tensor | None = None
    y: Tensor | None = None

    def __len__(self) -> int:
        return len(self.X)

    def to(self, device: torch.device) -> TensorData:
        move = lambda t: None if t is None else t.to(device)  # noqa: E731
        return TensorData(move(self.X), move(self.lengths), move(self.y))

    def batch(self, index: Tensor) -> tuple[Tensor, Tensor | None, Tensor | None]:
        """``(x, lengths, y)`` of the cases at ``index``; ``x`` is cut to the batch's longest."""
        x = self.X[index]
        lengths = None if self.lengths is None else self.lengths[index]
        if lengths is not None:
            x = x[..., : int(lengths.max())]
        return x, lengths, None if self.y is None else self.y[index]


@dataclass
class IndexedData:
    """A data set gathered a batch at a time instead of held as one tensor.

    ``X`` is anything that an integer index array turns into an ``(n, n_channels,
    n_timepoints)`` array, such as a :class:`~tszoo.data.windows.WindowArray` of windows
    that are views of one recording; ``prepare`` turns such a batch into the network's
    float32 input. The trainer's shuffled indices pick each batch, so an epoch copies one
    batch at a time and the data set may be far larger than it would be as one tensor.
    Series all have one length (no masking).

    Parameters
    ----------
    X : indexable by an int64 array
    prepare : callable
        ``(n, n_channels, n_timepoints)`` array -> float32 array of network input.
    y : Tensor of shape (n_cases,) or None
    device : torch.device
        Where batches go.
    """

    X: Any
    prepare: Callable[[np.ndarray], np.ndarray]
    y: Tensor | None = None
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    lengths = None  # every series has the full length

    def __len__(self) -> int:
        return len(self.X)

    def to(self, device: torch.device) -> IndexedData:
        y = None if self.y is None else self.y.to(device)
        return replace(self, y=y, device=torch.device(device))

    def batch(self, index: Tensor) -> tuple[Tensor, None, Tensor | None]:
        """``(x, None, y)`` of the cases at ``index``, gathered and prepared now."""
        x = self.prepare(self.X[index.cpu().numpy()])
        x = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).to(self.device)
        return x, None, None if self.y is None else self.y[index]


Data = TensorData | IndexedData
