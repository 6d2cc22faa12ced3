"""What the Rocket adapters share: one series length, features a chunk at a time, soft ridge
scores, tidy global state."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import psutil

from tszoo.errors import TszooError
from tszoo.models.base import ArrayLike3D, resample_series

# The regularisation grid aeon's Rocket classifiers search with RidgeClassifierCV.
RIDGE_ALPHAS = np.logspace(-3, 3, 10)
# Training series the transforms draw their random biases from. MiniRocket draws one series
# per kernel and dilation (at most 84 x 32 = 2,688), MultiRocket twice that, so beyond this
# many a larger pool changes nothing but the memory the fit takes.
FIT_SERIES = 10_000


def fitted_length(X: ArrayLike3D, min_length: int) -> int:
    """The length every series is resampled to: the longest training series, at least
    ``min_length`` (the shortest series the kernels can run on)."""
    longest = max(x.shape[1] for x in X) if isinstance(X, list) else X.shape[-1]
    return max(longest, min_length)


def fit_series(X: ArrayLike3D, length: int, limit: int = FIT_SERIES) -> np.ndarray:
    """The training series the transforms are fitted on, at ``length`` points: all of them,
    or ``limit`` spread evenly over them when there are more."""
    if len(X) > limit:
        picks = np.linspace(0, len(X) - 1, limit).round().astype(np.int64)
        X = [X[i] for i in picks] if isinstance(X, list) else X[picks]
    return to_length(X, length)


def feature_chunks(
    transform: Callable[[np.ndarray], np.ndarray], X: ArrayLike3D, length: int, size: int
) -> Iterator[np.ndarray]:
    """``transform`` of ``size`` consecutive series at a time, each resampled to ``length``:
    only one chunk of a :class:`~tszoo.data.windows.WindowArray` is copied out at once."""
    for a in range(0, len(X), size):
        yield transform(to_length(X[a : a + size], length))


def peek(chunks: Iterator[np.ndarray]) -> tuple[np.ndarray, Iterator[np.ndarray]]:
    """The first chunk, and all of them again."""
    first = next(chunks)
    return first, itertools.chain([first], chunks)


def check_ridge_memory(model: str, n_cases: int, n_features: int) -> None:
    """Refuse, before anything is allocated, features that with ``RidgeClassifierCV``'s
    working copies would not fit in the memory this machine has free.

    The ridge holds the float32 features, a float64 copy, and a float64 eigen- or singular
    value decomposition of the smaller of ``X X^T`` and ``X^T X`` with its vectors.
    """
    need = n_cases * n_features * (4 + 8) + 2 * 8 * min(n_cases, n_features) ** 2
    free = psutil.virtual_memory().available
    if need > free:
        raise TszooError(
            f"{model}: a ridge on {n_features:,} features of each of {n_cases:,} training "
            f"series needs about {need / 2**30:.1f} GiB, and this machine has "
            f"{free / 2**30:.1f} GiB free; train on fewer windows (a larger --stride) or use "
            "minirocket, which trains on any number of windows"
        )


def stack_chunks(chunks: Iterator[np.ndarray], n_cases: int) -> np.ndarray:
    """The chunks, in order, as one float32 ``(n_cases, n_features)`` array."""
    out, a = None, 0
    for chunk in chunks:
        if out is None:
            out = np.empty((n_cases, chunk.shape[1]), dtype=np.float32)
        out[a : a + len(chunk)] = chunk
        a += len(chunk)
    return out


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
