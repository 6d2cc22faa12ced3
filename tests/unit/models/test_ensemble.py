"""The ensemble: CAWPE weights from held-out accuracy, members seeded like models alone."""

from __future__ import annotations

import numpy as np
import pytest

from tszoo.errors import TszooError
from tszoo.models import make_model
from tszoo.models.ensemble import _sharpen, _temperature

MEMBERS = [{"random_forest": {"n_estimators": 10}}, "svm"]


@pytest.fixture
def data(make_sines):
    return make_sines(20, seed=0), make_sines(10, seed=1), make_sines(10, seed=2)


def test_weights_are_validation_accuracy_to_the_exponent(data):
    (X, y), (X_val, y_val), _ = data
    model = make_model(
        "ensemble", members=MEMBERS, exponent=2.0, refit=False, min_validation=0, random_state=0
    )
    model.fit(X, y, validation_data=(X_val, y_val))
    alone = [
        make_model("random_forest", n_estimators=10, random_state=0).fit(X, y),
        make_model("svm", random_state=0).fit(X, y),
    ]
    scores = np.array([np.mean(m.predict(X_val) == y_val) for m in alone])
    np.testing.assert_allclose(model.scores_, scores)
    np.testing.assert_allclose(model.weights_, scores**2 / (scores**2).sum())


def test_probabilities_are_the_weighted_mean_of_the_members(data):
    (X, y), (X_val, y_val), (X_test, _) = data
    model = make_model("ensemble", members=MEMBERS, calibrate=False, random_state=0)
    model.fit(X, y, validation_data=(X_val, y_val))
    np.testing.assert_array_equal(model.temperatures_, [1.0, 1.0])
    mean = sum(w * m.predict_proba(X_test) for w, (_, m) in zip(model.weights_, model.members_))
    np.testing.assert_allclose(model.predict_proba(X_test), mean)
    assert model.member_weights().keys() == {"random_forest", "svm"}


def test_calibrated_probabilities_are_the_weighted_mean_at_each_temperature(data):
    (X, y), (X_val, y_val), (X_test, _) = data
    model = make_model("ensemble", members=MEMBERS, random_state=0)
    model.fit(X, y, validation_data=(X_val, y_val))
    assert model.temperatures_.shape == (2,) and (model.temperatures_ != 1.0).all()
    mean = 0
    for w, t, (_, m) in zip(model.weights_, model.temperatures_, model.members_, strict=True):
        p = m.predict_proba(X_test) ** (1 / t)
        mean = mean + w * p / p.sum(1, keepdims=True)
    np.testing.assert_allclose(model.predict_proba(X_test), mean)


def test_temperature_sharpens_a_flat_member_and_softens_an_overconfident_one():
    codes = np.arange(40) % 4
    flat = np.full((40, 4), 0.2)
    flat[np.arange(40), codes] = 0.4  # always right, never sure
    assert _temperature(flat, codes) < 0.2
    sure = np.full((40, 4), 0.01)
    sure[np.arange(40), (codes + (np.arange(40) < 16)) % 4] = 0.97  # sure, and 40 % wrong
    assert _temperature(sure, codes) > 2
    # right on every case: very sure, not certain (one case's worth of doubt)
    sharp = _sharpen(flat, _temperature(flat, codes))
    assert 0.95 < sharp.max(1).min() and sharp.max(1).max() < 0.999


def test_a_flat_accurate_member_outvotes_a_peaked_weaker_one_once_calibrated():
    codes = np.arange(60) % 3
    flat = np.full((60, 3), 0.3)
    flat[np.arange(60), codes] = 0.4  # right everywhere, barely
    peaked = np.full((60, 3), 0.1)
    peaked[np.arange(60), np.where(np.arange(60) < 12, (codes + 1) % 3, codes)] = 0.8
    mean = (flat + peaked) / 2
    assert (mean.argmax(1) != codes).sum() == 12  # as they are, the peaked one wins
    calibrated = sum(_sharpen(p, _temperature(p, codes)) for p in (flat, peaked)) / 2
    assert (calibrated.argmax(1) == codes).all()


def test_without_validation_the_weights_come_from_cross_validation(data):
    (X, y), _, (X_test, _) = data
    model = make_model("ensemble", members=MEMBERS, cv=3, random_state=0).fit(X, y)
    assert model.scores_.shape == (2,) and (0 < model.scores_).all() and (model.scores_ <= 1).all()
    again = make_model("ensemble", members=MEMBERS, cv=3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(model.predict_proba(X_test), again.predict_proba(X_test))


def test_a_small_validation_split_weighs_by_cross_validation_on_all_cases(data):
    (X, y), (X_val, y_val), (X_test, _) = data
    few = len(y_val) + 1  # one more case than validation holds
    model = make_model("ensemble", members=MEMBERS, cv=3, min_validation=few, random_state=0)
    model.fit(X, y, validation_data=(X_val, y_val))
    X_all, y_all = np.concatenate([X, X_val]), np.concatenate([y, y_val])
    alone = make_model("ensemble", members=MEMBERS, cv=3, random_state=0).fit(X_all, y_all)
    np.testing.assert_array_equal(model.scores_, alone.scores_)
    np.testing.assert_array_equal(model.predict_proba(X_test), alone.predict_proba(X_test))
    assert model.n_fit_ == len(y_all)
    enough = make_model("ensemble", members=MEMBERS, cv=3, min_validation=few - 1, random_state=0)
    enough.fit(X, y, validation_data=(X_val, y_val))
    refit = make_model("ensemble", members=MEMBERS, min_validation=0, random_state=0)
    np.testing.assert_array_equal(
        enough.scores_, refit.fit(X, y, validation_data=(X_val, y_val)).scores_
    )


@pytest.mark.parametrize(
    ("members", "message"),
    [([], "at least one member"), (["ensemble"], "cannot hold an ensemble"),
     ([{"a": 1, "b": 2}], "give a model name"), (["forest"], "unknown model")],
)  # fmt: skip
def test_bad_members_are_refused(data, members, message):
    (X, y), _, _ = data
    with pytest.raises(TszooError, match=message):
        make_model("ensemble", members=members).fit(X, y)


def _final(data):
    """Training and validation data, and other cases to fit the final members on."""
    (X, y), (X_val, y_val), (X_test, _) = data
    X_all, y_all = np.concatenate([X_val, X]), np.concatenate([y_val, y])  # another order
    return (X, y), (X_val, y_val), (X_all, y_all), X_test


def test_final_members_are_fitted_on_final_data(data):
    (X, y), val, (X_all, y_all), X_test = _final(data)
    model = make_model("ensemble", members=MEMBERS, random_state=0)
    model.fit(X, y, validation_data=val, final_data=(X_all, y_all))
    alone = model.member(0).fit(X_all, y_all)  # the forest, as the ensemble seeds it
    np.testing.assert_array_equal(
        model.members_[0][1].predict_proba(X_test), alone.predict_proba(X_test)
    )


@pytest.mark.parametrize(
    ("validation", "min_validation", "n_fits"),
    [(True, 0, 1), (True, 100, 3), (False, 100, 3)],
    ids=["weighed on validation", "validation too small", "cross-validated"],
)
def test_fitted_members_are_taken_and_change_nothing(
    data, validation, min_validation, n_fits, monkeypatch
):
    (X, y), val, (X_all, y_all), X_test = _final(data)
    kwargs = {"validation_data": val, "final_data": (X_all, y_all)} if validation else {}
    X_final, y_final = (X_all, y_all) if validation else (X, y)
    params = {"members": MEMBERS, "cv": 3, "min_validation": min_validation, "random_state": 0}
    model = make_model("ensemble", **params)
    svm = model.member(1).fit(X_final, y_final)  # on the labels, as its own cell fits it
    fits = []
    real = type(svm)._fit
    monkeypatch.setattr(type(svm), "_fit", lambda *a, **k: fits.append(1) or real(*a, **k))
    model.fit(X, y, fitted_members={1: svm}, **kwargs)
    assert len(fits) == n_fits  # weighed on val, or 3 folds; never refitted
    again = make_model("ensemble", **params).fit(X, y, **kwargs)
    np.testing.assert_array_equal(model.predict_proba(X_test), again.predict_proba(X_test))
    assert svm.classes_.tolist() == ["a", "b", "c"]  # the model given is left as it was


@pytest.mark.parametrize("change", [{"n_estimators": 11}, {"random_state": 1}])
def test_a_fitted_member_with_other_parameters_is_refused(data, change):
    (X, y), val, _ = data
    forest = make_model("random_forest", **{"n_estimators": 10, "random_state": 0, **change})
    model = make_model("ensemble", members=MEMBERS, random_state=0)
    with pytest.raises(TszooError, match="other parameters than the ensemble gives member 0"):
        model.fit(X, y, validation_data=val, fitted_members={0: forest.fit(X, y)})


def test_fitted_members_are_refused_where_no_member_is_refitted(data):
    (X, y), val, _ = data
    model = make_model("ensemble", members=MEMBERS, refit=False, random_state=0)
    svm = model.member(1).fit(X, y)
    with pytest.raises(TszooError, match="refit=False"):
        model.fit(X, y, validation_data=val, fitted_members={1: svm})
    with pytest.raises(TszooError, match="has 2 members"):
        model.set_params(refit=True).fit(X, y, validation_data=val, fitted_members={2: svm})


def test_member_is_seeded_and_sized_by_the_ensemble():
    model = make_model("ensemble", members=MEMBERS, random_state=3)
    forest = model.member(0)
    assert forest.get_params()["random_state"] == 3 and forest.get_params()["n_estimators"] == 10
    assert model.is_member(0, make_model("random_forest", n_estimators=10, random_state=3))
    assert not model.is_member(0, make_model("random_forest", n_estimators=10, random_state=0))
    assert not model.is_member(1, forest)
