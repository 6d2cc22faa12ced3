"""Shared machinery of the classic models: features in, a scikit-learn classifier on them."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from tszoo.models.base import ArrayLike3D, BaseClassifier, check_X
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

    def held_out_predictions(
        self, X: ArrayLike3D, y: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]]
    ) -> np.ndarray:
        """Cross-validated predictions from one pass of the features (they learn no labels):
        only the estimator is fitted on each fold."""
        check_is_fitted(self, "estimator_")
        codes = self._encode(np.asarray(y))
        features = self._features(check_X(X))
        predicted = np.empty(len(codes), dtype=np.int64)
        for train, test in folds:
            estimator = self._make_estimator(codes[train]).fit(features[train], codes[train])
            proba = estimator.predict_proba(features[test])
            predicted[test] = estimator.classes_[np.argmax(proba, axis=1)]
        return self.classes_[predicted]

    def _predict_proba(self, X: ArrayLike3D) -> np.ndarray:
        return self.estimator_.predict_proba(self._features(X))
