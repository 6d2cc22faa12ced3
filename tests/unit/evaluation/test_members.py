"""An ensemble beside its members: which cells fit its final members, and when it runs."""

from __future__ import annotations

import pytest

from tszoo.evaluation.cells import CellTask
from tszoo.evaluation.engine import _in_order, _waves
from tszoo.evaluation.members import member_cells
from tszoo.runs import Cell

MEMBERS = {"members": [{"random_forest": {"n_estimators": 10}}, "svm"]}
ENSEMBLE = Cell("GunPoint", "ensemble", 0, 1)


def test_the_cells_of_members_with_the_ensembles_parameters_are_found():
    run = {"ensemble": MEMBERS, "random_forest": {"n_estimators": 10}, "svm": {}}
    assert member_cells(ENSEMBLE, MEMBERS, run) == (
        (0, Cell("GunPoint", "random_forest", 0, 1)),
        (1, Cell("GunPoint", "svm", 0, 1)),
    )


@pytest.mark.parametrize(
    ("ensemble", "run"),
    [
        (MEMBERS, {"random_forest": {}, "svm": {"C": 2.0}}),  # other parameters
        ({**MEMBERS, "refit": False}, {"random_forest": {"n_estimators": 10}, "svm": {}}),
        ({**MEMBERS, "random_state": None}, {"random_forest": {"n_estimators": 10}, "svm": {}}),
        ({**MEMBERS, "chunk_size": 64}, {"random_forest": {"n_estimators": 10}, "svm": {}}),
        ({"members": ["forest"]}, {"random_forest": {}}),  # an unknown member: the cell fails
    ],
    ids=["other-params", "no-refit", "unseeded", "chunk-size", "bad-member"],
)
def test_no_cell_fits_a_member_the_ensemble_would_fit_otherwise(ensemble, run):
    assert member_cells(ENSEMBLE, ensemble, {"ensemble": ensemble, **run}) == ()


def test_a_member_that_chooses_on_validation_is_fitted_by_the_ensemble():
    cnn = {"n_filters": 4, "max_epochs": 2, "inputs": "raw", "patience": 1}
    ensemble = {"members": [{"cnn_1d": cnn}, "svm"]}
    found = member_cells(ENSEMBLE, ensemble, {"ensemble": ensemble, "cnn_1d": cnn, "svm": {}})
    assert found == ((1, Cell("GunPoint", "svm", 0, 1)),)  # its cell fits the CNN on train


def test_other_models_take_no_members():
    assert member_cells(Cell("GunPoint", "svm", 0), {}, {"svm": {}, "random_forest": {}}) == ()


def _task(model: str, seed: int, members: tuple = ()) -> CellTask:
    return CellTask(Cell("d", model, seed), "d", {}, {}, members=members)


def test_an_ensemble_runs_after_its_members_cells():
    member = (0, Cell("d", "random_forest", 0))
    tasks = [_task("ensemble", 0, (member,)), _task("svm", 0), _task("random_forest", 0),
             _task("random_forest", 1)]  # fmt: skip
    in_order = [(t.cell.model, t.cell.seed) for t in _in_order(tasks)]
    assert in_order == [("svm", 0), ("random_forest", 0), ("ensemble", 0), ("random_forest", 1)]
    waves = [[(t.cell.model, t.cell.seed) for t in wave] for wave in _waves(tasks)]
    assert waves == [[("svm", 0), ("random_forest", 0), ("random_forest", 1)], [("ensemble", 0)]]
    # a member cell done before (not among the tasks): nothing to wait for
    assert [t.cell.model for t in _in_order(tasks[:2])] == ["ensemble", "svm"]
    assert len(_waves(tasks[:2])) == 1
