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
    model = make_model("ensemble", members=MEMBERS, exponent=2.0, refit=False, random_state=0)
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


@pytest.mark.parametrize(
    ("members", "message"),
    [([], "at least one member"), (["ensemble"], "cannot hold an ensemble"),
     ([{"a": 1, "b": 2}], "give a model name"), (["forest"], "unknown model")],
)  # fmt: skip
def test_bad_members_are_refused(data, members, message):
    (X, y), _, _ = data
    with pytest.raises(TszooError, match=message):
        make_model("ensemble", members=members).fit(X, y)
