"""One cell's protocol: what each model is fitted on, and what the row records."""

from __future__ import annotations

import numpy as np
import pytest

from tszoo.data import prepare_splits
from tszoo.data.pipeline import join
from tszoo.evaluation import fit_and_score
from tszoo.models import make_model


@pytest.fixture(scope="module")
def gunpoint():
    return prepare_splits("GunPoint", seed=0)


def test_train_and_val_merge_into_the_given_train_split_in_file_order(gunpoint):
    from tszoo.data import load_bundled

    both = join(gunpoint.train, gunpoint.val)
    np.testing.assert_array_equal(both.index, np.arange(50))  # GunPoint's 50 training cases
    merged = gunpoint.merged()
    assert len(merged.val) == 0 and merged.test is gunpoint.test
    X, y = merged.arrays("train")
    raw = load_bundled("GunPoint").train
    np.testing.assert_array_equal(y, raw.y)
    # normalised with the statistics of all 50 cases, not of the 44 in the carved train
    np.testing.assert_allclose(X.mean(), 0.0, atol=1e-5)
    np.testing.assert_allclose(X.std(), 1.0, atol=1e-4)


def test_join_keeps_windows_as_views_of_one_recording():
    from tszoo.data import Recordings

    rng = np.random.default_rng(0)
    recordings = Recordings.from_arrays(
        [rng.standard_normal((600, 2)) for _ in range(3)],
        [np.repeat(["x", "y", "z"], 200) for _ in range(3)],
    )
    splits = prepare_splits(recordings, window=20, stride=5, seed=0)
    merged = splits.merged()
    X, _ = merged.arrays("train", lazy=True)
    assert len(X) == len(splits.train) + len(splits.val)
    assert merged.train.recordings is splits.train.recordings  # views, not copies
    assert np.all(np.diff(merged.train.starts) > 0)
    rows = np.concatenate([splits.train.starts, splits.val.starts])
    np.testing.assert_array_equal(np.sort(rows), merged.train.starts)


def test_a_model_that_chooses_nothing_on_validation_fits_on_train_and_val(gunpoint):
    row = fit_and_score("random_forest", {"n_estimators": 10}, gunpoint, seed=0).row
    assert row["n_fit"] == row["n_train"] + row["n_val"] == 50  # GunPoint's whole train split


def test_a_model_that_stops_early_fits_on_train_and_validates_on_val(gunpoint):
    params = {"n_filters": 4, "n_layers": 1, "max_epochs": 3, "inputs": "raw", "patience": 2}
    assert make_model("cnn_1d", **params).uses_validation
    row = fit_and_score("cnn_1d", {**params, "refit": False}, gunpoint, seed=0).row
    assert row["n_fit"] == row["n_train"] < 50
    # refit (the default) trains again on train and val with the epochs chosen there
    row = fit_and_score("cnn_1d", params, gunpoint, seed=0).row
    assert row["n_fit"] == row["n_train"] + row["n_val"] == 50
    assert make_model("cnn_1d").uses_validation  # the default chooses its input on it
    assert not make_model("cnn_1d", inputs="raw").uses_validation


ENSEMBLE = {"members": [{"random_forest": {"n_estimators": 10}}, "svm"]}


def test_an_ensemble_refits_its_members_as_their_own_cells_fit_them(gunpoint):
    ensemble = fit_and_score("ensemble", ENSEMBLE, gunpoint, seed=0)
    forest = fit_and_score("random_forest", {"n_estimators": 10}, gunpoint, seed=0)
    # scored and saved with the normalisation of train and val, as its final members
    assert ensemble.splits.normalizer.to_dict() == forest.splits.normalizer.to_dict()
    X_test, _ = forest.splits.arrays("test")
    np.testing.assert_array_equal(
        ensemble.model.members_[0][1].predict_proba(X_test), forest.model.predict_proba(X_test)
    )


def test_an_ensemble_takes_saved_members_fitted_on_its_final_data(gunpoint):
    from tszoo.evaluation.experiment import SavedMember

    forest = fit_and_score("random_forest", {"n_estimators": 10}, gunpoint, seed=0)
    meta = {"channels": list(gunpoint.channels), "window": gunpoint.window,
            "stride": gunpoint.stride, "normalisation": forest.splits.normalizer.to_dict(),
            "seed": 0}  # fmt: skip
    offered = {0: SavedMember("random_forest-seed0", forest.model, meta)}
    taken = fit_and_score("ensemble", ENSEMBLE, gunpoint, seed=0, members=offered)
    alone = fit_and_score("ensemble", ENSEMBLE, gunpoint, seed=0)
    assert taken.reused == ["random_forest-seed0"] and alone.reused == []
    assert taken.predictions.equals(alone.predictions)
    # saved from other data (the train split alone, another seed): fitted again
    for other in ({"normalisation": gunpoint.normalizer.to_dict()}, {"seed": 1}):
        offered = {0: SavedMember("random_forest-seed0", forest.model, {**meta, **other})}
        assert fit_and_score("ensemble", ENSEMBLE, gunpoint, seed=0, members=offered).reused == []
