"""Every check on every registered model, with each model's ``_get_test_params()``."""

import hashlib
import json
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from tszoo.data import Recordings, WindowArray, make_windows
from tszoo.models import load_model, make_model, model_names, save_model
from tszoo.models.registry import get_model_class, model_tags

NAMES = model_names()


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


def new_model(name, **extra):
    params = {**get_model_class(name)._get_test_params(), **extra}
    return make_model(name, **params)


@pytest.fixture(scope="module")
def task():
    X, y = make_task()
    X_val, y_val = make_task(n_per_class=4, seed=1)
    X_test, y_test = make_task(n_per_class=6, seed=2)
    return X, y, X_val, y_val, X_test, y_test


@pytest.fixture(scope="module")
def fitted(task):
    """One fitted model per name, shared by the checks below."""
    X, y, X_val, y_val, _, _ = task
    return {
        name: new_model(name, random_state=0).fit(X, y, validation_data=(X_val, y_val))
        for name in NAMES
    }


@pytest.mark.parametrize("name", NAMES)
def test_clone_and_params_round_trip(name):
    model = new_model(name, random_state=3)
    params = model.get_params()
    again = clone(model)
    assert again.get_params() == params
    assert type(again)(**params).get_params() == params


@pytest.mark.parametrize("name", NAMES)
def test_not_fitted_error(name, task):
    with pytest.raises(NotFittedError):
        new_model(name).predict(task[4])


@pytest.mark.parametrize("name", NAMES)
def test_fit_returns_self_and_learns(name, task):
    X, y, X_val, y_val, X_test, y_test = task
    model = new_model(name, random_state=0)
    assert model.fit(X, y, validation_data=(X_val, y_val)) is model
    assert (model.predict(X_test) == y_test).mean() >= 0.8


@pytest.mark.parametrize("name", NAMES)
def test_proba_follows_classes(name, fitted, task):
    model = fitted[name]
    proba = model.predict_proba(task[4])
    assert model.classes_.tolist() == ["down", "flat", "up"]  # string labels, sorted
    assert proba.shape == (len(task[4]), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert (proba >= 0).all()
    np.testing.assert_array_equal(model.predict(task[4]), model.classes_[proba.argmax(axis=1)])


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_predictions(name, fitted, task):
    X, y, X_val, y_val, X_test, _ = task
    again = new_model(name, random_state=0).fit(X, y, validation_data=(X_val, y_val))
    np.testing.assert_allclose(again.predict_proba(X_test), fitted[name].predict_proba(X_test))


@pytest.mark.parametrize("name", NAMES)
def test_save_load_round_trip(name, fitted, task, tmp_path):
    model = fitted[name]
    meta = {"channels": ["a", "b", "c"], "window": 40}
    save_model(model, tmp_path / "model", name=name, metadata=meta)
    loaded, metadata = load_model(tmp_path / "model")
    assert metadata == meta
    assert loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(task[4]), model.predict_proba(task[4]))


@pytest.mark.parametrize("name", NAMES)
def test_unequal_length_where_tagged(name, task):
    if not model_tags(name)["unequal_length"]:
        pytest.skip(f"{name} is not tagged unequal_length")
    X, y = task[0], task[1]
    rng = np.random.default_rng(0)
    ragged = [x[:, : rng.integers(25, 41)] for x in X]
    model = new_model(name, random_state=0).fit(ragged, y)
    pred = model.predict([x[:, :30] for x in task[4]])
    assert pred.shape == (len(task[4]),)
    assert set(pred) <= set(model.classes_)


@pytest.mark.parametrize("name", NAMES)
def test_wrong_channel_count_is_refused(name, fitted, task):
    from tszoo.errors import TszooError

    with pytest.raises(TszooError, match="channels"):
        fitted[name].predict(task[4][:, :2])


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


@pytest.fixture(scope="module")
def many_windows():
    """300 / 60 / 60 cases, more than any batch the models copy out in the test below."""
    return [make_task(n_per_class=n, seed=seed) for n, seed in ((100, 0), (20, 1), (20, 2))]


@pytest.mark.parametrize("name", NAMES)
def test_windows_as_views_train_and_predict_as_the_array_does(name, many_windows, monkeypatch):
    # chunk sizes below the 300 cases, so that the chunked paths are the ones taken
    monkeypatch.setattr("tszoo.models.deep.base.STATS_CHUNK", 64)
    monkeypatch.setattr("tszoo.models.classic.features._CHUNK", 64)
    monkeypatch.setattr("tszoo.models.rocket._common.FIT_SERIES", 64)
    for model_class in ("minirocket", "multirocket_hydra", "quant"):
        monkeypatch.setattr(get_model_class(model_class), "_CHUNK", 64)
    (X, y), (X_val, y_val), (X_test, _) = many_windows
    views = [as_windows(X, y), as_windows(X_val, y_val), as_windows(X_test, np.zeros(len(X_test)))]
    np.testing.assert_array_equal(np.asarray(views[0]), X)
    views[0].largest = 0  # that check copied every window; the models must not
    lazy = new_model(name, random_state=0).fit(views[0], y, validation_data=(views[1], y_val))
    dense = new_model(name, random_state=0).fit(X, y, validation_data=(X_val, y_val))
    np.testing.assert_array_equal(lazy.predict_proba(views[2]), dense.predict_proba(X_test))
    # no call copied out every window: deep models gather batches (256 at most when
    # predicting), the others compute features 64 windows at a time and the Rocket
    # transforms draw their biases from 64 windows
    assert max(v.largest for v in views) <= 256 < len(X)


def test_deep_model_with_callbacks_saves_without_them(task, tmp_path):
    from tszoo.training import Callback

    class Count(Callback):
        epochs = 0

        def on_epoch_end(self, trainer, model, record):
            Count.epochs += 1

    X, y, X_val, y_val, X_test, _ = task
    model = new_model("cnn_1d", random_state=0, callbacks=[Count()])
    model.fit(X, y, validation_data=(X_val, y_val))
    assert Count.epochs > 0
    save_model(model, tmp_path / "m", name="cnn_1d")
    loaded, _ = load_model(tmp_path / "m")
    assert loaded.callbacks is None
    np.testing.assert_array_equal(loaded.predict_proba(X_test), model.predict_proba(X_test))


class _Payload:
    """Unpickling this creates ``marker``: what a malicious model file would do."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.mark.parametrize("name", NAMES)
def test_tampered_model_files_are_refused_and_never_run(name, fitted, tmp_path):
    from tszoo.errors import TszooError
    from tszoo.models.persistence import load_sklearn

    directory = save_model(fitted[name], tmp_path / "model", name=name)
    marker = tmp_path / "payload-ran"
    files = [p for p in directory.iterdir() if p.name != "model.json"]
    assert files, "a saved model has files besides model.json"
    for path in files:
        path.write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(TszooError, match="SHA-256"):
        load_model(directory)
    # an attacker who also rewrites the hashes is stopped by the file formats themselves
    meta = json.loads((directory / "model.json").read_text())
    for path in files:
        meta["sha256"][path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    (directory / "model.json").write_text(json.dumps(meta))
    with pytest.raises(TszooError, match="refusing"):
        load_model(directory)
    for path in directory.glob("*.skops"):  # and skops refuses it as no skops file at all
        with pytest.raises(TszooError, match="not a skops model file"):
            load_sklearn(path)
    assert not marker.exists()
