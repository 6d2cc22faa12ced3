"""The ensemble from the command line: compared beside its members, reported, predicted.

Beside its members' own cells it takes their fitted models as its final members, and is
the ensemble it is alone, with one process or worker processes, resumed or not.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from tszoo.cli import app
from tszoo.models import get_model_class

MEMBERS = "ensemble.members=[{random_forest: {n_estimators: 10}}, svm]"
# BasicMotions with the forest and the SVM beside the ensemble, the ensemble listed first
BESIDE = ["--data", "BasicMotions", "--models", "ensemble,random_forest,svm", "--set", MEMBERS,
          "--set", "random_forest.n_estimators=10", "--seeds", "0"]  # fmt: skip
TAKEN = {"BasicMotions ensemble seed 0": ["random_forest-seed0", "svm-seed0"]}


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_compare_reports_the_weights_and_predict_uses_the_saved_ensemble(tmp_path):
    run = tmp_path / "run"
    result = invoke(
        "compare", "--data", "GunPoint", "--models", "ensemble,svm", "--set", MEMBERS,
        "--seeds", "0", "--workers", "1", "--out", run, "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    results = pd.read_csv(run / "results.csv")
    assert sorted(results.model) == ["ensemble", "svm"]
    meta = json.loads((run / "models" / "ensemble-seed0" / "model.json").read_text())
    assert [m["name"] for m in meta["state"]["members"]] == ["random_forest", "svm"]
    assert sum(meta["state"]["weights"]) == pytest.approx(1.0)
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "Ensemble weights" in html and "held-out accuracy" in html

    out = tmp_path / "pred.csv"
    result = invoke("predict", run / "models" / "ensemble-seed0", "--data", "GunPoint",
                    "--out", out, "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    saved = pd.read_csv(run / "predictions" / "ensemble-seed0.csv")
    predicted = pd.read_csv(out)
    assert len(predicted) == len(saved)
    assert (predicted["prediction"].to_numpy() == saved["prediction"].to_numpy()).all()


def _predictions(run, cell="ensemble-seed0") -> pd.DataFrame:
    return pd.read_csv(run / "predictions" / f"{cell}.csv")


def _saved_state(run) -> dict:
    return json.loads((run / "models" / "ensemble-seed0" / "model.json").read_text())["state"]


def _reused(run) -> dict:
    return json.loads((run / "manifest.json").read_text())["reused_members"]


@pytest.fixture(scope="module")
def alone(tmp_path_factory):
    """The ensemble alone on BasicMotions: it fits every member itself."""
    run = tmp_path_factory.mktemp("runs") / "alone"
    result = invoke("compare", "--data", "BasicMotions", "--models", "ensemble", "--set", MEMBERS,
                    "--seeds", "0", "--workers", "1", "--out", run, "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _reused(run) == {}
    return run


@pytest.fixture(scope="module")
def beside(tmp_path_factory):
    """The ensemble beside its members in one process, every member fit counted."""
    run = tmp_path_factory.mktemp("runs") / "beside"
    fits = []
    with pytest.MonkeyPatch.context() as patch:
        for name in ("random_forest", "svm"):
            cls = get_model_class(name)
            patch.setattr(cls, "_fit", _counted(cls._fit, name, fits))
        result = invoke("compare", *BESIDE, "--workers", "1", "--out", run)
    assert result.exit_code == 0, result.output
    return run, fits, result.output


def _counted(fit, name, fits):
    def counted(*args, **kwargs):
        fits.append(name)
        return fit(*args, **kwargs)

    return counted


def test_beside_its_members_the_ensemble_refits_none_and_is_the_same(alone, beside):
    run, fits, output = beside
    # each member: its own cell only. A validation split of a few cases is too small to
    # weigh by, so the ensemble cross-validates the members it took, on their features
    # (held_out_predictions), with no fit of a whole member; and no refit
    assert sorted(fits) == ["random_forest", "svm"]
    assert _reused(run) == TAKEN
    assert "took the fitted random_forest-seed0, svm-seed0" in " ".join(output.split())
    pd.testing.assert_frame_equal(_predictions(run), _predictions(alone), check_exact=True)
    assert _saved_state(run) == _saved_state(alone)  # weights, scores, member parameters
    assert pd.read_csv(run / "results.csv").model.tolist() == ["ensemble", "random_forest", "svm"]


def test_worker_processes_run_the_ensemble_after_its_members(alone, beside, tmp_path):
    run = tmp_path / "workers"
    result = invoke("compare", *BESIDE, "--workers", "2", "--out", run, "-q")
    assert result.exit_code == 0, result.output
    assert _reused(run) == TAKEN
    for cell in ("random_forest-seed0", "svm-seed0"):
        pd.testing.assert_frame_equal(_predictions(run, cell), _predictions(beside[0], cell))
    pd.testing.assert_frame_equal(_predictions(run), _predictions(alone), check_exact=True)


def test_a_resumed_ensemble_takes_the_members_finished_before(alone, tmp_path, monkeypatch):
    from tszoo.evaluation import executors

    real = executors.run_cell

    def interrupt_at_the_ensemble(task, *args, **kwargs):
        if task.cell.model == "ensemble":
            raise KeyboardInterrupt
        return real(task, *args, **kwargs)

    run = tmp_path / "resumed"
    monkeypatch.setattr(executors, "run_cell", interrupt_at_the_ensemble)
    result = invoke("compare", *BESIDE, "--workers", "1", "--out", run, "-q")
    assert result.exit_code == 130
    assert pd.read_csv(run / "results.csv").model.tolist() == ["random_forest", "svm"]
    monkeypatch.undo()
    result = invoke("compare", "--resume", run, "--workers", "1", "-q")
    assert result.exit_code == 0, result.output
    assert _reused(run) == TAKEN
    pd.testing.assert_frame_equal(_predictions(run), _predictions(alone), check_exact=True)


def test_a_failed_member_cell_is_fitted_by_the_ensemble(alone, tmp_path, monkeypatch):
    from tszoo.evaluation import cells

    real = cells.fit_and_score

    def forest_fails(name, *args, **kwargs):
        if name == "random_forest":
            raise RuntimeError("no forest today")
        return real(name, *args, **kwargs)

    run = tmp_path / "failed"
    monkeypatch.setattr(cells, "fit_and_score", forest_fails)
    result = invoke("compare", *BESIDE, "--workers", "1", "--out", run, "-q")
    assert result.exit_code != 0 and "no forest today" in result.output
    assert _reused(run) == {"BasicMotions ensemble seed 0": ["svm-seed0"]}
    pd.testing.assert_frame_equal(_predictions(run), _predictions(alone), check_exact=True)
