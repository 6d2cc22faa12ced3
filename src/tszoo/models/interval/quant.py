"""QUANT: aeon's QUANT transform and an extra-trees classifier, as aeon's QUANTClassifier
builds them, behind the tszoo contract."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from sklearn.ensemble import ExtraTreesClassifier
from sklearn.utils import check_random_state

from tszoo.models.base import ArrayLike3D, BaseClassifier
from tszoo.models.persistence import SkopsEstimatorState
from tszoo.models.rocket._common import (
    feature_chunks,
    fitted_length,
    preserved_global_state,
    stack_chunks,
)


class QUANTClassifier(SkopsEstimatorState, BaseClassifier):
    """Quantiles over dyadic intervals of four representations, then extremely random trees.

    The steps of :class:`aeon.classification.interval_based.QUANTClassifier` (Dempster,
    Schmidt & Webb 2024, "QUANT: a minimalist interval method for time series
    classification"): ``QUANTTransformer`` computes quantiles over a fixed set of dyadic
    intervals of each series, its first and second differences and the magnitude of its
    Fourier transform, and an ``ExtraTreesClassifier(n_estimators=200, max_features=0.1,
    criterion="entropy")`` learns on them. On the same equal-length data and seed it predicts
    what aeon's classifier predicts. What tszoo adds, as for the Rocket adapters:

    * **Unequal and short series** are resampled linearly to the longest training series
      (at least :attr:`_MIN_LENGTH` points), at fit and at predict time; aeon's QUANT needs
      one length.
    * **Many windows**: series are transformed ``chunk_size`` at a time, so a
      :class:`~tszoo.data.windows.WindowArray` is never copied out whole. The transform has
      no fitted state but the intervals, which depend on the length alone.

    Parameters
    ----------
    interval_depth : int, default=6
        Levels of dyadic intervals: level ``k`` splits each representation into ``2**k``
        intervals (plus the same shifted by half an interval).
    quantile_divisor : int, default=4
        An interval of ``m`` points gives ``1 + (m - 1) // quantile_divisor`` quantiles.
    n_estimators : int, default=200
        Trees of the extra-trees classifier.
    max_features : float, default=0.1
        Fraction of the features each split considers.
    class_weight : {None, "balanced", "balanced_subsample"} or dict, default=None
        Passed to the trees.
    n_jobs : int, default=1
        Cores for the trees; ``-1`` uses every core. Changing it on a fitted model
        (``set_params``) changes the cores it predicts on.
    chunk_size : int, default=4096
        Series transformed at a time: a :class:`~tszoo.data.windows.WindowArray` is copied out this
        many windows at once. The result does not depend on it; lower it to save memory.
    random_state : int, RandomState or None, default=None
        Seeds the trees (the transform is deterministic).

    Attributes
    ----------
    transformer_ : aeon QUANTTransformer
    estimator_ : sklearn.ensemble.ExtraTreesClassifier
        On class codes.
    n_timepoints_ : int
        The length every series is resampled to.
    """

    _tags: ClassVar[dict[str, Any]] = {**BaseClassifier._tags, "unequal_length": True}
    _MIN_LENGTH = 4  # second differences and a 5-point smoothing need a few points

    def __init__(
        self,
        *,
        interval_depth: int = 6,
        quantile_divisor: int = 4,
        n_estimators: int = 200,
        max_features: float = 0.1,
        class_weight=None,
        n_jobs: int = 1,
        chunk_size: int = 4096,  # series transformed at a time
        random_state=None,
    ):
        self.chunk_size = chunk_size
        self.interval_depth = interval_depth
        self.quantile_divisor = quantile_divisor
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _fit(self, X: ArrayLike3D, y: np.ndarray, validation: tuple | None) -> None:
        self.n_timepoints_ = fitted_length(X, self._MIN_LENGTH)
        # 1. the intervals: a function of the length only
        self.transformer_ = self._make_transformer()
        # 2. features a chunk at a time, then the trees
        features = stack_chunks(self._feature_chunks(X), len(X))
        # aeon's classifier seeds its trees with an integer drawn from random_state
        seed = None
        if self.random_state is not None:
            seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        self.estimator_ = ExtraTreesClassifier(
            n_estimators=self.n_estimators,
            max_features=self.max_features,
            criterion="entropy",
            class_weight=self.class_weight,
            n_jobs=self.n_jobs,
            random_state=seed,
        ).fit(features, y)

    def _predict_proba(self, X: ArrayLike3D) -> np.ndarray:
        self.estimator_.n_jobs = self.n_jobs  # set_params(n_jobs=...) holds for predict too
        return np.concatenate([self.estimator_.predict_proba(Z) for Z in self._feature_chunks(X)])

    def _make_transformer(self):
        from aeon.transformations.collection.interval_based import QUANTTransformer

        transformer = QUANTTransformer(
            interval_depth=self.interval_depth, quantile_divisor=self.quantile_divisor
        )
        with preserved_global_state():
            transformer.fit(np.zeros((1, self.n_channels_, self.n_timepoints_), dtype=np.float32))
        return transformer

    def _feature_chunks(self, X: ArrayLike3D):
        return feature_chunks(self._transform, X, self.n_timepoints_, self.chunk_size)

    def _transform(self, X: np.ndarray) -> np.ndarray:
        with preserved_global_state():
            return np.asarray(self.transformer_.transform(X), dtype=np.float32)

    # -- persistence: the trees through skops; the transform is rebuilt from its length --

    def _load(self, directory: Path, state: dict) -> None:
        super()._load(directory, state)
        self.transformer_ = self._make_transformer()  # n_channels_ is restored by load_model

    @classmethod
    def _get_test_params(cls) -> dict[str, Any]:
        return {"interval_depth": 3, "n_estimators": 20, "random_state": 0}
