"""Every check on every registered model, with each model's ``_get_test_params()``.

The checks themselves live in :mod:`tszoo.testing`, where plugins run them too
(``check_classifier``); here they run one test per model and check.
"""

import numpy as np
import pytest

from tszoo import testing as contract
from tszoo.models import load_model, model_names, save_model
from tszoo.testing import make_task, new_model

NAMES = model_names()


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
        name: new_model(name, seed=0).fit(X, y, validation_data=(X_val, y_val)) for name in NAMES
    }


@pytest.mark.parametrize("name", NAMES)
def test_clone_and_params_round_trip(name):
    contract.check_clone_and_params_round_trip(name)


@pytest.mark.parametrize("name", NAMES)
def test_not_fitted_error(name, task):
    contract.check_not_fitted_error(name, task)


@pytest.mark.parametrize("name", NAMES)
def test_fit_returns_self_and_learns(name, task):
    contract.check_fit_returns_self_and_learns(name, task)


@pytest.mark.parametrize("name", NAMES)
def test_proba_follows_classes(name, fitted, task):
    contract.check_proba_follows_classes(fitted[name], task)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_predictions(name, fitted, task):
    contract.check_same_seed_same_predictions(name, fitted[name], task)


@pytest.mark.parametrize("name", NAMES)
def test_held_out_predictions(name, fitted, task):
    contract.check_held_out_predictions(fitted[name], task)


@pytest.mark.parametrize("name", NAMES)
def test_save_load_round_trip(name, fitted, task, tmp_path):
    contract.check_save_load_round_trip(name, fitted[name], task, tmp_path / "model")


@pytest.mark.parametrize("name", NAMES)
def test_unequal_length_where_tagged(name, task):
    contract.check_unequal_length_where_tagged(name, task)


@pytest.mark.parametrize("name", NAMES)
def test_wrong_channel_count_is_refused(name, fitted, task):
    contract.check_wrong_channel_count_is_refused(fitted[name], task)


@pytest.fixture(scope="module")
def many_windows():
    return contract.many_windows_task()


@pytest.mark.parametrize("name", NAMES)
def test_windows_as_views_train_and_predict_as_the_array_does(name, many_windows):
    contract.check_windows_as_views(name, many_windows)


def test_deep_model_with_callbacks_saves_without_them(task, tmp_path):
    from tszoo.training import Callback

    class Count(Callback):
        epochs = 0

        def on_epoch_end(self, trainer, model, record):
            Count.epochs += 1

    X, y, X_val, y_val, X_test, _ = task
    model = new_model("cnn_1d", {"callbacks": [Count()]}, seed=0)
    model.fit(X, y, validation_data=(X_val, y_val))
    assert Count.epochs > 0
    save_model(model, tmp_path / "m", name="cnn_1d")
    loaded, _ = load_model(tmp_path / "m")
    assert loaded.callbacks is None
    np.testing.assert_array_equal(loaded.predict_proba(X_test), model.predict_proba(X_test))


@pytest.mark.parametrize("name", NAMES)
def test_tampered_model_files_are_refused_and_never_run(name, fitted, tmp_path):
    contract.check_tampered_model_files_are_refused(name, fitted[name], tmp_path)
    files = [p for p in (tmp_path / "model").iterdir() if p.name != "model.json"]
    assert files, "each of tszoo's models writes files besides model.json, checked above"
