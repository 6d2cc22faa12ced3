"""Random forest on window features."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.ensemble import RandomForestClassifier as _SkRandomForest

from tszoo.models.classic._tabular import TabularClassifier
from tszoo.models.classic.features import CHUNK_SIZE


class RandomForestClassifier(TabularClassifier):
    """scikit-learn's random forest on per-window features.

    Each series becomes one row of features (:mod:`tszoo.models.classic.features`), so
    any length works, unequal lengths included. Probabilities are the forest's: the mean
    of the trees' leaf class frequencies.

    Parameters
    ----------
    features : {"summary", "catch22", "raw"}, default="summary"
        Which features the forest sees.
    n_estimators : int, default=300
        Number of trees.
    max_depth : int, optional
        Depth limit of each tree; ``None`` grows them until the leaves are pure.
    n_jobs : int, default=1
        Cores to fit and predict on; ``-1`` uses every core. Changing it on a fitted model
        (``set_params``) changes the cores it predicts on.
    chunk_size : int, default=4096
        Cases whose features are computed at a time: a
        :class:`~tszoo.data.windows.WindowArray` is copied out this many windows at once.
        The result does not depend on it; lower it to save memory.
    random_state : int, RandomState or None, default=None
        Seeds the bootstrap samples and the feature draws.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The training labels.
    estimator_ : sklearn.ensemble.RandomForestClassifier
        The fitted forest (on class codes).
    """

    def __init__(
        self,
        *,
        features: str = "summary",
        n_estimators: int = 300,
        max_depth: int | None = None,
        n_jobs: int = 1,
        chunk_size: int = CHUNK_SIZE,
        random_state=None,
    ):
        self.features = features
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.n_jobs = n_jobs
        self.chunk_size = chunk_size
        self.random_state = random_state

    def _make_estimator(self, y: np.ndarray) -> _SkRandomForest:
        return _SkRandomForest(
            n_estimators=self.n_estimators,
            max_depth=self.max_depth,
            n_jobs=self.n_jobs,
            random_state=self.random_state,
        )

    def _predict_proba(self, X) -> np.ndarray:
        self.estimator_.n_jobs = self.n_jobs  # set_params(n_jobs=...) holds for predict too
        return super()._predict_proba(X)

    @classmethod
    def _get_test_params(cls) -> dict[str, Any]:
        return {"n_estimators": 10, "random_state": 0}
