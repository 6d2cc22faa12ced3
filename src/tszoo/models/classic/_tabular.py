"""Shared machinery of the classic models: features in, a scikit-learn classifier on them."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin

from tszoo.models.base import ArrayLike3D, BaseClassifier
from tszoo.models.classic.features import check_features, series_length, window_features
from tszoo.models.persistence import SkopsEstimatorState


class TabularClassifier(SkopsEstimatorState, BaseClassifier):
    """A scikit-learn classifier on :func:`~tszoo.models.classic.features.window_features`.

    Subclasses store a ``features`` parameter and build the unfitted scikit-learn
    estimator in :meth:`_make_estimator` (given the training codes); this class computes
    the features, fits the estimator and saves it with skops.

    Attributes
    ----------
    estimator_ : sklearn classifier
        The fitted scikit-learn estimator, on integer class codes.
    n_timepoints_ : int
        The longest training series: the length ``raw`` features resample to.
    """

    def _make_estimator(self, y: np.ndarray) -> ClassifierMixin:
        raise NotImplementedError

    def _features(self, X: ArrayLike3D) -> np.ndarray:
        return window_features(
            X, self.features, length=self.n_timepoints_, chunk_size=self.chunk_size
        )

    def _fit(self, X: ArrayLike3D, y: np.ndarray, validation: tuple | None) -> None:
        check_features(self.features)
        self.n_timepoints_ = series_length(X)
        self.estimator_ = self._make_estimator(y).fit(self._features(X), y)

    def _predict_proba(self, X: ArrayLike3D) -> np.ndarray:
        return self.estimator_.predict_proba(self._features(X))
