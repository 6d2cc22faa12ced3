"""What the Rocket adapters share: one series length, soft ridge scores, tidy global state."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from tszoo.models.base import ArrayLike3D, resample_series

# The regularisation grid aeon's Rocket classifiers search with RidgeClassifierCV.
RIDGE_ALPHAS = np.logspace(-3, 3, 10)


def fitted_length(X: ArrayLike3D, min_length: int) -> int:
    """The length every series is resampled to: the longest training series, at least
    ``min_length`` (the shortest series the kernels can run on)."""
    longest = X.shape[-1] if isinstance(X, np.ndarray) else max(x.shape[1] for x in X)
    return max(longest, min_length)


def to_length(X: ArrayLike3D, length: int) -> np.ndarray:
    """``X`` as a float32 ``(n_cases, n_channels, length)`` array, resampling linearly
    whatever series are not ``length`` long already."""
    return np.ascontiguousarray(resample_series(X, length), dtype=np.float32)


def softmax_scores(decision: np.ndarray) -> np.ndarray:
    """Softmax of ridge decision values: ``(n_cases,)`` (binary) or ``(n_cases, n_classes)``
    in, ``(n_cases, n_classes)`` probabilities out.

    The argmax is the ridge classifier's own prediction (for two classes a score > 0 means
    class 1, and ``[-d, d]`` keeps that), so ``predict`` agrees with ``predict_proba``.
    """
    scores = np.asarray(decision, dtype=np.float64)
    if scores.ndim == 1:
        scores = np.column_stack([-scores, scores])
    scores = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(scores)
    return exp / exp.sum(axis=1, keepdims=True)


@contextmanager
def preserved_global_state() -> Iterator[None]:
    """Undo what aeon's transformers do to process-wide state while they fit.

    ``MultiRocket.fit`` calls ``np.random.seed`` and ``HydraTransformer.fit`` calls
    ``torch.manual_seed`` and ``torch.set_num_threads(n_jobs)``; left alone, fitting a
    Rocket model would reseed the caller's generators and pin torch to one thread for
    every model trained after it in the same process.
    """
    np_state = np.random.get_state()  # noqa: NPY002 - aeon uses the legacy global
    try:
        import torch
    except ImportError:  # only Hydra needs torch
        torch = None
    threads = torch.get_num_threads() if torch is not None else None
    torch_state = torch.random.get_rng_state() if torch is not None else None
    try:
        yield
    finally:
        np.random.set_state(np_state)  # noqa: NPY002
        if torch is not None:
            torch.random.set_rng_state(torch_state)
            torch.set_num_threads(threads)
