"""Window features and the classic models (random forest, SVM)."""

from __future__ import annotations

import numpy as np
import pytest

from tszoo.errors import TszooError
from tszoo.models.classic.features import (
    SUMMARY_STATS,
    feature_names,
    summary_features,
    window_features,
)
from tszoo.models.classic.forest import RandomForestClassifier
from tszoo.models.classic.svm import SVMClassifier
from tszoo.models.persistence import load_model, save_model

MODELS = {"random_forest": RandomForestClassifier, "svm": SVMClassifier}


def make_data(n_per_class: int = 20, n_channels: int = 2, n_timepoints: int = 30, seed: int = 0):
    """Noise whose spread and trend depend on the class: separable, labels are strings."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for k, label in enumerate(["walk", "run", "sit"]):
        trend = np.linspace(0, k, n_timepoints)
        X.append(rng.normal(0, 1 + k, (n_per_class, n_channels, n_timepoints)) + trend)
        y += [label] * n_per_class
    return np.concatenate(X).astype(np.float32), np.array(y)


def unequal(X: np.ndarray, seed: int = 1) -> list[np.ndarray]:
    """Cut every series to a random length between half and all of it."""
    rng = np.random.default_rng(seed)
    return [x[:, : rng.integers(X.shape[-1] // 2, X.shape[-1] + 1)] for x in X]


@pytest.fixture(scope="module")
def data():
    return make_data(seed=0), make_data(n_per_class=10, seed=1)


@pytest.fixture(scope="module", params=list(MODELS))
def fitted(request, data):
    (X, y), _ = data
    cls = MODELS[request.param]
    return request.param, cls(**cls._get_test_params()).fit(X, y)


# -- features ------------------------------------------------------------------------------


def test_summary_features_of_a_line():
    x = (3.0 * np.arange(11) + 2.0).astype(np.float32)[None, None, :]  # (1, 1, 11)
    stats = dict(zip(SUMMARY_STATS, summary_features(x)[0]))
    assert stats["slope"] == pytest.approx(3.0)
    assert stats["mean"] == pytest.approx(17.0)
    assert stats["median"] == pytest.approx(17.0)
    assert (stats["min"], stats["max"]) == pytest.approx((2.0, 32.0))
    assert stats["iqr"] == pytest.approx(15.0)
    assert stats["skew"] == pytest.approx(0.0, abs=1e-5)
    assert stats["diff_mean_abs"] == pytest.approx(3.0)
    assert stats["diff_std"] == pytest.approx(0.0, abs=1e-5)


def test_summary_features_of_constant_and_single_point_series_are_finite():
    for length in (1, 5):
        f = summary_features(np.full((2, 3, length), 4.0, dtype=np.float32))
        assert np.isfinite(f).all()
        assert f[0, SUMMARY_STATS.index("std")] == 0


def test_summary_features_channel_layout_and_dtype():
    X = np.zeros((4, 3, 20), dtype=np.float32)
    X[:, 2] = np.arange(20)
    f = window_features(X, "summary")
    names = feature_names("summary", 3)
    assert f.shape == (4, 30) and f.dtype == np.float32 and len(names) == 30
    assert f[0, names.index("ch2_slope")] == pytest.approx(1.0)
    assert f[0, names.index("ch1_slope")] == 0


def test_unequal_length_features_match_one_series_at_a_time():
    X, _ = make_data(n_per_class=3)
    series = unequal(X)
    together = window_features(series, "summary")
    alone = np.concatenate([window_features(x[None], "summary") for x in series])
    np.testing.assert_allclose(together, alone, rtol=1e-5)


def test_raw_features_resample_unequal_series():
    series = [np.ones((2, 10), np.float32), np.ones((2, 25), np.float32)]
    assert window_features(series, "raw", length=20).shape == (2, 40)
    with pytest.raises(TszooError, match="length"):
        window_features(series, "raw")


def test_catch22_features_shape_and_finite():
    X, _ = make_data(n_per_class=2, n_timepoints=20)
    f = window_features(X, "catch22")
    assert f.shape == (6, 44) and np.isfinite(f).all()
    assert window_features(unequal(X), "catch22").shape == (6, 44)


def test_unknown_feature_kind_is_an_error_listing_the_options():
    X, y = make_data(n_per_class=3)
    with pytest.raises(TszooError, match="summary"):
        RandomForestClassifier(features="sumary").fit(X, y)


# -- models --------------------------------------------------------------------------------


def test_accuracy_on_separable_data(fitted, data):
    _, model = fitted
    _, (X_test, y_test) = data
    assert np.mean(model.predict(X_test) == y_test) >= 0.9


def test_string_labels_and_probabilities(fitted, data):
    _, model = fitted
    _, (X_test, _) = data
    proba = model.predict_proba(X_test)
    assert list(model.classes_) == ["run", "sit", "walk"]
    assert proba.shape == (len(X_test), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(model.predict(X_test), model.classes_[proba.argmax(axis=1)])


@pytest.mark.parametrize("name", list(MODELS))
def test_same_random_state_same_predictions(name, data):
    (X, y), (X_test, _) = data
    params = {**MODELS[name]._get_test_params(), "random_state": 3}
    a = MODELS[name](**params).fit(X, y).predict_proba(X_test)
    b = MODELS[name](**params).fit(X, y).predict_proba(X_test)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("features", ["summary", "raw"])
def test_unequal_length_lists(name, features, data):
    (X, y), (X_test, y_test) = data
    model = MODELS[name](**MODELS[name]._get_test_params(), features=features)
    model.fit(unequal(X), y)
    assert model.n_timepoints_ == max(x.shape[1] for x in unequal(X))
    predictions = model.predict(unequal(X_test, seed=2))
    assert predictions.shape == (len(X_test),)
    if features == "summary":
        assert np.mean(predictions == y_test) >= 0.8


def test_save_load_round_trip(fitted, data, tmp_path):
    name, model = fitted
    _, (X_test, _) = data
    save_model(model, tmp_path / "m", name=name)
    loaded, _ = load_model(tmp_path / "m")
    assert loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(X_test), model.predict_proba(X_test))
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))


def test_forest_n_jobs_set_after_fitting_is_the_cores_predict_uses(data):
    (X, y), (X_test, _) = data
    forest = MODELS["random_forest"](n_estimators=10, random_state=0).fit(X, y)
    one = forest.predict_proba(X_test)
    forest.set_params(n_jobs=2)
    np.testing.assert_allclose(forest.predict_proba(X_test), one)
    assert forest.estimator_.n_jobs == 2
