"""Cross-validated predictions that compute a model's unsupervised features once."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold

from tszoo.models import make_model
from tszoo.models.base import BaseClassifier


def _folds(y, n=3):
    return list(StratifiedKFold(n_splits=n, shuffle=True, random_state=0).split(y, y))


@pytest.mark.parametrize(("name", "params"), [("random_forest", {"n_estimators": 20}), ("svm", {})])
def test_tabular_models_predict_as_a_model_fitted_per_fold_does(sines, name, params):
    (X, y), _ = sines
    model = make_model(name, random_state=0, **params).fit(X, y)
    # the summary features are each case's own: computing them once changes nothing
    shared = model.held_out_predictions(X, y, _folds(y))
    refitted = BaseClassifier.held_out_predictions(model, X, y, _folds(y))
    np.testing.assert_array_equal(shared, refitted)


def test_multirocket_hydra_transforms_once_and_refits_its_ridge_per_fold(sines, monkeypatch):
    (X, y), _ = sines
    model = make_model("multirocket_hydra", n_kernels=4, n_groups=8, random_state=0).fit(X, y)
    calls = []
    real = type(model)._raw_features
    monkeypatch.setattr(
        type(model), "_raw_features", lambda m, Z: calls.append(len(Z)) or real(m, Z)
    )
    ridge = model.ridge_
    held_out = model.held_out_predictions(X, y, _folds(y))
    assert calls == [len(X)]  # one pass over the series, not one per fold
    assert model.ridge_ is ridge  # the fitted model keeps its own head
    assert np.mean(held_out == y) > 0.9
    # a fold's ridge is fitted on that fold's cases only: with all labels of the held-out
    # cases swapped, their predictions do not move
    folds = _folds(y)
    y_swapped = y.copy()
    y_swapped[folds[0][1]] = np.roll(y[folds[0][1]], 1)
    again = model.held_out_predictions(X, y_swapped, folds)
    np.testing.assert_array_equal(again[folds[0][1]], held_out[folds[0][1]])
