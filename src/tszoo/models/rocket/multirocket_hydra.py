"""MultiRocket-Hydra: aeon's MultiRocket and Hydra transforms under one ridge classifier."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from sklearn.linear_model import RidgeClassifierCV
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from tszoo.errors import TszooError
from tszoo.models.base import ArrayLike3D, BaseClassifier, check_X
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


class MultiRocketHydraClassifier(BaseClassifier):
    """aeon's MultiRocket and Hydra features, concatenated, under a ridge classifier.

    The same steps as :class:`aeon.classification.convolution_based.MultiRocketHydraClassifier`
    (Hydra counts with aeon's sparse scaling, MultiRocket features standardised, then
    ``RidgeClassifierCV`` over the same alphas), built from aeon's public transformers
    ``HydraTransformer`` and ``MultiRocket`` rather than by wrapping the classifier, because
    the classifier keeps its fitted steps in private attributes: it offers no decision values
    and holds torch tensors that skops cannot store.

    * **Unequal and short series** are resampled linearly to the longest training series
      (at least 10 points, the shortest MultiRocket's first-difference kernels run on); see
      :class:`~tszoo.models.rocket.minirocket.MiniRocketClassifier` for why resampling.
    * **Probabilities** are the softmax of the ridge decision values: argmax equals the
      ridge prediction; soft and uncalibrated, but they rank cases.

    Parameters
    ----------
    n_kernels : int, default=8
        Hydra kernels per group.
    n_groups : int, default=64
        Hydra groups per dilation.
    class_weight : {None, "balanced"} or dict, default=None
        Passed to the ridge classifier.
    n_jobs : int, default=1
        Threads for the transforms; ``-1`` uses every core. Changing it on a fitted model
        (``set_params``) changes the threads MultiRocket predicts on (Hydra's run on
        torch's).
    chunk_size : int, default=1024
        Series transformed at a time: a :class:`~tszoo.data.windows.WindowArray` is copied out this
        many windows at once. The result does not depend on it; lower it to save memory.
    max_fit_series : int, default=10000
        Training series the transform draws its random biases from (spread evenly over
        the training set when there are more).
    random_state : int, RandomState or None, default=None
        Seeds Hydra's kernels and MultiRocket's channel draws and biases.

    Attributes
    ----------
    hydra_ : aeon HydraTransformer
    multirocket_ : aeon MultiRocket
    hydra_scale_ : tuple of two ndarrays of shape (n_hydra_features,)
        Mean and scale of the square-rooted Hydra counts.
    scaler_ : sklearn.preprocessing.StandardScaler
        Standardises the MultiRocket features.
    ridge_ : sklearn.linear_model.RidgeClassifierCV
    n_timepoints_ : int
        The length every series is resampled to.
    """

    _tags: ClassVar[dict[str, Any]] = {**BaseClassifier._tags, "unequal_length": True}
    _MIN_LENGTH = 10
    _FILE = "multirocket_hydra.skops"

    def __init__(
        self,
        *,
        n_kernels: int = 8,
        n_groups: int = 64,
        class_weight=None,
        n_jobs: int = 1,
        # series transformed at a time: its ~50,000 features and the transforms' float64
        # temporaries take ~0.6 MB a series (8 channels x 50 points)
        chunk_size: int = 1024,
        max_fit_series: int = FIT_SERIES,
        random_state=None,
    ):
        self.n_kernels = n_kernels
        self.n_groups = n_groups
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.chunk_size = chunk_size
        self.max_fit_series = max_fit_series
        self.random_state = random_state

    def _fit(self, X: ArrayLike3D, y: np.ndarray, validation: tuple | None) -> None:
        from aeon.transformations.collection.convolution_based import MultiRocket

        self.n_timepoints_ = fitted_length(X, self._MIN_LENGTH)
        # 1. random kernels, seeded from random_state (aeon seeds the global generators);
        #    MultiRocket's biases come from up to max_fit_series training series
        sample = fit_series(X, self.n_timepoints_, self.max_fit_series)
        with preserved_global_state():
            self.hydra_ = self._make_hydra().fit(sample)
            self.multirocket_ = MultiRocket(n_jobs=self.n_jobs, random_state=self.random_state)
            self.multirocket_.fit(sample)
        n_hydra = self.hydra_.transform(sample[:1]).shape[1]
        del sample
        # 2. features a chunk at a time (each transform runs once); 3. the ridge on them
        self._fit_head(self._train_features(X), y, n_hydra)

    def _train_features(self, X: ArrayLike3D) -> np.ndarray:
        """Unscaled features of every training series, one float32 array."""
        chunks = self._feature_chunks(X)
        first, chunks = peek(chunks)
        check_ridge_memory("multirocket_hydra", len(X), first.shape[1])
        return stack_chunks(chunks, len(X))

    def _fit_head(self, features: np.ndarray, y: np.ndarray, n_hydra: int) -> None:
        """Fit what learns from the training series' features, of which the first
        ``n_hydra`` are Hydra's: each family's scaling on them, then the ridge on the
        concatenation (``features`` is scaled in place)."""
        self.hydra_scale_ = _fit_sparse_scale(features[:, :n_hydra])
        self.scaler_ = StandardScaler().fit(features[:, n_hydra:])
        features = self._scale(features)
        self.ridge_ = RidgeClassifierCV(alphas=RIDGE_ALPHAS, class_weight=self.class_weight)
        self.ridge_.fit(features, y)

    def held_out_predictions(
        self, X: ArrayLike3D, y: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]]
    ) -> np.ndarray:
        """Cross-validated predictions from one transform: the random kernels and biases
        fitted on all of ``X`` (they learn no labels), the scaling and ridge on each fold."""
        check_is_fitted(self, "ridge_")
        codes = self._encode(np.asarray(y))
        features = self._train_features(check_X(X))
        predicted = np.empty(len(codes), dtype=np.int64)
        n_hydra = len(self.hydra_scale_[0])
        fold_model = copy.copy(self)
        for train, test in folds:
            fold_model._fit_head(features[train], codes[train], n_hydra)
            decision = fold_model.ridge_.decision_function(fold_model._scale(features[test]))
            predicted[test] = softmax_scores(decision).argmax(axis=1)
        return self.classes_[predicted]

    def _make_hydra(self):
        from aeon.transformations.collection.convolution_based import HydraTransformer

        return HydraTransformer(
            n_kernels=self.n_kernels,
            n_groups=self.n_groups,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
            output_type="numpy",
        )

    def _raw_features(self, X: np.ndarray) -> np.ndarray:
        """``(n, C, T)`` -> ``(n, n_hydra + n_multirocket)`` float32: square-rooted Hydra
        counts, then MultiRocket's features, both unscaled."""
        hydra = np.sqrt(np.clip(self.hydra_.transform(X), 0, None))
        return np.concatenate([hydra, self.multirocket_.transform(X)], axis=1, dtype=np.float32)

    def _scale(self, features: np.ndarray) -> np.ndarray:
        """Scale raw features in place: Hydra's with aeon's sparse scaling (zero counts stay
        zero), MultiRocket's standardised."""
        mean, scale = self.hydra_scale_
        n_hydra = len(mean)
        hydra = features[:, :n_hydra]
        hydra[:] = (hydra - mean) * (hydra != 0) / scale
        features[:, n_hydra:] = self.scaler_.transform(features[:, n_hydra:])
        return features

    def _feature_chunks(self, X: ArrayLike3D) -> Iterator[np.ndarray]:
        from aeon.utils.validation import check_n_jobs

        self.multirocket_._n_jobs = check_n_jobs(self.n_jobs)  # aeon's copy, made by fit
        return feature_chunks(self._raw_features, X, self.n_timepoints_, self.chunk_size)

    def _predict_proba(self, X: ArrayLike3D) -> np.ndarray:
        decision = [self.ridge_.decision_function(self._scale(Z)) for Z in self._feature_chunks(X)]
        return softmax_scores(np.concatenate(decision))

    def _save(self, directory: Path) -> dict:
        # Hydra's kernels are torch tensors, which skops cannot store: save them as arrays
        kernels = self.hydra_._hydra  # aeon exposes no public handle on the fitted kernels
        state = {
            "multirocket": self.multirocket_,
            "scaler": self.scaler_,
            "ridge": self.ridge_,
            "hydra_weights": kernels.W.numpy(),
            "hydra_channels": np.stack([idx.numpy() for idx in kernels.idx]),
            "hydra_scale": list(self.hydra_scale_),
        }
        dump_sklearn(state, directory / self._FILE)
        return {"n_timepoints": int(self.n_timepoints_)}

    def _load(self, directory: Path, state: dict) -> None:
        import torch

        saved = load_sklearn(directory / self._FILE)
        self.n_timepoints_ = int(state["n_timepoints"])
        self.multirocket_, self.scaler_, self.ridge_ = (
            saved["multirocket"],
            saved["scaler"],
            saved["ridge"],
        )
        self.hydra_scale_ = tuple(np.asarray(a) for a in saved["hydra_scale"])
        # rebuild Hydra for this shape, then put the saved kernels in place
        with preserved_global_state():
            self.hydra_ = self._make_hydra().fit(
                np.zeros((1, self.n_channels_, self.n_timepoints_), dtype=np.float32)
            )
        kernels = self.hydra_._hydra
        weights, channels = saved["hydra_weights"], saved["hydra_channels"]
        if weights.shape != tuple(kernels.W.shape) or len(channels) != len(kernels.idx):
            raise TszooError(
                f"{directory}: Hydra kernels of shape {weights.shape} do not fit a model of "
                f"{self.n_channels_} channels x {self.n_timepoints_} points; the file is damaged"
            )
        kernels.W = torch.from_numpy(np.ascontiguousarray(weights, dtype=np.float32))
        kernels.idx = [torch.from_numpy(np.ascontiguousarray(c)) for c in channels]

    @classmethod
    def _get_test_params(cls) -> dict[str, Any]:
        return {"n_kernels": 4, "n_groups": 8, "random_state": 0}


def _fit_sparse_scale(hydra: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and scale of square-rooted Hydra counts, as aeon's ``_SparseScaler`` fits them:
    the scale gets a small floor that grows with the share of zero counts."""
    epsilon = (hydra == 0).mean(axis=0) ** 4 + 1e-8
    return hydra.mean(axis=0), hydra.std(axis=0, ddof=1) + epsilon
