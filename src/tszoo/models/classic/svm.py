"""RBF support vector machine on window features."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_selection import SelectPercentile, f_classif
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from tszoo.errors import TszooError
from tszoo.models.classic._tabular import TabularClassifier
from tszoo.models.classic.features import CHUNK_SIZE


class SVMClassifier(TabularClassifier):
    """scikit-learn's RBF SVM on per-window features, with Platt-scaled probabilities.

    The features (:mod:`tszoo.models.classic.features`) are standardised, the
    ``select_percentile`` per cent with the highest ANOVA F-score on the training data are
    kept, and an ``SVC`` is fitted on them. An RBF kernel weighs every feature equally, so
    features that drift between recordings (levels, trends) swamp the ones that separate the
    classes; on the study's sample recording keeping 15-25 % raised validation accuracy from
    0.93 to 1.0 (see ``benchmarks/study_table.py``).

    Probabilities come from ``CalibratedClassifierCV(..., method="sigmoid",
    ensemble=False)``: one SVM on all training data, with per-class sigmoids fitted on
    5-fold (unshuffled, stratified; fewer folds when a class has fewer than 5 cases)
    out-of-fold decision values. This replaces
    ``SVC(probability=True)``, deprecated in scikit-learn 1.9, whose internal shuffled CV
    makes its ``predict_proba`` disagree with its ``predict``. Here ``predict`` is the argmax
    of ``predict_proba``, as for every tszoo model.

    Parameters
    ----------
    features : {"summary", "catch22", "raw"}, default="summary"
        Which features the SVM sees.
    C : float, default=1.0
        Regularisation: larger values fit the training data more closely.
    gamma : {"scale", "auto"} or float, default="scale"
        RBF kernel width, as in :class:`sklearn.svm.SVC`.
    select_percentile : float, default=20
        Percentage of features kept (by ANOVA F-score on the training data); 100 keeps all.
    chunk_size : int, default=4096
        Cases whose features are computed at a time: a
        :class:`~tszoo.data.windows.WindowArray` is copied out this many windows at once.
        The result does not depend on it; lower it to save memory.
    random_state : int, RandomState or None, default=None
        Accepted for a uniform interface; the fit is deterministic.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The training labels.
    estimator_ : sklearn.calibration.CalibratedClassifierCV
        The fitted, calibrated pipeline (on class codes).
    """

    def __init__(
        self,
        *,
        features: str = "summary",
        C: float = 1.0,
        gamma: str | float = "scale",
        select_percentile: float = 20,
        chunk_size: int = CHUNK_SIZE,
        random_state=None,
    ):
        self.features = features
        self.C = C
        self.gamma = gamma
        self.select_percentile = select_percentile
        self.chunk_size = chunk_size
        self.random_state = random_state

    def _make_estimator(self, y: np.ndarray) -> CalibratedClassifierCV:
        smallest = int(np.bincount(y).min())
        if smallest < 2:
            raise TszooError(
                f"a class has {smallest} training case; the SVM's probability calibration "
                "needs at least 2 per class"
            )
        svm = make_pipeline(
            StandardScaler(),
            SelectPercentile(anova_f, percentile=self.select_percentile),
            SVC(kernel="rbf", C=self.C, gamma=self.gamma),
        )
        return CalibratedClassifierCV(svm, method="sigmoid", cv=min(5, smallest), ensemble=False)

    @classmethod
    def _get_test_params(cls) -> dict[str, Any]:
        return {"C": 1.0}


def anova_f(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's ``f_classif``, without its warnings about constant features.

    A feature that is constant on the training data (the spread of windows that were each
    normalised on their own, say) scores NaN, which ``SelectPercentile`` ranks last; the
    warnings it raises on the way would say so on every fit.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", r"Features .* are constant", UserWarning)
        warnings.filterwarnings("ignore", "invalid value encountered in divide", RuntimeWarning)
        return f_classif(X, y)
