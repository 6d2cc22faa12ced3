"""MiniRocket: aeon's MiniRocket transform, a scaler and a ridge classifier, as aeon's
MiniRocketClassifier builds them, behind the tszoo contract."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from sklearn.linear_model import RidgeClassifierCV
from sklearn.preprocessing import StandardScaler

from tszoo.models.base import ArrayLike3D, BaseClassifier
from tszoo.models.persistence import dump_sklearn, load_sklearn
from tszoo.models.rocket._common import (
    FIT_SERIES,
    RIDGE_ALPHAS,
    check_ridge_memory,
    feature_chunks,
    fit_series,
    fitted_length,
    peek,
    preserved_global_state,
    softmax_scores,
    stack_chunks,
)
from tszoo.models.rocket._ridge import StreamedRidgeClassifier


class MiniRocketClassifier(BaseClassifier):
    """aeon's MiniRocket transform, a standard scaler and a ridge classifier.

    The steps of :class:`aeon.classification.convolution_based.MiniRocketClassifier`
    (``MiniRocket`` -> ``StandardScaler(with_mean=False)`` -> ``RidgeClassifierCV`` over the
    same alphas, with the same seed: on the same data it predicts what aeon's classifier
    predicts), taken one by one so that tszoo can add what aeon's classifier lacks:

    * **Unequal and short series.** aeon needs one length of at least 9. Every series is
      resampled linearly to the longest training series (or to 9 if that is shorter), at fit
      and at predict time. Resampling rather than zero padding keeps each series' whole
      shape under the kernels: padding would add a flat stretch that MiniRocket's
      proportion-of-positive-values features count as signal, and would make a short
      series look different from the same motion recorded longer.
    * **Many windows.** Series are transformed ``chunk_size`` at a time (float32), so a
      :class:`~tszoo.data.windows.WindowArray` is never copied whole; the biases are drawn
      from at most ``max_fit_series`` training series. With
      more than twice as many training cases as features (~20,000 windows at the default
      10,000 kernels) the features are not kept at all: the ridge is solved from their
      Gram matrix, accumulated chunk by chunk, and its alpha chosen by generalised
      cross-validation (:class:`~tszoo.models.rocket._ridge.StreamedRidgeClassifier`), so a
      million windows train in about 2 GB instead of the 40 GB their features would take.
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
        Threads for the transform; ``-1`` uses every core. Changing it on a fitted model
        (``set_params``) changes the threads it predicts on.
    chunk_size : int, default=4096
        Series transformed at a time: a :class:`~tszoo.data.windows.WindowArray` is copied out this
        many windows at once. The result does not depend on it; lower it to save memory.
    max_fit_series : int, default=10000
        Training series the transform draws its random biases from (spread evenly over
        the training set when there are more).
    random_state : int, RandomState or None, default=None
        Seeds the choice of biases (MiniRocket is otherwise deterministic).

    Attributes
    ----------
    transformer_ : aeon MiniRocket
    scaler_ : sklearn.preprocessing.StandardScaler
    ridge_ : sklearn.linear_model.RidgeClassifierCV or StreamedRidgeClassifier
        On class codes.
    n_timepoints_ : int
        The length every series is resampled to.
    """

    _tags: ClassVar[dict[str, Any]] = {**BaseClassifier._tags, "unequal_length": True}
    _MIN_LENGTH = 9  # MiniRocket's kernels span 9 points
    # skops round-trips the fitted transform, scaler and ridge: numpy arrays and
    # scikit-learn objects; the numba kernels are module functions, not stored state
    _FILE = "minirocket.skops"

    def __init__(
        self,
        *,
        n_kernels: int = 10_000,
        max_dilations_per_kernel: int = 32,
        class_weight=None,
        n_jobs: int = 1,
        chunk_size: int = 4096,  # series transformed at a time: ~160 MB of features
        max_fit_series: int = FIT_SERIES,
        random_state=None,
    ):
        self.n_kernels = n_kernels
        self.max_dilations_per_kernel = max_dilations_per_kernel
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.chunk_size = chunk_size
        self.max_fit_series = max_fit_series
        self.random_state = random_state

    def _fit(self, X: ArrayLike3D, y: np.ndarray, validation: tuple | None) -> None:
        from aeon.transformations.collection.convolution_based import MiniRocket

        self.n_timepoints_ = fitted_length(X, self._MIN_LENGTH)
        # 1. kernels, dilations and biases (the biases from up to max_fit_series training series)
        self.transformer_ = MiniRocket(
            n_kernels=self.n_kernels,
            max_dilations_per_kernel=self.max_dilations_per_kernel,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
        )
        with preserved_global_state():
            self.transformer_.fit(fit_series(X, self.n_timepoints_, self.max_fit_series))
        # 2. features a chunk at a time; ridge on them in memory, or from their Gram matrix
        #    when that is the smaller of the two (more than twice as many cases as features)
        chunks = feature_chunks(self.transformer_.transform, X, self.n_timepoints_, self.chunk_size)
        first, chunks = peek(chunks)
        if len(X) <= 2 * first.shape[1]:  # aeon's MiniRocketClassifier, step by step
            check_ridge_memory("minirocket", len(X), first.shape[1])
            self.scaler_ = StandardScaler(with_mean=False)
            features = self.scaler_.fit_transform(stack_chunks(chunks, len(X)))
            self.ridge_ = RidgeClassifierCV(alphas=RIDGE_ALPHAS, class_weight=self.class_weight)
            self.ridge_.fit(features, y)
        else:
            self.ridge_ = StreamedRidgeClassifier(
                alphas=RIDGE_ALPHAS, class_weight=self.class_weight
            ).fit_chunks(chunks, y, with_mean=False)
            self.scaler_ = self.ridge_.scaler_

    def _predict_proba(self, X: ArrayLike3D) -> np.ndarray:
        from aeon.utils.validation import check_n_jobs

        self.transformer_._n_jobs = check_n_jobs(self.n_jobs)  # aeon's copy, made by fit
        chunks = feature_chunks(self.transformer_.transform, X, self.n_timepoints_, self.chunk_size)
        decision = [self.ridge_.decision_function(self.scaler_.transform(Z)) for Z in chunks]
        return softmax_scores(np.concatenate(decision))

    def _save(self, directory: Path) -> dict:
        state = {"transformer": self.transformer_, "scaler": self.scaler_, "ridge": self.ridge_}
        dump_sklearn(state, directory / self._FILE)
        return {"n_timepoints": int(self.n_timepoints_)}

    def _load(self, directory: Path, state: dict) -> None:
        saved = load_sklearn(directory / self._FILE)
        if not isinstance(saved, dict):  # tszoo 0.1 saved aeon's whole classifier
            saved = dict(zip(("transformer", "scaler", "ridge"), saved.pipeline_[:3], strict=True))
        self.transformer_, self.scaler_, self.ridge_ = (
            saved["transformer"],
            saved["scaler"],
            saved["ridge"],
        )
        self.n_timepoints_ = int(state["n_timepoints"])

    @classmethod
    def _get_test_params(cls) -> dict[str, Any]:
        return {"n_kernels": 84, "max_dilations_per_kernel": 4, "random_state": 0}
