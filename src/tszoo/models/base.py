"""The one contract every tszoo model follows.

Every model is a scikit-learn classifier on ``X`` of shape ``(n_cases, n_channels,
n_timepoints)`` — or, for unequal-length data, a list of ``(n_channels, n_timepoints_i)``
arrays. The base class owns the public ``fit`` / ``predict`` / ``predict_proba``: it checks
the input, encodes labels (``classes_`` keeps the original ones, strings included) and
leaves subclasses two methods to write, ``_fit`` and ``_predict_proba``, on integer labels,
and two to be saved, ``_save`` and ``_load``.

Capabilities are class tags; ``_get_test_params`` gives cheap parameters for the contract
test. ``__init__`` only stores keyword parameters; everything learned ends in ``_``.
"""

from __future__ import annotations

import inspect
import typing
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.validation import check_is_fitted

from tszoo.data.windows import WindowArray, join_window_arrays
from tszoo.errors import TszooError

# A 3-D array, a list of (n_channels, n_timepoints_i) arrays, or windows copied on demand.
ArrayLike3D = np.ndarray | list[np.ndarray] | WindowArray


class BaseClassifier(ClassifierMixin, BaseEstimator):
    """Base class of tszoo classifiers.

    Subclasses implement :meth:`_fit` (on ``X`` as validated by :func:`check_X` and labels
    as integer codes ``0..n_classes-1``) and :meth:`_predict_proba` (returning
    ``(n_cases, n_classes)`` probabilities in code order).

    Tags
    ----
    deep : bool
        A PyTorch network trained by the shared trainer.
    multivariate : bool
        Uses more than one channel.
    unequal_length : bool
        Accepts a list of series of different lengths.
    attention : bool
        Exposes attention weights over time.
    """

    _tags: ClassVar[dict[str, Any]] = {
        "deep": False,
        "multivariate": True,
        "unequal_length": True,
        "attention": False,
    }
    # Parameters that belong to one run (callbacks, say) and are not saved with the model.
    _transient_params: ClassVar[tuple[str, ...]] = ()

    def fit(
        self,
        X: ArrayLike3D,
        y: np.ndarray,
        *,
        validation_data: tuple[ArrayLike3D, np.ndarray] | None = None,
    ) -> BaseClassifier:
        """Fit on ``X`` of shape ``(n_cases, n_channels, n_timepoints)`` and labels ``y``.

        ``validation_data`` is the leak-free validation split, used by models that stop
        early or select a model; the others ignore it.
        """
        X = check_X(X, allow_unequal=self._tags["unequal_length"])
        y = np.asarray(y)
        if len(y) != len(X):
            raise TszooError(f"X holds {len(X)} cases but y holds {len(y)} labels")
        self.classes_, codes = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise TszooError(f"y holds one class only ({self.classes_[0]!r}); need at least two")
        self.n_channels_ = _n_channels(X)
        val = None
        if validation_data is not None and len(validation_data[1]) > 0:
            X_val = check_X(validation_data[0], allow_unequal=self._tags["unequal_length"])
            val = (X_val, self._encode(np.asarray(validation_data[1])))
        self._fit(X, codes, val)
        return self

    def predict_proba(self, X: ArrayLike3D) -> np.ndarray:
        """Class probabilities, ``(n_cases, n_classes)``; columns follow ``classes_``."""
        check_is_fitted(self, "classes_")
        X = check_X(X, allow_unequal=self._tags["unequal_length"])
        if _n_channels(X) != self.n_channels_:
            raise TszooError(
                f"X has {_n_channels(X)} channels, but the model was fitted on {self.n_channels_}"
            )
        return self._predict_proba(X)

    def predict(self, X: ArrayLike3D) -> np.ndarray:
        """Predicted labels, ``(n_cases,)``, from ``classes_``."""
        proba = self.predict_proba(X)  # checks fitted before classes_ is touched
        return self.classes_[np.argmax(proba, axis=1)]

    def held_out_predictions(
        self, X: ArrayLike3D, y: np.ndarray, folds: list[tuple[np.ndarray, np.ndarray]]
    ) -> np.ndarray:
        """Every case's label as predicted by the model fitted on the other folds.

        Called on a model fitted on ``(X, y)``; ``folds`` are ``(train, test)`` index
        arrays whose test parts cover every case once, and every class is in every
        training part. Here each fold fits a fresh model with these parameters. A model
        whose features are learnt without labels (random kernels, summary statistics)
        overrides this to compute them once, with its own fitted transform, and to refit
        on each fold only what learns from labels.
        """
        predicted = np.empty(len(y), dtype=np.asarray(y).dtype)
        for train, test in folds:
            model = clone(self).fit(take_series(X, train), y[train])
            predicted[test] = model.predict(take_series(X, test))
        return predicted

    @property
    def uses_validation(self) -> bool:
        """Whether ``fit`` chooses anything (epochs, weights, features) on
        ``validation_data``. A model that does not is best fitted on the training and
        validation splits together; :func:`tszoo.evaluation.fit_and_score` does so."""
        return False

    # -- for subclasses ------------------------------------------------------------

    def _fit(self, X: ArrayLike3D, y: np.ndarray, validation: tuple | None) -> None:
        raise NotImplementedError

    def _predict_proba(self, X: ArrayLike3D) -> np.ndarray:
        raise NotImplementedError

    def _save(self, directory: Path) -> dict:
        """Write the fitted state into ``directory`` (no pickle: safetensors, skops, JSON);
        return a JSON-able dict of the rest, which :meth:`_load` gets back."""
        raise TszooError(
            f"{type(self).__name__} cannot be saved: it does not implement _save and _load"
        )

    def _load(self, directory: Path, state: dict) -> None:
        """Restore the fitted state that :meth:`_save` wrote (``classes_`` is set)."""
        raise TszooError(
            f"{type(self).__name__} cannot be loaded: it does not implement _save and _load"
        )

    @classmethod
    def _get_param_names(cls) -> list[str]:
        # scikit-learn reads the parameters off ``__init__`` alone; a subclass whose
        # ``__init__`` passes ``**kwargs`` on to its base has the base's parameters too
        return sorted(p.name for p in init_parameters(cls))

    @classmethod
    def _get_test_params(cls) -> dict[str, Any]:
        """Small, fast parameters for the contract test."""
        return {}

    def _encode(self, y: np.ndarray) -> np.ndarray:
        codes = np.searchsorted(self.classes_, y)
        codes = np.clip(codes, 0, len(self.classes_) - 1)
        unknown = self.classes_[codes] != y
        if unknown.any():
            raise TszooError(f"label {y[unknown][0]!r} was not among the training classes")
        return codes

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags


def init_parameters(cls: type) -> list[inspect.Parameter]:
    """The keyword parameters of ``cls``, annotations resolved: those of its ``__init__``
    and, where that ends in ``**kwargs``, those of the next base ``__init__`` it hands them
    to (and so on), e.g. a short deep model's own parameters plus the training ones."""
    params: dict[str, inspect.Parameter] = {}
    seen = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or init in seen or klass is object:
            continue
        seen.add(init)
        hints = typing.get_type_hints(init)
        forwards = False
        for p in list(inspect.signature(init).parameters.values())[1:]:
            if p.kind is p.VAR_KEYWORD:
                forwards = True
            elif p.kind is p.VAR_POSITIONAL:
                raise TszooError(f"{cls.__name__}.__init__ takes *args; use keyword parameters")
            elif p.name not in params:
                params[p.name] = p.replace(annotation=hints.get(p.name, Any))
        if not forwards:
            break
    return list(params.values())


def check_X(X: ArrayLike3D, *, allow_unequal: bool = True) -> ArrayLike3D:
    """Validate input: a 3D float array, or a list of 2D arrays with one channel count.

    A list whose series all have the same length becomes a 3D array. A
    :class:`~tszoo.data.windows.WindowArray` passes as it is: its windows are views of a
    loaded recording, whose values the loader has checked, and copying them here would
    cost what it exists to save.
    """
    if isinstance(X, WindowArray):
        if len(X) == 0:
            raise TszooError("X holds no cases")
        return X
    if isinstance(X, np.ndarray):
        if X.ndim != 3:
            raise TszooError(f"X has shape {X.shape}; expected (n_cases, n_channels, n_timepoints)")
        X = np.asarray(X, dtype=np.float32)
        if not np.isfinite(X).all():
            raise TszooError("X holds missing or infinite values; clean or interpolate them")
        if len(X) == 0:
            raise TszooError("X holds no cases")
        return X
    series = [np.asarray(x, dtype=np.float32) for x in X]
    if not series:
        raise TszooError("X holds no cases")
    if any(x.ndim != 2 for x in series) or len({x.shape[0] for x in series}) > 1:
        raise TszooError(
            "X as a list must hold (n_channels, n_timepoints) arrays, one channel count"
        )
    if any(not np.isfinite(x).all() for x in series):
        raise TszooError("X holds missing or infinite values; clean or interpolate them")
    if len({x.shape[1] for x in series}) == 1:
        return np.stack(series)
    if not allow_unequal:
        raise TszooError("this model needs series of equal length")
    return series


def _n_channels(X: ArrayLike3D) -> int:
    return X[0].shape[0] if isinstance(X, list) else X.shape[1]


def pad_series(X: ArrayLike3D, length: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad series with zeros to one length (cut longer ones).

    Returns
    -------
    padded : ndarray of shape (n_cases, n_channels, length)
    lengths : ndarray of shape (n_cases,)
        The true length of each series (at most ``length``), for masking.
    """
    if isinstance(X, np.ndarray):
        n = X.shape[-1]
        if length is None or length == n:
            return X, np.full(len(X), n)
        if length < n:
            return np.ascontiguousarray(X[..., :length]), np.full(len(X), length)
        out = np.zeros((*X.shape[:2], length), dtype=np.float32)
        out[..., :n] = X
        return out, np.full(len(X), n)
    length = length or max(x.shape[1] for x in X)
    out = np.zeros((len(X), X[0].shape[0], length), dtype=np.float32)
    lengths = np.empty(len(X), dtype=np.int64)
    for i, x in enumerate(X):
        k = min(x.shape[1], length)
        out[i, :, :k] = x[:, :k]
        lengths[i] = k
    return out, lengths


def join_series(a: ArrayLike3D, b: ArrayLike3D) -> ArrayLike3D:
    """Two sets of series as one, ``a``'s first; windows stay views of their recordings."""
    if isinstance(a, WindowArray) and isinstance(b, WindowArray):
        return join_window_arrays(a, b)
    if isinstance(a, list) or isinstance(b, list):
        return [*a, *b]
    a, b = np.asarray(a), np.asarray(b)
    if a.shape[1:] != b.shape[1:]:
        return [*a, *b]
    return np.concatenate([a, b])


def join_cases(
    X: ArrayLike3D, y: np.ndarray, other: tuple[ArrayLike3D, np.ndarray]
) -> tuple[ArrayLike3D, np.ndarray]:
    """``X`` and ``y`` with ``other``'s series and labels after them: train and validation
    joined (:func:`join_series`)."""
    return join_series(X, other[0]), np.concatenate([y, other[1]])


def take_series(X: ArrayLike3D, idx: np.ndarray) -> ArrayLike3D:
    """The series at positions ``idx``, in the container they came in."""
    return [X[i] for i in idx] if isinstance(X, list) else X[idx]


def resample_series(X: ArrayLike3D, length: int) -> np.ndarray:
    """Linearly resample every series to ``length`` points: ``(n_cases, n_channels, length)``."""
    if not isinstance(X, list) and X.shape[-1] == length:
        return X  # already one length (a WindowArray stays lazy)
    out = np.empty((len(X), _n_channels(X), length), dtype=np.float32)
    grid = np.linspace(0.0, 1.0, length)
    for i, x in enumerate(X):
        src = np.linspace(0.0, 1.0, x.shape[-1])
        for c in range(x.shape[0]):
            out[i, c] = np.interp(grid, src, x[c])
    return out
