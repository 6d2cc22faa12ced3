"""``--mlflow``: runs logged to a real ``mlflow server`` on 127.0.0.1 with a SQLite store.

One server serves the module; the last test stops it in the middle of a run.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tszoo.cli import app

mlflow = pytest.importorskip("mlflow")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
DATA = ["--data", "GunPoint"]
MODELS = ["--models", "random_forest,cnn_1d", "--set", "random_forest.n_estimators=10"]
MODELS += ["--set", "cnn_1d.max_epochs=3", "--workers", "1"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``mlflow server`` with a SQLite store and local artifacts, until the module ends."""
    root = tmp_path_factory.mktemp("mlflow")
    port = free_port()
    exe = Path(sys.executable).parent / "mlflow"
    command = [
        str(exe), "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}",
        "--artifacts-destination", str(root / "artifacts"),
    ]  # fmt: skip
    log = open(root / "server.log", "w")  # open for the server's lifetime
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    uri = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{uri}/health", timeout=1)
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"mlflow server exited: {(root / 'server.log').read_text()[-800:]}")
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("mlflow server did not answer within 90 s")
    yield {"uri": uri, "process": process}
    process.terminate()
    process.wait(timeout=30)
    log.close()


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def error_of(result) -> str:
    try:
        text = result.stderr
    except ValueError:
        text = result.output
    return ANSI.sub("", text).strip()


def runs_of(uri: str, run_name: str):
    """The parent run named ``run_name`` and its children."""
    client = mlflow.MlflowClient(uri)
    experiment = client.get_experiment_by_name("tszoo")
    runs = client.search_runs([experiment.experiment_id], max_results=1000)
    parent = next(r for r in runs if r.info.run_name == run_name)
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    return client, parent, children


def test_compare_logs_one_run_per_cell_under_a_parent(server, tmp_path):
    out = tmp_path / "gunpoint"
    result = invoke("compare", *DATA, *MODELS, "--seeds", "0,1", "--mlflow", server["uri"],
                    "--out", out, "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    client, parent, children = runs_of(server["uri"], "gunpoint")
    assert parent.info.status == "FINISHED"
    assert parent.data.params["data.window"] == "50" and parent.data.params["seeds"] == "[0, 1]"
    assert parent.data.tags["tszoo.run_dir"] == str(out.resolve())
    assert {a.path for a in client.list_artifacts(parent.info.run_id)} >= {
        "report.html", "results.csv", "config.yaml", "manifest.json",
    }  # fmt: skip
    results = pd.read_csv(out / "results.csv")
    assert sorted(r.info.run_name for r in children) == sorted(
        f"{m}-seed{s}" for m, s in zip(results["model"], results["seed"], strict=True)
    )
    names = results["model"] + "-seed" + results["seed"].astype(str)
    for child in children:
        row = results[names == child.info.run_name]
        assert child.data.metrics["accuracy"] == pytest.approx(float(row["accuracy"].iloc[0]))
        assert {"balanced_accuracy", "f1_macro", "fit_seconds"} <= set(child.data.metrics)
        assert child.data.params["model"] == row["model"].iloc[0]
        paths = {a.path for a in client.list_artifacts(child.info.run_id, "model")}
        assert "model/model.json" in paths
    deep = next(r for r in children if r.info.run_name == "cnn_1d-seed0")
    history = client.get_metric_history(deep.info.run_id, "epoch_train_loss")
    epochs = pd.read_csv(out / "histories" / "cnn_1d-seed0.csv")
    assert [m.step for m in history] == list(range(len(epochs)))
    assert deep.data.params["param.max_epochs"] == "3"
    manifest = pd.read_json(out / "manifest.json", typ="series")
    assert manifest["mlflow"]["run_id"] == parent.info.run_id
    assert manifest["mlflow"]["not_logged"] == []


def test_an_unreachable_server_is_one_line_before_anything_is_written(tmp_path):
    out = tmp_path / "run"
    uri = f"http://127.0.0.1:{free_port()}"
    result = invoke("compare", *DATA, "--models", "svm", "--mlflow", uri, "--out", out, "-q")
    err = error_of(result)
    assert result.exit_code == 2, err
    assert len(err.splitlines()) == 1
    assert err.startswith(f"error: --mlflow {uri}: cannot reach the tracking server")
    assert not out.exists()


def test_a_server_lost_mid_run_loses_no_output_and_names_the_cells(server, tmp_path, monkeypatch):
    from tszoo.tracking import MlflowTracker

    log_cell = MlflowTracker.log_cell

    def stop_after_first(self, layout, cell, row):
        log_cell(self, layout, cell, row)
        if server["process"].poll() is None:  # the server goes away after the first cell
            server["process"].terminate()
            server["process"].wait(timeout=30)

    monkeypatch.setattr(MlflowTracker, "log_cell", stop_after_first)
    out = tmp_path / "lost"
    models = ["--models", "random_forest,svm", "--set", "random_forest.n_estimators=10"]
    result = invoke("compare", *DATA, *models, "--seeds", "0,1", "--workers", "1",
                    "--mlflow", server["uri"], "--out", out, "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out / "results.csv")) == 4
    assert len(list((out / "models").iterdir())) == 4 and (out / "report.html").is_file()
    manifest = pd.read_json(out / "manifest.json", typ="series")
    not_logged = manifest["mlflow"]["not_logged"]
    assert not_logged[:3] == ["GunPoint svm seed 0", "GunPoint random_forest seed 1",
                              "GunPoint svm seed 1"]  # fmt: skip
