"""The QUANT adapter over aeon."""

from __future__ import annotations

import numpy as np
import pytest

from tszoo.models.interval.quant import QUANTClassifier
from tszoo.models.persistence import load_model, save_model


@pytest.fixture(scope="module")
def data(sines):
    return sines


def test_quant_gives_aeons_probabilities(data):
    from aeon.classification.interval_based import QUANTClassifier as Aeon

    (X, y), (X_test, _) = data
    ours = QUANTClassifier(random_state=3).fit(X, y).predict_proba(X_test)
    theirs = Aeon(random_state=3).fit(X.astype(np.float64), y).predict_proba(X_test)
    np.testing.assert_array_equal(ours, theirs)


def test_quant_learns_and_transforms_in_chunks(data):
    (X, y), (X_test, y_test) = data
    whole = QUANTClassifier(random_state=0).fit(X, y)
    assert (whole.predict(X_test) == y_test).mean() >= 0.9
    chunked = QUANTClassifier(chunk_size=7, random_state=0).fit(X, y)
    np.testing.assert_array_equal(chunked.predict_proba(X_test), whole.predict_proba(X_test))


def test_quant_resamples_unequal_and_short_series(data, tmp_path):
    (X, y), (X_test, _) = data
    ragged = [x[:, : 20 + i % 20] for i, x in enumerate(X)]
    model = QUANTClassifier(random_state=0).fit(ragged, y)
    assert model.n_timepoints_ == max(x.shape[1] for x in ragged)
    assert model.predict_proba([x[:, :3] for x in X_test]).shape == (len(X_test), 3)
    save_model(model, tmp_path / "m", name="quant")
    loaded, _ = load_model(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict_proba(X_test), model.predict_proba(X_test))
