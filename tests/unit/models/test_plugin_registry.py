"""tszoo.register: a model added in-process, its configs and its saved form."""

import numpy as np
import pytest

import tszoo
from tszoo.config import check_params, model_defaults
from tszoo.errors import TszooError
from tszoo.evaluation.cells import _check_registered
from tszoo.models import BaseClassifier, load_model, model_names, save_model
from tszoo.models.registry import model_package, model_tags, unregister


class Majority(BaseClassifier):
    """Always the most common training class."""

    def __init__(self, *, smoothing: float = 0.0) -> None:
        self.smoothing = smoothing

    def _fit(self, X, y, validation):
        self.counts_ = np.bincount(y, minlength=len(self.classes_)) + self.smoothing

    def _predict_proba(self, X):
        return np.tile(self.counts_ / self.counts_.sum(), (len(X), 1))

    def _save(self, directory):
        return {"counts": self.counts_.tolist()}

    def _load(self, directory, state):
        self.counts_ = np.asarray(state["counts"])


@pytest.fixture
def majority():
    tszoo.register("majority", Majority, univariate_only=True)
    yield "majority"
    unregister("majority")


def test_a_registered_model_is_listed_configured_and_saved(majority, tmp_path):
    assert "majority" in model_names() and model_package("majority") == "tszoo.register"
    assert model_tags("majority")["univariate_only"] and not model_tags("majority")["deep"]
    assert model_defaults("majority") == {"smoothing": 0.0}
    with pytest.raises(TszooError, match=r"unknown key 'majority\.smothing'"):
        check_params("majority", {"smothing": 1.0}, "majority")
    X, y = np.zeros((6, 2, 10), dtype=np.float32), np.array(list("aabbbb"))
    save_model(Majority().fit(X, y), tmp_path / "m", name="majority")
    unregister("majority")
    with pytest.raises(TszooError, match=r"registered with tszoo.register\(\).*register it again"):
        load_model(tmp_path / "m")
    with pytest.raises(TszooError, match="not registered in this worker process"):
        _check_registered("majority")
    tszoo.register("majority", Majority)  # for the fixture to remove


def test_register_refuses_what_is_not_a_model():
    with pytest.raises(TszooError, match="one of tszoo's own models"):
        tszoo.register("svm", Majority)
    with pytest.raises(TszooError, match=r"does not subclass tszoo\.models\.BaseClassifier"):
        tszoo.register("not_a_model", dict)
