"""`tszoo export` end to end: train on the study's recording, export, and ONNX Runtime
predicts what `tszoo predict` writes; the error cases are one line, exit 2, nothing written."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tszoo.cli import app

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def trained_run(sample_csv, tmp_path_factory):
    run = tmp_path_factory.mktemp("export") / "run"
    args = ("train", "cnn_1d", "--data", sample_csv, "--out", run, "-q")
    settings = ("cnn_1d.max_epochs=1", "cnn_1d.n_filters=4", "cnn_1d.n_layers=1")
    result = invoke(*args, *(x for s in settings for x in ("--set", s)))
    assert result.exit_code == 0, result.output
    return run


def test_export_predicts_what_predict_writes(trained_run, sample_csv, tmp_path):
    out = tmp_path / "cnn.onnx"
    result = invoke("export", trained_run, "--format", "onnx", "--out", out)
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stdout
    sidecar = json.loads((tmp_path / "cnn.json").read_text())
    assert sidecar["model"] == "cnn_1d" and (sidecar["window"], sidecar["stride"]) == (50, 10)
    pred = tmp_path / "pred.csv"
    assert invoke("predict", trained_run, "--data", sample_csv, "--out", pred, "-q").exit_code == 0
    table = pd.read_csv(pred)
    rows = pd.read_csv(sample_csv)[sidecar["channels"]].to_numpy(np.float32)
    windows = np.stack([rows[a:b].T for a, b in zip(table.start_row, table.end_row)])
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    proba = session.run(["probabilities"], {"windows": windows})[0]
    expected = table[[f"proba_{c}" for c in sidecar["classes"]]].to_numpy()
    assert np.abs(proba - expected).max() < 1e-4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "tflite"), "'tflite' is not an export format; formats are onnx"),
        (("--out", "{tmp}/model.pt"), "an ONNX file's name ends in .onnx"),
        (("--out", "{tmp}/taken.onnx"), "taken.onnx already exists; choose a new --out file"),
    ],
)
def test_export_errors_are_one_line_and_write_nothing(trained_run, tmp_path, args, message):
    (tmp_path / "taken.onnx").write_text("keep me")
    given = [a.format(tmp=tmp_path) for a in args]
    if "--out" not in given:
        given += ["--out", str(tmp_path / "model.onnx")]
    result = invoke("export", trained_run, *given)
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.onnx"]
    assert (tmp_path / "taken.onnx").read_text() == "keep me"


def test_export_of_no_model_dir_is_an_error(tmp_path):
    result = invoke("export", tmp_path / "nothing_here", "--out", tmp_path / "m.onnx")
    assert result.exit_code == 2 and "no saved model here" in result.stderr
    assert not (tmp_path / "m.onnx").exists()
