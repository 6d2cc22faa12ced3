"""The ensemble: CAWPE weights from held-out accuracy, members seeded like models alone."""

from __future__ import annotations

import numpy as np
import pytest

from tszoo.errors import TszooError
from tszoo.models import make_model

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
    model = make_model("ensemble", members=MEMBERS, random_state=0)
    model.fit(X, y, validation_data=(X_val, y_val))
    mean = sum(w * m.predict_proba(X_test) for w, (_, m) in zip(model.weights_, model.members_))
    np.testing.assert_allclose(model.predict_proba(X_test), mean)
    assert model.member_weights().keys() == {"random_forest", "svm"}


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
    [(True, 0, 1), (True, 100, 0), (False, 100, 0)],
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
    assert len(fits) == n_fits  # weighed on val, or on folds of its features; never refitted
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
