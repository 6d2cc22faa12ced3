"""MiniRocket: aeon's MiniRocketClassifier behind the tszoo contract."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from tszoo.models.base import ArrayLike3D, BaseClassifier
from tszoo.models.persistence import SkopsEstimatorState
from tszoo.models.rocket._common import (
    fitted_length,
    preserved_global_state,
    softmax_scores,
    to_length,
)


class MiniRocketClassifier(SkopsEstimatorState, BaseClassifier):
    """aeon's MiniRocket transform, a standard scaler and a ridge classifier.

    A thin adapter over :class:`aeon.classification.convolution_based.MiniRocketClassifier`
    that adds what aeon's classifier lacks:

    * **Unequal and short series.** aeon needs one length of at least 9. Every series is
      resampled linearly to the longest training series (or to 9 if that is shorter), at fit
      and at predict time. Resampling rather than zero padding keeps each series' whole
      shape under the kernels: padding would add a flat stretch that MiniRocket's
      proportion-of-positive-values features count as signal, and would make a short
      series look different from the same motion recorded longer.
    * **Graded probabilities.** aeon's ``predict_proba`` is one-hot. Here it is the softmax
      of the ridge decision values, so its argmax is the ridge prediction and it ranks
      cases usefully (ROC AUC, thresholds); ridge scores live on a +/-1 scale, so the
      probabilities are soft and uncalibrated.

    Parameters
    ----------
    n_kernels : int, default=10000
        Number of kernels (rounded down to a multiple of 84, at least 84).
    max_dilations_per_kernel : int, default=32
        Maximum number of dilations per kernel.
    class_weight : {None, "balanced"} or dict, default=None
        Passed to the ridge classifier.
    n_jobs : int, default=1
        Threads for the transform; ``-1`` uses every core.
    random_state : int, RandomState or None, default=None
        Seeds the choice of biases (MiniRocket is otherwise deterministic).

    Attributes
    ----------
    estimator_ : aeon.classification.convolution_based.MiniRocketClassifier
        The fitted aeon classifier (on class codes).
    n_timepoints_ : int
        The length every series is resampled to.
    """

    _tags: ClassVar[dict[str, Any]] = {**BaseClassifier._tags, "unequal_length": True}
    _MIN_LENGTH = 9  # MiniRocket's kernels span 9 points
    # skops round-trips the fitted aeon classifier: its state is numpy arrays and
    # scikit-learn objects; the numba kernels are module functions, not stored state
    _FILE = "minirocket.skops"

    def __init__(
        self,
        *,
        n_kernels: int = 10_000,
        max_dilations_per_kernel: int = 32,
        class_weight=None,
        n_jobs: int = 1,
        random_state=None,
    ):
        self.n_kernels = n_kernels
        self.max_dilations_per_kernel = max_dilations_per_kernel
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _fit(self, X: ArrayLike3D, y: np.ndarray, validation: tuple | None) -> None:
        from aeon.classification.convolution_based import MiniRocketClassifier as _Aeon

        self.n_timepoints_ = fitted_length(X, self._MIN_LENGTH)
        self.estimator_ = _Aeon(
            n_kernels=self.n_kernels,
            max_dilations_per_kernel=self.max_dilations_per_kernel,
            class_weight=self.class_weight,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
        )
        with preserved_global_state():
            self.estimator_.fit(to_length(X, self.n_timepoints_), y)

    def _predict_proba(self, X: ArrayLike3D) -> np.ndarray:
        # aeon keeps transform -> scaler -> ridge as a scikit-learn Pipeline in `pipeline_`
        decision = self.estimator_.pipeline_.decision_function(to_length(X, self.n_timepoints_))
        return softmax_scores(decision)

    @classmethod
    def _get_test_params(cls) -> dict[str, Any]:
        return {"n_kernels": 84, "max_dilations_per_kernel": 4, "random_state": 0}
