"""`tszoo predict` end to end: train on the study's recording, predict it back."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from tszoo.cli import app


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def trained_run(sample_csv, tmp_path_factory):
    run = tmp_path_factory.mktemp("predict") / "run"
    result = invoke("train", "random_forest", "--data", sample_csv, "--out", run, "-q")
    assert result.exit_code == 0, result.output
    return run


def test_predict_writes_every_window(trained_run, sample_csv, tmp_path):
    out = tmp_path / "pred.csv"
    result = invoke("predict", trained_run, "--data", sample_csv, "--out", out, "-q")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert len(table) == 384  # 4 recordings x ((1000 - 50) / 10 + 1)
    expected = ["recording", "start_row", "end_row", "start_time", "end_time", "prediction"]
    assert list(table.columns) == expected + [f"proba_{c}" for c in range(4)]
    assert (table.end_row - table.start_row == 50).all()
    truth = pd.read_csv(sample_csv)["Label"].to_numpy()[table.start_row]
    assert (table.prediction == truth).mean() > 0.9  # it saw most of these rows in training


def test_predict_with_another_stride_and_to_stdout(trained_run, sample_csv):
    result = invoke("predict", trained_run, "--data", sample_csv, "--stride", "50", "-q")
    assert result.exit_code == 0
    assert len(result.stdout.strip().splitlines()) == 1 + 4 * 20


def test_predict_never_overwrites(trained_run, sample_csv, tmp_path):
    out = tmp_path / "pred.csv"
    out.write_text("keep me")
    result = invoke("predict", trained_run, "--data", sample_csv, "--out", out, "-q")
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert out.read_text() == "keep me"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda df: df.drop(columns=["Feature3"]), "channel 'Feature3' the model was trained on"),
        (lambda df: df.assign(Extra=df.Feature1), "channel 'Extra' was not in training"),
    ],
)
def test_predict_checks_channels_by_name(trained_run, sample_csv, tmp_path, change, message):
    path = tmp_path / "new.csv"
    change(pd.read_csv(sample_csv)).to_csv(path, index=False)
    result = invoke("predict", trained_run, "--data", path, "-q")
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_predict_reorders_channels_and_needs_no_label(trained_run, sample_csv, tmp_path):
    df = pd.read_csv(sample_csv)
    shuffled = df[["Time", "Feature7", *[f"Feature{i}" for i in range(1, 7)]]]
    path = tmp_path / "unlabelled.csv"
    shuffled.to_csv(path, index=False)
    ref = invoke("predict", trained_run, "--data", sample_csv, "-q").stdout
    assert invoke("predict", trained_run, "--data", path, "-q").stdout == ref


def test_predict_needs_a_model(tmp_path, sample_csv):
    result = invoke("predict", tmp_path, "--data", sample_csv, "-q")
    assert result.exit_code == 2 and "no saved model" in result.stderr
