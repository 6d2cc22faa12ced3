"""The contract every tszoo model passes, as checks a plugin's tests can run too.

:func:`check_classifier` runs every check on one model, as scikit-learn's
``check_estimator`` does::

    from tszoo.testing import check_classifier
    check_classifier(MyClassifier)            # or a registered name: check_classifier("svm")

Each check is also a function of its own (tszoo's contract test runs them one per model);
a failed check raises ``AssertionError`` naming the model and what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import StratifiedKFold

from tszoo.data import Recordings, WindowArray, make_windows
from tszoo.errors import TszooError
from tszoo.models import load_model, make_model, save_model
from tszoo.models.persistence import META, load_sklearn
from tszoo.models.registry import (
    get_model_class,
    model_names,
    model_tags,
    plugin_names,
    register,
    unregister,
)

# Tasks: (X, y, X_val, y_val, X_test, y_test)
Task = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def make_task(n_per_class=12, n_channels=3, length=40, seed=0, labels=("down", "up", "flat")):
    """Three string classes told apart by trend: learnable by every model."""
    rng = np.random.default_rng(seed)
    t = np.linspace(-1, 1, length)
    X, y = [], []
    for slope, label in zip((-2.0, 2.0, 0.0), labels):
        for _ in range(n_per_class):
            series = slope * t + 0.3 * rng.standard_normal((n_channels, length))
            X.append(series)
            y.append(label)
    order = rng.permutation(len(y))
    return np.asarray(X, dtype=np.float32)[order], np.asarray(y)[order]


def contract_task() -> Task:
    """Training, validation and test splits of :func:`make_task`."""
    return (*make_task(), *make_task(n_per_class=4, seed=1), *make_task(n_per_class=6, seed=2))


def many_windows_task() -> list[tuple[np.ndarray, np.ndarray]]:
    """300 / 60 / 60 cases, more than any batch tszoo's models copy out at once."""
    return [make_task(n_per_class=n, seed=seed) for n, seed in ((100, 0), (20, 1), (20, 2))]


def new_model(name: str, params: dict[str, Any] | None = None, seed: int | None = None):
    """Model ``name`` with its ``_get_test_params()`` and ``params`` on top, seeded with
    ``seed`` where it takes a ``random_state``."""
    cls = get_model_class(name)
    params = {**cls._get_test_params(), **(params or {})}
    if seed is not None and "random_state" in cls().get_params():
        params["random_state"] = seed
    return make_model(name, **params)


@contextmanager
def _raises(kind: type[BaseException], what: str, match: str = "") -> Iterator[None]:
    """``pytest.raises`` without pytest: ``what`` says what should have raised."""
    try:
        yield
    except kind as exc:
        if not re.search(match, str(exc)):
            raise AssertionError(
                f"{what} raised {kind.__name__} '{exc}', not matching {match!r}"
            ) from exc
    else:
        raise AssertionError(f"{what} did not raise {kind.__name__}")


# -- the checks ------------------------------------------------------------------------


def check_clone_and_params_round_trip(name: str, params: dict | None = None) -> None:
    """``get_params`` / ``clone`` / ``cls(**params)`` agree (``__init__`` only stores)."""
    model = new_model(name, params, seed=3)
    got = model.get_params()
    assert clone(model).get_params() == got, "clone() changed the parameters"
    assert type(model)(**got).get_params() == got, "cls(**get_params()) changed them"


def check_not_fitted_error(name: str, task: Task, params: dict | None = None) -> None:
    """Predicting before ``fit`` raises scikit-learn's ``NotFittedError``."""
    with _raises(NotFittedError, "predict before fit"):
        new_model(name, params).predict(task[4])


def check_fit_returns_self_and_learns(name: str, task: Task, params: dict | None = None):
    """``fit`` returns the model, which then scores at least 0.8 on the trend task."""
    X, y, X_val, y_val, X_test, y_test = task
    model = new_model(name, params, seed=0)
    assert model.fit(X, y, validation_data=(X_val, y_val)) is model, "fit did not return self"
    accuracy = (model.predict(X_test) == y_test).mean()
    assert accuracy >= 0.8, f"test accuracy {accuracy:.2f} < 0.8 on an easy task"
    return model


def check_proba_follows_classes(model, task: Task) -> None:
    """Probabilities: one sorted column per (string) class, rows sum to 1, argmax = predict."""
    proba = model.predict_proba(task[4])
    assert model.classes_.tolist() == ["down", "flat", "up"], "classes_ are not the sorted labels"
    assert proba.shape == (len(task[4]), 3), f"predict_proba has shape {proba.shape}"
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5, err_msg="rows do not sum to 1")
    assert (proba >= 0).all(), "negative probabilities"
    np.testing.assert_array_equal(model.predict(task[4]), model.classes_[proba.argmax(axis=1)])


def check_same_seed_same_predictions(name: str, model, task: Task, params: dict | None = None):
    """Fitting again with the same seed gives the same probabilities."""
    X, y, X_val, y_val, X_test, _ = task
    again = new_model(name, params, seed=0).fit(X, y, validation_data=(X_val, y_val))
    np.testing.assert_allclose(
        again.predict_proba(X_test), model.predict_proba(X_test), err_msg="same seed, other fit"
    )


def check_save_load_round_trip(name: str, model, task: Task, directory: Path) -> None:
    """``save_model`` / ``load_model`` give back the parameters, metadata and predictions."""
    meta = {"channels": ["a", "b", "c"], "window": 40}
    save_model(model, directory, name=name, metadata=meta)
    loaded, metadata = load_model(directory)
    assert metadata == meta, "metadata changed on the way"
    assert loaded.get_params() == model.get_params(), "parameters changed on the way"
    np.testing.assert_array_equal(
        loaded.predict_proba(task[4]), model.predict_proba(task[4]), err_msg="loaded != saved"
    )


def check_held_out_predictions(model, task: Task) -> None:
    """Cross-validated predictions (what an ensemble weighs members by) are training labels,
    one per case, mostly right on the trend task; the fitted model is left as it was."""
    X, y, _, _, X_test, _ = task
    before = model.predict_proba(X_test)
    folds = list(StratifiedKFold(n_splits=2, shuffle=True, random_state=0).split(X, y))
    held_out = model.held_out_predictions(X, y, folds)
    assert held_out.shape == y.shape, f"held-out predictions of shape {held_out.shape}"
    assert set(held_out) <= set(model.classes_), "held-out predictions are not training labels"
    assert np.mean(held_out == y) >= 0.6, f"held-out accuracy {np.mean(held_out == y):.2f}"
    np.testing.assert_array_equal(model.predict_proba(X_test), before, "the model changed")


def check_unequal_length_where_tagged(name: str, task: Task, params: dict | None = None):
    """A model tagged ``unequal_length`` fits and predicts lists of ragged series."""
    if not model_tags(name)["unequal_length"]:
        return
    X, y = task[0], task[1]
    rng = np.random.default_rng(0)
    ragged = [x[:, : rng.integers(25, 41)] for x in X]
    model = new_model(name, params, seed=0).fit(ragged, y)
    pred = model.predict([x[:, :30] for x in task[4]])
    assert pred.shape == (len(task[4]),), f"predict gave shape {pred.shape}"
    assert set(pred) <= set(model.classes_), "predictions outside classes_"


def check_wrong_channel_count_is_refused(model, task: Task) -> None:
    """Predicting on another channel count is a ``TszooError`` that names the channels."""
    with _raises(TszooError, "predict on 2 of 3 channels", match="channels"):
        model.predict(task[4][:, :2])


class CountingWindows(WindowArray):
    """A WindowArray that remembers the most windows any one call copied out."""

    largest = 0

    def __getitem__(self, idx):
        out = super().__getitem__(idx)
        if out.ndim == 3:
            self.largest = max(self.largest, len(out))
        return out


def as_windows(X: np.ndarray, y: np.ndarray) -> CountingWindows:
    """The cases of ``X`` as the windows of one stacked recording (window = case length)."""
    length = X.shape[-1]
    rec = Recordings.from_arrays([x.T for x in X], [np.full(length, label) for label in y])
    return CountingWindows(make_windows(rec, length, length))


# Chunk sizes below the 300 cases of ``many_windows_task``, for the models that take them,
# so that their chunked paths are the ones :func:`check_windows_as_views` takes.
SMALL_CHUNKS = {"chunk_size": 64, "max_fit_series": 64}


def check_windows_as_views(name: str, many, params: dict | None = None) -> None:
    """Windows given as views of a recording train and predict as the same array does,
    and no call copies every window out at once (``many`` from :func:`many_windows_task`).

    A model with a ``chunk_size`` (or ``max_fit_series``) parameter gets a small one, so
    its chunks are what is checked."""
    (X, y), (X_val, y_val), (X_test, _) = many
    own = get_model_class(name)().get_params()
    params = {**{k: v for k, v in SMALL_CHUNKS.items() if k in own}, **(params or {})}
    views = [as_windows(X, y), as_windows(X_val, y_val), as_windows(X_test, np.zeros(len(X_test)))]
    np.testing.assert_array_equal(np.asarray(views[0]), X)
    views[0].largest = 0  # that check copied every window; the models must not
    lazy = new_model(name, params, seed=0).fit(views[0], y, validation_data=(views[1], y_val))
    dense = new_model(name, params, seed=0).fit(X, y, validation_data=(X_val, y_val))
    np.testing.assert_array_equal(
        lazy.predict_proba(views[2]), dense.predict_proba(X_test), err_msg="views != array"
    )
    # tszoo's deep models gather batches (256 at most when predicting), the others compute
    # features a chunk of windows at a time
    largest = max(v.largest for v in views)
    assert largest <= 256 < len(X), (
        f"one call copied {largest} of {len(X)} windows; read a WindowArray in batches"
    )


class _Payload:
    """Unpickling this creates ``marker``: what a malicious model file would do."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def check_tampered_model_files_are_refused(name: str, model, directory: Path) -> None:
    """Replaced model files are refused (hash, then file format) and never run."""
    directory = save_model(model, directory / "model", name=name)
    marker = directory.parent / "payload-ran"
    files = [p for p in directory.rglob("*") if p.is_file() and p != directory / META]
    for path in files:
        path.write_bytes(pickle.dumps(_Payload(marker)))
    if files:
        with _raises(TszooError, "loading replaced files", match="SHA-256"):
            load_model(directory)
    # an attacker who also rewrites the hashes is stopped by the file formats themselves
    meta = json.loads((directory / META).read_text())
    for path in files:
        meta["sha256"][path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    (directory / META).write_text(json.dumps(meta))
    if files:
        with _raises(TszooError, "loading replaced files with new hashes", match="refusing"):
            load_model(directory)
    for path in directory.glob("*.skops"):  # and skops refuses it as no skops file at all
        with _raises(TszooError, f"reading {path.name}", match="not a skops model file"):
            load_sklearn(path)
    assert not marker.exists(), "loading the model ran code from its files"


# -- all of them ---------------------------------------------------------------------


def check_classifier(model: str | type, **quick_params: Any) -> None:
    """Run every contract check on one model.

    Parameters
    ----------
    model : str or type
        A registered model name, or a :class:`~tszoo.models.BaseClassifier` subclass (one
        not registered is registered for the checks as ``_check_<ClassName>``).
    **quick_params
        Constructor keywords on top of the class's ``_get_test_params()``, to keep the
        checks fast (a few epochs, small networks).

    Raises
    ------
    AssertionError
        Naming the model, the check that failed and why.
    """
    name, scratch = _name_for(model)
    task, many = contract_task(), many_windows_task()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            p = quick_params
            _run(name, check_clone_and_params_round_trip, name, p)
            _run(name, check_not_fitted_error, name, task, p)
            fitted = _run(name, check_fit_returns_self_and_learns, name, task, p)
            _run(name, check_proba_follows_classes, fitted, task)
            _run(name, check_same_seed_same_predictions, name, fitted, task, p)
            _run(name, check_held_out_predictions, fitted, task)
            _run(name, check_save_load_round_trip, name, fitted, task, Path(tmp) / "saved")
            _run(name, check_unequal_length_where_tagged, name, task, p)
            _run(name, check_wrong_channel_count_is_refused, fitted, task)
            _run(name, check_windows_as_views, name, many, p)
            _run(name, check_tampered_model_files_are_refused, name, fitted, Path(tmp))
    finally:
        if scratch:
            unregister(name)


def _name_for(model: str | type) -> tuple[str, bool]:
    """The registered name of ``model``, and whether it was registered just for the checks."""
    if isinstance(model, str):
        get_model_class(model)  # an unknown name is an error naming the models
        return model, False
    # only tszoo's own classes are looked for among its models (that imports them all)
    names = model_names() if model.__module__.startswith("tszoo.") else plugin_names()
    for name in names:
        if get_model_class(name) is model:
            return name, False
    name = f"_check_{model.__name__}"
    register(name, model)
    return name, True


def _run(name: str, check, *args):
    """``check(*args)``, any failure an AssertionError naming the model and the check."""
    try:
        return check(*args)
    except Exception as exc:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        why = lines[0] if lines else type(exc).__name__
        if not isinstance(exc, AssertionError):
            why = f"{type(exc).__name__}: {why}"
        raise AssertionError(f"{name} fails {check.__name__}: {why}") from exc
