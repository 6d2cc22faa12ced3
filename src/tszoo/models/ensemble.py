"""An ensemble of the zoo: members weighted by how well each did on held-out data.

The weighting is CAWPE's (Large, Lines and Bagnall 2019), as in HIVE-COTE 2: each member's
probabilities count in proportion to its held-out accuracy raised to ``exponent``, so a
member much better than the others dominates and a weak one counts for little. The held-out
accuracy comes from the validation split when ``fit`` is given one of at least
``min_validation`` cases, else from ``cv``-fold cross-validated predictions on all the
training (and validation) cases: on a small split, an accuracy counted on a few cases is too
coarse to weigh by (one case of 6 is 17 points). The folds reuse each fitted member's
features (:meth:`~tszoo.models.base.BaseClassifier.held_out_predictions`).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from sklearn.utils.validation import check_is_fitted

from tszoo.errors import TszooError
from tszoo.models.base import ArrayLike3D, BaseClassifier, check_X, join_cases
from tszoo.models.persistence import saved_params
from tszoo.models.registry import get_model_class, make_model

# Chosen on the development suite's validation splits (benchmarks/tune_ensemble.py; seeds
# 0-2): of the 31 subsets of MultiRocket-Hydra, QUANT, MiniRocket, the forest and the SVM,
# this pair had the best mean (0.916, against 0.901 for MultiRocket-Hydra alone; see
# benchmarks/results/tuning/ensemble.md). Convolutions and summary statistics differ.
DEFAULT_MEMBERS = ("multirocket_hydra", "random_forest")
# Weighing by cross-validation on train and validation whenever validation holds fewer than
# 100 cases beat weighing on those few cases on the same suite (mean 0.903 against 0.891,
# better on 3 sets and worse on none; benchmarks/results/tuning/ensemble_weighing.md); 2
# folds then scored as 3 or better in less time (ensemble_cv2.md). The threshold itself was
# not tuned.
# The folds refit only what learns from labels: each member's held_out_predictions computes
# its unsupervised features once (MultiRocket-Hydra's kernels, the forest's statistics) and
# fits the ridge or forest per fold. Validation accuracy was the same as with a whole member
# fitted per fold on every suite set, at 0.72 of the fit time (ensemble_shared_transform.md).
# Weighing each member by its own estimate from one fit (the forest's out-of-bag votes,
# MultiRocket-Hydra's leave-one-out ridge) fitted 2.3x faster but scored 0.901 against 0.915
# (ensemble_held_out.md; tried in c0fda08 and taken out): the two estimates lean opposite ways.


class EnsembleClassifier(BaseClassifier):
    """Registered models fitted side by side, their probabilities averaged with weights.

    Parameters
    ----------
    members : list or None, default=None
        Registered model names, or ``{name: {param: value}}`` mappings for members with
        their own parameters; None: :data:`DEFAULT_MEMBERS` with their defaults. Every
        member is seeded with the ensemble's ``random_state``, so a member is the model
        the same seed gives alone.
    exponent : float, default=8.0
        CAWPE's exponent: weights are held-out accuracy ** exponent (0 weighs all alike).
        8 validated a little better than CAWPE's published 4 with cross-validated weights
        (``benchmarks/results/tuning/ensemble_exponent.md``).
    cv : int, default=2
        Folds of the cross-validated accuracy used for the weights when ``fit`` gets no
        validation data, or too little (fewer folds when a class has fewer cases). 2
        validated as well as 3 or better on every suite set, in less time
        (``benchmarks/results/tuning/ensemble_cv2.md``).
    min_validation : int, default=100
        The fewest validation cases the weights are taken from; with fewer, they come from
        ``cv``-fold cross-validation on the training and validation cases together (0:
        always from the validation split). Folds are drawn case by case, so on windows of
        one recording, overlapping windows can fall on both sides of a fold: the weights
        (never a reported score) then favour members that memorise.
    refit : bool, default=True
        With validation data: after choosing the weights there, refit every member on the
        training and validation cases together, so the members see all the data.
    chunk_size : int or None, default=None
        Passed on to every member that takes a ``chunk_size`` (None: each member's own).
    random_state : int or None, default=None
        Seeds every member, and the folds.

    Notes
    -----
    The final members are those refitted on training and validation data (with validation
    data and ``refit``), else those fitted on the training data. :meth:`fit` can take some
    of them already fitted (``fitted_members``): ``tszoo compare`` passes the models that a
    member's own cell of the run fitted, which are exactly these, so it fits no member
    twice; the ensemble's ``fit_seconds`` then leaves out the time those took (it is in
    their own cells' rows).

    Attributes
    ----------
    members_ : list of (str, BaseClassifier)
        The fitted members.
    weights_ : ndarray of shape (n_members,)
        Each member's weight, summing to 1.
    scores_ : ndarray of shape (n_members,)
        Each member's held-out accuracy, which the weights come from.
    """

    _tags: ClassVar[dict[str, Any]] = {**BaseClassifier._tags, "ensemble": True}

    def __init__(
        self,
        *,
        members: list | None = None,
        exponent: float = 8.0,
        cv: int = 2,
        min_validation: int = 100,
        refit: bool = True,
        chunk_size: int | None = None,
        random_state: int | None = None,
    ):
        self.members = members
        self.exponent = exponent
        self.cv = cv
        self.min_validation = min_validation
        self.refit = refit
        self.chunk_size = chunk_size
        self.random_state = random_state

    @property
    def uses_validation(self) -> bool:
        """The weights are chosen on the validation split."""
        return True

    def member_specs(self) -> list[tuple[str, dict[str, Any]]]:
        """``(name, parameters)`` of every member, checked against the registry."""
        specs = []
        for entry in DEFAULT_MEMBERS if self.members is None else self.members:
            if isinstance(entry, str):
                name, params = entry, {}
            elif isinstance(entry, dict) and len(entry) == 1:
                name, params = next(iter(entry.items()))
                params = dict(params or {})
            else:
                raise TszooError(
                    f"ensemble member {entry!r}: give a model name or {{name: {{param: value}}}}"
                )
            if get_model_class(name) is type(self):
                raise TszooError("an ensemble cannot hold an ensemble; list its members instead")
            specs.append((name, params))
        if not specs:
            raise TszooError("the ensemble needs at least one member")
        return specs

    def member(self, index: int) -> BaseClassifier:
        """Member ``index`` as the ensemble fits it (not fitted): its own parameters, seeded
        with the ensemble's ``random_state`` and given its ``chunk_size``."""
        return self._member(*self.member_specs()[index])

    def is_member(self, index: int, model: BaseClassifier) -> bool:
        """Whether ``model`` (fitted or not) is of the class and has the parameters of
        member ``index``; runs are not part of it (``_transient_params``)."""
        expected = self.member(index)
        return type(model) is type(expected) and saved_params(model) == saved_params(expected)

    def _member(self, name: str, params: dict) -> BaseClassifier:
        own = get_model_class(name)().get_params()
        passed = {}
        if "random_state" in own:  # seeded None too, when the ensemble is
            passed["random_state"] = self.random_state
        if "chunk_size" in own and self.chunk_size is not None:
            passed["chunk_size"] = self.chunk_size
        return make_model(name, **{**passed, **params})

    # -- fit and predict --------------------------------------------------------------

    def fit(
        self,
        X: ArrayLike3D,
        y: np.ndarray,
        *,
        validation_data: tuple[ArrayLike3D, np.ndarray] | None = None,
        final_data: tuple[ArrayLike3D, np.ndarray] | None = None,
        fitted_members: dict[int, BaseClassifier] | None = None,
    ) -> EnsembleClassifier:
        """Fit the members, weigh them on held-out data, and fit the final members.

        Parameters
        ----------
        X, y, validation_data
            As for every model (:meth:`BaseClassifier.fit`).
        final_data : (X, y) or None, default=None
            With validation data and ``refit``: the cases the final members are refitted
            on, instead of ``X`` and the validation cases joined. tszoo's runs pass train
            and validation merged as every model that chooses nothing on validation is
            fitted on them (in source order, normalised together), so a final member is
            the model its own cell of the run fits.
        fitted_members : dict of int to BaseClassifier, or None, default=None
            Final members fitted already, by position in ``members``, taken as they are
            instead of fitted again. Each must be the model :meth:`member` gives there
            (checked, see :meth:`is_member`) fitted on the final members' data (not
            checked: ``final_data``, or ``X`` without validation data) and its labels.
        """
        self._given = (final_data, dict(fitted_members or {}))
        try:
            return super().fit(X, y, validation_data=validation_data)
        finally:
            del self._given

    def _fit(self, X: ArrayLike3D, y: np.ndarray, validation: tuple | None) -> None:
        specs = self.member_specs()
        final_data, given = getattr(self, "_given", (None, {}))
        if any(not 0 <= i < len(specs) for i in given):
            raise TszooError(
                f"fitted_members {sorted(given)}: the ensemble has {len(specs)} members"
            )
        if validation is not None and not self.refit and given:
            raise TszooError(
                "fitted_members stand for members refitted on train and validation; "
                "with refit=False the members are those fitted on train alone"
            )
        on_validation = validation is not None and len(validation[1]) >= self.min_validation
        fitted = None
        if on_validation:
            X_val, y_val = validation
            fitted = [self._member(*spec).fit(X, y, validation_data=validation) for spec in specs]
            scores = [float(np.mean(model.predict(X_val) == y_val)) for model in fitted]
        if validation is not None and self.refit:  # the final members see all the data
            X, y = self._final_data(final_data, X, y, validation)
            fitted = None
        if fitted is None:
            fitted = self._final_members(specs, X, y, given)
        if not on_validation:
            scores = self._cv_accuracy(fitted, X, y)
        self.n_fit_ = len(y)  # the cases the final members were fitted on
        self.members_ = [(name, model) for (name, _), model in zip(specs, fitted, strict=True)]
        self.scores_ = np.asarray(scores, dtype=np.float64)
        self.weights_ = _cawpe(self.scores_, self.exponent)

    def _final_data(self, final_data, X, y, validation) -> tuple[ArrayLike3D, np.ndarray]:
        """What the final members are refitted on: ``final_data``, else train and val."""
        if final_data is None:
            return join_cases(X, y, validation)
        X_all = check_X(final_data[0], allow_unequal=self._tags["unequal_length"])
        return X_all, self._encode(np.asarray(final_data[1]))

    def _final_members(
        self, specs: list, X: ArrayLike3D, y: np.ndarray, given: dict[int, BaseClassifier]
    ) -> list[BaseClassifier]:
        return [
            self._taken(i, given[i]) if i in given else self._member(name, params).fit(X, y)
            for i, (name, params) in enumerate(specs)
        ]

    def _taken(self, index: int, model: BaseClassifier) -> BaseClassifier:
        """A member fitted elsewhere (on the labels or on their codes), as if fitted here on
        the codes; the model itself is left as it was."""
        codes = np.arange(len(self.classes_))
        name = type(model).__name__
        if not self.is_member(index, model):
            raise TszooError(
                f"fitted member {index} ({name}) has other parameters than the ensemble "
                f"gives member {index}; fit it as member({index}) is"
            )
        check_is_fitted(model, "classes_")
        known = np.asarray(model.classes_)
        if not (np.array_equal(known, self.classes_) or np.array_equal(known, codes)):
            raise TszooError(
                f"fitted member {index} ({name}) knows the classes {known.tolist()}, "
                f"the ensemble {self.classes_.tolist()}"
            )
        if model.n_channels_ != self.n_channels_:
            raise TszooError(
                f"fitted member {index} ({name}) was fitted on {model.n_channels_} channels, "
                f"the ensemble on {self.n_channels_}"
            )
        taken = copy.copy(model)
        taken.classes_ = codes
        return taken

    def _cv_accuracy(self, fitted: list[BaseClassifier], X: ArrayLike3D, y: np.ndarray) -> list:
        """Each fitted member's ``cv``-fold cross-validated accuracy on ``(X, y)``, the data
        it was fitted on; every member is held out on the same folds."""
        from sklearn.model_selection import StratifiedKFold

        n_folds = min(self.cv, int(np.bincount(y).min()))
        if n_folds < 2:
            return [1.0] * len(fitted)  # no held-out estimate: weigh the members alike
        splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=self.random_state)
        folds = list(splitter.split(np.zeros(len(y)), y))
        return [float(np.mean(m.held_out_predictions(X, y, folds) == y)) for m in fitted]

    def _predict_proba(self, X: ArrayLike3D) -> np.ndarray:
        n_classes = len(self.classes_)
        total = np.zeros((len(X), n_classes))
        for weight, (_, model) in zip(self.weights_, self.members_, strict=True):
            # members are fitted on the class codes: their classes_ are the columns
            total[:, model.classes_.astype(int)] += weight * model.predict_proba(X)
        return total / total.sum(axis=1, keepdims=True)

    def member_weights(self) -> dict[str, float]:
        """Each member's weight by name (``name#2`` for a second member of one model)."""
        out: dict[str, float] = {}
        for (name, _), weight in zip(self.members_, self.weights_, strict=True):
            key, k = name, 1
            while key in out:
                k += 1
                key = f"{name}#{k}"
            out[key] = float(weight)
        return out

    # -- persistence ------------------------------------------------------------------

    def _save(self, directory: Path) -> dict:
        saved = []
        for i, (name, model) in enumerate(self.members_):
            sub = directory / f"member{i}"
            sub.mkdir()
            saved.append(
                {
                    "name": name,
                    "params": saved_params(model),
                    "classes": model.classes_.tolist(),
                    "n_channels": int(model.n_channels_),
                    "state": model._save(sub),
                }
            )
        return {
            "members": saved,
            "weights": self.weights_.tolist(),
            "scores": self.scores_.tolist(),
        }

    def _load(self, directory: Path, state: dict) -> None:
        members = []
        for i, entry in enumerate(state["members"]):
            model = get_model_class(entry["name"])(**entry["params"])
            model.classes_ = np.asarray(entry["classes"])
            model.n_channels_ = int(entry["n_channels"])
            model._load(directory / f"member{i}", entry["state"])
            members.append((entry["name"], model))
        self.members_ = members
        self.weights_ = np.asarray(state["weights"], dtype=np.float64)
        self.scores_ = np.asarray(state["scores"], dtype=np.float64)

    @classmethod
    def _get_test_params(cls) -> dict[str, Any]:
        return {
            "members": [{"random_forest": {"n_estimators": 10}}, "svm"],
            "cv": 2,
            "random_state": 0,
        }


def _cawpe(scores: np.ndarray, exponent: float) -> np.ndarray:
    weights = np.power(scores, exponent)
    if weights.sum() <= 0:
        return np.full(len(scores), 1.0 / len(scores))
    return weights / weights.sum()
