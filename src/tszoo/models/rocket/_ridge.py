"""A ridge classifier fitted from feature chunks, for training sets whose features are too many
to hold at once.

MiniRocket turns a window into ~10,000 features: a million windows would be 40 GB in float32,
and scikit-learn's ``RidgeClassifierCV`` needs them all, in float64, plus an SVD. But ridge
regression only needs the features' sums, their Gram matrix ``Z^T Z`` (``n_features`` squared:
800 MB for 10,000 features, whatever the number of windows) and ``Z^T Y``. These accumulate a
chunk at a time; one eigendecomposition of the Gram matrix then solves the ridge for every
regularisation strength at once, and picks the one with the lowest generalised
cross-validation error (GCV: the closed-form approximation of leave-one-out error, which
scikit-learn computes exactly but which needs every row; with many more windows than
features the two agree closely).

The targets, intercept and class weights are ``RidgeClassifierCV``'s: one column of +1/-1 per
class (one column for two classes), the features centred (``fit_intercept=True``) and each
case weighted by its class weight.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import scipy.linalg
from sklearn.base import BaseEstimator
from sklearn.linear_model._base import LinearClassifierMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_class_weight

from tszoo.errors import TszooError


class StreamedRidgeClassifier(LinearClassifierMixin, BaseEstimator):
    """Ridge classifier on features that arrive in chunks; see the module docstring.

    Parameters
    ----------
    alphas : array-like of float
        Regularisation strengths to choose from (by GCV).
    class_weight : {None, "balanced"} or dict
        As in :class:`sklearn.linear_model.RidgeClassifierCV`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class codes ``0 .. n_classes - 1``.
    coef_ : ndarray of shape (1 or n_classes, n_features)
        On the scaled features (after :attr:`scaler_`).
    intercept_ : ndarray of shape (1 or n_classes,)
    alpha_ : float
        The chosen regularisation strength.
    gcv_ : ndarray of shape (n_alphas,)
        The GCV error of each alpha: squared error per case and target, the quantity
        scikit-learn's ``RidgeClassifierCV`` computes exactly by leave-one-out.
    scaler_ : sklearn.preprocessing.StandardScaler
        Fitted on the same chunks (``partial_fit``); the ridge sees ``scaler_.transform(Z)``.
    """

    def __init__(self, *, alphas=(0.1, 1.0, 10.0), class_weight=None):
        self.alphas = alphas
        self.class_weight = class_weight

    def fit(self, X: np.ndarray, y: np.ndarray) -> StreamedRidgeClassifier:
        """Fit on features ``X`` held in memory: one chunk."""
        return self.fit_chunks([np.asarray(X)], y)

    def fit_chunks(
        self,
        chunks: Iterable[np.ndarray],
        y: np.ndarray,
        *,
        with_mean: bool = False,
    ) -> StreamedRidgeClassifier:
        """Fit on ``chunks``: consecutive float feature blocks ``(n_i, n_features)`` whose rows
        are the cases of ``y`` (integer codes ``0 .. n_classes - 1``), in order.

        ``with_mean`` is the scaler's (``StandardScaler(with_mean=...)``).
        """
        y = np.asarray(y)
        n_classes = int(y.max()) + 1
        self.classes_ = np.arange(n_classes)
        targets = np.where(y[:, None] == self.classes_[None, :], 1.0, -1.0)
        if n_classes == 2:
            targets = targets[:, 1:]
        weights = self._sample_weights(y)
        # 1. one pass: weighted sums of shifted features (shifted by the first chunk's mean,
        #    so that centring at the end cancels nothing large), Gram matrix, Z^T Y
        self.scaler_ = StandardScaler(with_mean=with_mean)
        acc = _Sums()
        start = 0
        for Z in chunks:
            stop = start + len(Z)
            self.scaler_.partial_fit(Z)
            acc.add(Z, targets[start:stop], weights[start:stop])
            start = stop
        if start != len(y):
            raise TszooError(f"the feature chunks hold {start} cases but y holds {len(y)}")
        # 2. centre, scale, and solve for every alpha from one eigendecomposition
        self._solve(acc, len(y))
        return self

    def _sample_weights(self, y: np.ndarray) -> np.ndarray:
        if self.class_weight is None:
            return np.ones(len(y))
        weight = compute_class_weight(self.class_weight, classes=self.classes_, y=y)
        return weight[y]

    def _solve(self, acc: _Sums, n: int) -> None:
        scale = self.scaler_.scale_
        mean_shifted = acc.s / acc.w  # weighted mean of (z - shift)
        gram = acc.gram
        gram -= acc.w * np.outer(mean_shifted, mean_shifted)  # centred, in place
        gram /= np.outer(scale, scale)
        cross = (acc.zt - np.outer(mean_shifted, acc.t)) / scale[:, None]  # (p, k)
        target_ss = acc.tt - acc.t**2 / acc.w  # centred targets' weighted sum of squares
        eigvals, eigvecs = scipy.linalg.eigh(gram, overwrite_a=True, driver="evr")
        eigvals = np.clip(eigvals, 0.0, None)
        proj = eigvecs.T @ cross  # (p, k)
        energy = (proj**2).sum(axis=1)  # (p,): the targets' weight on each eigenvector
        alphas = np.asarray(self.alphas, dtype=np.float64)
        gcv = np.empty(len(alphas))
        for i, alpha in enumerate(alphas):
            shrink = 1.0 / (eigvals + alpha)
            rss = target_ss.sum() - (energy * (eigvals + 2 * alpha) * shrink**2).sum()
            dof = 1.0 + (eigvals * shrink).sum()  # the intercept counts one
            # per case and target, as scikit-learn averages its leave-one-out errors
            gcv[i] = max(rss, 0.0) / (n * len(target_ss) * max(1.0 - dof / n, 1e-12) ** 2)
        best = int(np.argmin(gcv))
        self.alpha_, self.gcv_ = float(alphas[best]), gcv
        coef = eigvecs @ (proj / (eigvals + self.alpha_)[:, None])  # (p, k), scaled space
        # the weighted mean of what the ridge sees, scaler_.transform(Z)
        offset = self.scaler_.mean_ if self.scaler_.with_mean else 0.0
        mean_scaled = (acc.shift + mean_shifted - offset) / scale
        self.coef_ = np.ascontiguousarray(coef.T)
        self.intercept_ = acc.t / acc.w - mean_scaled @ coef
        self.n_features_in_ = len(scale)


class _Sums:
    """Running weighted sums over feature chunks, in float64."""

    def __init__(self) -> None:
        self.shift = None

    def add(self, Z: np.ndarray, targets: np.ndarray, weights: np.ndarray) -> None:
        if self.shift is None:
            p, k = Z.shape[1], targets.shape[1]
            self.shift = Z.mean(axis=0, dtype=np.float64)
            self.w, self.s = 0.0, np.zeros(p)
            self.gram, self.zt = np.zeros((p, p)), np.zeros((p, k))
            self.t, self.tt = np.zeros(k), np.zeros(k)
        root = np.sqrt(weights)[:, None]
        D = (Z - self.shift.astype(Z.dtype)) * root.astype(Z.dtype)  # (m, p), shifted
        self.gram += D.T @ D  # the chunk's product in the features' precision, summed in float64
        self.zt += D.T @ (targets * root).astype(Z.dtype)
        self.s += (D * root.astype(Z.dtype)).sum(axis=0, dtype=np.float64)
        self.w += float(weights.sum())
        self.t += (targets * weights[:, None]).sum(axis=0)
        self.tt += (targets**2 * weights[:, None]).sum(axis=0)
