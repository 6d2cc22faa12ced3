"""Window features for the classic (tabular) models: series in, one feature row per case out.

Three kinds, chosen by name:

``summary``
    Ten cheap statistics per channel (see :data:`SUMMARY_STATS`): location, spread,
    extremes, a robust spread, shape, trend and roughness. Works on any length.
``catch22``
    aeon's :class:`~aeon.transformations.collection.feature_based.Catch22`, 22 features
    per channel; aeon handles unequal lengths itself.
``raw``
    The values themselves, flattened channel by channel. Unequal-length series are
    first resampled linearly to one length (the training length), as the study did.

Every function takes ``X`` as the models do: a float array ``(n_cases, n_channels,
n_timepoints)``, a list of ``(n_channels, n_timepoints_i)`` arrays, or a
:class:`~tszoo.data.windows.WindowArray` (summary and catch22 copy its windows out a block
at a time), and returns a ``float32`` array ``(n_cases, n_features)``.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from tszoo.data.windows import WindowArray
from tszoo.errors import TszooError
from tszoo.models.base import ArrayLike3D, resample_series

FEATURES = ("summary", "catch22", "raw")
SUMMARY_STATS = (
    "mean",
    "std",
    "min",
    "max",
    "median",
    "iqr",
    "skew",
    "slope",
    "diff_std",
    "diff_mean_abs",
)
# Cases per block by default: bounds the float32 temporaries to a few MB per channel-length
# without making the per-block Python overhead noticeable.
CHUNK_SIZE = 4096


def check_features(features: str) -> str:
    """Return ``features`` if it names a feature kind, else raise a helpful error."""
    if features not in FEATURES:
        raise TszooError(f"features={features!r} is not a feature kind; use one of {FEATURES}")
    return features


def window_features(
    X: ArrayLike3D,
    features: str = "summary",
    *,
    length: int | None = None,
    chunk_size: int = CHUNK_SIZE,
):
    """Turn series into a feature matrix.

    Parameters
    ----------
    X : ndarray of shape (n_cases, n_channels, n_timepoints) or list of ndarray
        The series; a list may hold ``(n_channels, n_timepoints_i)`` arrays of unequal length.
    features : {"summary", "catch22", "raw"}, default="summary"
        Which features to compute.
    length : int, optional
        For ``raw`` only: the length every series is resampled to. Needed for unequal-length
        input (pass the training length at predict time); defaults to the series' own length.
    chunk_size : int
        Cases whose summary or catch22 features are computed at a time (the result does
        not depend on it; a :class:`WindowArray` is copied out this many windows at once).

    Returns
    -------
    ndarray of shape (n_cases, n_features), float32
        ``n_features`` is ``10 * n_channels`` (summary), ``22 * n_channels`` (catch22) or
        ``length * n_channels`` (raw).
    """
    check_features(features)
    if features == "summary":
        return summary_features(X, chunk_size)
    if features == "catch22":
        return catch22_features(X, chunk_size)
    return raw_features(X, length)


def summary_features(X: ArrayLike3D, chunk_size: int = CHUNK_SIZE) -> np.ndarray:
    """The :data:`SUMMARY_STATS` of every channel: ``(n_cases, 10 * n_channels)``.

    Columns run statistic-major within a channel: channel 0's ten statistics, then
    channel 1's, and so on (see :func:`feature_names`).
    """
    if not isinstance(X, list):  # an array, or windows copied a block at a time
        return _by_blocks(_summary_block, X, 10 * X.shape[1], chunk_size)
    # unequal lengths: stack the series of each length and compute them together
    by_length: dict[int, list[int]] = defaultdict(list)
    for i, x in enumerate(X):
        by_length[x.shape[1]].append(i)
    out = np.empty((len(X), X[0].shape[0] * len(SUMMARY_STATS)), dtype=np.float32)
    for idx in by_length.values():
        out[idx] = summary_features(np.stack([X[i] for i in idx]), chunk_size)
    return out


def _summary_block(X: np.ndarray) -> np.ndarray:
    # (n, C, T) -> (n, C, n_stats) -> (n, C * n_stats)
    X = np.asarray(X, dtype=np.float32)
    n_cases, _, n_timepoints = X.shape
    mean = X.mean(axis=-1)
    centred = X - mean[..., None]
    std = np.sqrt((centred**2).mean(axis=-1))
    q25, median, q75 = np.quantile(X, [0.25, 0.5, 0.75], axis=-1).astype(np.float32)
    third = (centred**3).mean(axis=-1)
    skew = np.divide(third, std**3, out=np.zeros_like(std), where=std > 1e-12)
    # least-squares slope per time step: cov(t, x) / var(t), on centred time
    t = np.arange(n_timepoints, dtype=np.float32) - (n_timepoints - 1) / 2
    t_ss = float((t**2).sum())
    slope = (centred @ t) / t_ss if t_ss > 0 else np.zeros_like(mean)
    if n_timepoints > 1:
        diff = np.diff(X, axis=-1)
        diff_std, diff_mean_abs = diff.std(axis=-1), np.abs(diff).mean(axis=-1)
    else:
        diff_std = diff_mean_abs = np.zeros_like(mean)
    stats = [
        mean,
        std,
        X.min(axis=-1),
        X.max(axis=-1),
        median,
        q75 - q25,
        skew,
        slope,
        diff_std,
        diff_mean_abs,
    ]
    return np.stack(stats, axis=-1).reshape(n_cases, -1).astype(np.float32)


def catch22_features(X: ArrayLike3D, chunk_size: int = CHUNK_SIZE) -> np.ndarray:
    """aeon's Catch22 features of every channel: ``(n_cases, 22 * n_channels)``.

    Features that are undefined for a series (a constant window, say) come back as 0.
    """
    from aeon.transformations.collection.feature_based import Catch22

    def catch22(X: ArrayLike3D) -> np.ndarray:
        # aeon's numba kernels fail to type-check on float32 input (aeon 1.6), so cast up
        if isinstance(X, list):
            X = [np.asarray(x, dtype=np.float64) for x in X]
        else:
            X = np.asarray(X, dtype=np.float64)
        out = np.asarray(Catch22(replace_nans=True).fit_transform(X), dtype=np.float32)
        return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)

    if isinstance(X, WindowArray):  # each series' features are its own: any blocks do
        return _by_blocks(catch22, X, 22 * X.shape[1], chunk_size)
    return catch22(X)


def _by_blocks(
    features, X: np.ndarray | WindowArray, n_features: int, chunk_size: int
) -> np.ndarray:
    """``features`` of ``chunk_size`` cases at a time, into one float32 ``(n_cases,
    n_features)`` array: only one block of a :class:`WindowArray` is ever copied out."""
    out = np.empty((len(X), n_features), dtype=np.float32)
    for a in range(0, len(X), chunk_size):
        out[a : a + chunk_size] = features(X[a : a + chunk_size])
    return out


def raw_features(X: ArrayLike3D, length: int | None = None) -> np.ndarray:
    """Flattened values, ``(n_cases, n_channels * length)``; resampled to ``length`` first."""
    if length is None:
        if isinstance(X, list):
            raise TszooError("raw features of unequal-length series need a length to resample to")
        length = X.shape[-1]
    X = resample_series(X, length)
    return np.asarray(X, dtype=np.float32).reshape(len(X), -1)


def series_length(X: ArrayLike3D) -> int:
    """The longest series in ``X``: the length ``raw`` features resample to."""
    return max(x.shape[1] for x in X) if isinstance(X, list) else X.shape[-1]


def feature_names(features: str, n_channels: int, *, length: int | None = None) -> list[str]:
    """Column names of :func:`window_features`, e.g. ``"ch0_slope"``."""
    check_features(features)
    if features == "summary":
        return [f"ch{c}_{s}" for c in range(n_channels) for s in SUMMARY_STATS]
    if features == "catch22":
        return [f"ch{c}_catch22_{k}" for c in range(n_channels) for k in range(22)]
    if length is None:
        raise TszooError("raw feature names need the series length")
    return [f"ch{c}_t{t}" for c in range(n_channels) for t in range(length)]
