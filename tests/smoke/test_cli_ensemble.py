"""The ensemble from the command line: compared beside its members, reported, predicted."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from tszoo.cli import app

MEMBERS = "ensemble.members=[{random_forest: {n_estimators: 10}}, svm]"


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
