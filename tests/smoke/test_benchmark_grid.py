"""``tszoo benchmark`` end to end: a datasets x models x seeds grid on joblib workers and on a
real Dask cluster, a worker killed mid-grid, resume, failed cells and one-line errors.

Every grid must hold each cell exactly once, with scores that do not depend on where a cell ran.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tszoo.cli import app
from tszoo.errors import TszooError
from tszoo.evaluation.benchmark import resume_benchmark, run_benchmark
from tszoo.evaluation.experiment import METRICS, RESULT_COLUMNS
from tszoo.runs import Cell

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
KEYS = ["dataset", "model", "seed"]
SCORES = [*METRICS, "n_train", "n_val", "n_test"]  # everything but the timings
DATASETS = ["ItalyPowerDemand", "GunPoint"]
FAST = ["--set", "random_forest.n_estimators=5", "--quiet"]
GRID = ["--datasets", ",".join(DATASETS), "--models", "random_forest,svm", "--seeds", "0,1", *FAST]


def invoke(*args: str | Path):
    """Run the CLI in-process, leaving the root logger as it was."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        return CliRunner().invoke(app, [str(a) for a in args])
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


def stderr_of(result) -> str:
    try:
        text = result.stderr
    except ValueError:
        text = result.output
    return ANSI.sub("", text)


def read_results(run_dir: Path) -> pd.DataFrame:
    results = pd.read_csv(run_dir / "results.csv", keep_default_na=False, na_values=[""])
    assert list(results.columns) == list(RESULT_COLUMNS)
    return results


def assert_each_cell_once(results: pd.DataFrame, datasets, models, seeds) -> None:
    got = sorted(map(tuple, results[KEYS].astype({"seed": int}).to_numpy().tolist()))
    assert got == sorted((d, m, s) for d in datasets for m in models for s in seeds)


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory) -> Path:
    """Four recordings of 400 rows, two channels, two classes (class shifts channel a)."""
    rng = np.random.default_rng(0)
    frames = [
        pd.DataFrame(
            {
                "rec": f"rec{i}",
                "a": rng.normal(size=400) + 2 * (i % 2),
                "b": rng.normal(size=400),
                "label": ["still", "walk"][i % 2],
            }
        )
        for i in range(4)
    ]
    path = tmp_path_factory.mktemp("data") / "rec.csv"
    pd.concat(frames).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory) -> Path:
    """The tiny grid on one worker, in this process."""
    out = tmp_path_factory.mktemp("grids") / "serial"
    result = invoke("benchmark", *GRID, "--workers", "1", "--out", out)
    assert result.exit_code == 0, stderr_of(result)
    return out


@pytest.fixture
def cluster():
    """A real two-process Dask cluster on this machine, one thread per worker."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        yield cluster


def test_two_joblib_workers_give_every_cell_once_with_the_serial_scores(serial_run, tmp_path):
    out = tmp_path / "parallel"
    result = invoke("benchmark", *GRID, "--workers", "2", "--out", out)
    assert result.exit_code == 0, stderr_of(result)
    serial, parallel = read_results(serial_run), read_results(out)
    assert_each_cell_once(parallel, DATASETS, ["random_forest", "svm"], [0, 1])
    pd.testing.assert_frame_equal(serial[KEYS + SCORES], parallel[KEYS + SCORES])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["cells_done"] == 8
    assert manifest["executor"] == {"kind": "joblib", "backend": "loky", "workers": 2}
    assert set(manifest["datasets"]) == set(DATASETS)
    ranks = pd.read_csv(out / "ranks.csv")
    assert sorted(ranks["model"]) == ["random_forest", "svm"]
    assert ranks["n_datasets"].eq(2).all()
    means = parallel.groupby(["dataset", "model"])["accuracy"].mean().unstack()
    expected = means.rank(axis=1, ascending=False).mean()  # the ranks of these very scores
    for row in ranks.itertuples():
        assert row.mean_rank == pytest.approx(expected[row.model])
    report = (out / "report.html").read_text()
    assert "needs at least 3 models" in report  # aeon's CD diagram needs three models
    assert not (out / "plots" / "critical_difference.png").exists()
    assert "ItalyPowerDemand" in result.stdout and "mean rank" in result.stdout


def test_a_dask_cluster_runs_the_grid_with_the_same_scores(cluster, serial_run, csv_path, tmp_path):
    out = tmp_path / "dask"
    file_options = ["--group", "rec", "--window", "20", "--stride", "10"]  # the file only
    result = invoke(
        "benchmark", "--datasets", f"{','.join(DATASETS)},{csv_path}",
        "--models", "random_forest,svm,minirocket", "--set", "minirocket.n_kernels=200",
        "--seeds", "0", *FAST, *file_options, "--scheduler", cluster.scheduler_address,
        "--out", out,
    )  # fmt: skip
    assert result.exit_code == 0, stderr_of(result)
    results = read_results(out)
    models = ["random_forest", "svm", "minirocket"]
    assert_each_cell_once(results, [*DATASETS, "rec.csv"], models, [0])
    rec = results[results["dataset"] == "rec.csv"]
    assert rec["n_train"].gt(0).all()  # the file was windowed with --window/--stride
    # the cells the serial grid also ran score the same on the cluster
    serial = read_results(serial_run).query("seed == 0")
    both = serial.merge(results, on=KEYS, suffixes=("", "_dask"))
    assert len(both) == 4
    for col in SCORES:
        np.testing.assert_array_equal(both[col], both[f"{col}_dask"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["executor"]["kind"] == "dask" and manifest["executor"]["workers"] == 2
    assert manifest["datasets"]["rec.csv"] == str(csv_path.resolve())
    # three datasets and three models: the critical-difference diagram is drawn and embedded
    assert (out / "plots" / "critical_difference.png").stat().st_size > 0
    assert 'src="data:image/png;base64,' in (out / "report.html").read_text()


@pytest.mark.slow
def test_a_worker_killed_mid_cell_has_its_cell_rerun_on_another(cluster, tmp_path):
    from distributed import Client

    out, box = tmp_path / "killed", {}
    seeds = [0, 1, 2, 3]
    slow = {"random_forest": {"n_estimators": 2500}}  # a few seconds per cell

    def run():
        try:
            box["outcome"] = run_benchmark(
                ["GunPoint"], ["random_forest"], seeds, params=slow,
                scheduler=cluster.scheduler_address, out=out,
            )  # fmt: skip
        except BaseException as exc:
            box["error"] = exc

    grid = threading.Thread(target=run)
    grid.start()
    with Client(cluster.scheduler_address, set_as_default=False) as client:
        victim = None
        for _ in range(600):  # wait until both workers hold a cell
            busy = {w: keys for w, keys in client.processing().items() if keys}
            if len(busy) == 2:
                victim = sorted(busy)[0]
                break
            time.sleep(0.1)
        assert victim is not None, "the cells never started"
        pid = client.run(os.getpid, workers=[victim])[victim]
        time.sleep(0.5)
        os.kill(pid, signal.SIGKILL)
        for _ in range(100):  # the scheduler notices (the nanny restarts it at a new address)
            if victim not in client.nthreads():
                break
            time.sleep(0.1)
        assert victim not in client.nthreads()
    time.sleep(1.0)
    done = read_results(out) if (out / "results.csv").exists() else pd.DataFrame(columns=KEYS)
    finished_before = set(done[KEYS].itertuples(index=False, name=None))
    grid.join(timeout=240)
    assert not grid.is_alive(), "the grid did not finish after a worker died"
    assert "error" not in box, box.get("error")
    outcome = box["outcome"]
    assert_each_cell_once(read_results(out), ["GunPoint"], ["random_forest"], seeds)
    assert len(outcome.cells_run) == 4 and not outcome.failed
    rerun = [c for c in outcome.cells_run if (c.dataset, c.model, c.seed) not in finished_before]
    assert rerun, "every cell had finished before the kill"
    assert all(outcome.ran_on[c][1] != pid for c in rerun)


def test_a_grid_file_repeats_the_grid_and_options_given_win(serial_run, tmp_path):
    out = tmp_path / "again"
    config = serial_run / "config.yaml"
    result = invoke("benchmark", "--config", config, "--seeds", "1", "-q", "--out", out)
    assert result.exit_code == 0, stderr_of(result)
    again, first = read_results(out), read_results(serial_run)
    assert_each_cell_once(again, DATASETS, ["random_forest", "svm"], [1])
    first = first[first["seed"] == 1].reset_index(drop=True)
    pd.testing.assert_frame_equal(again[[*KEYS, *SCORES]], first[[*KEYS, *SCORES]])
    result = invoke("benchmark", "--config", out / "results.csv", "-q", "--out", tmp_path / "x")
    assert result.exit_code == 2 and "expected a mapping" in stderr_of(result)


def test_resume_of_a_finished_grid_runs_nothing_and_leaves_results_alone(serial_run, tmp_path):
    run_dir = tmp_path / "again"
    shutil.copytree(serial_run, run_dir)
    before = (run_dir / "results.csv").read_bytes()
    outcome = resume_benchmark(run_dir)
    assert outcome.cells_run == []
    assert (run_dir / "results.csv").read_bytes() == before
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["status"] == "complete" and len(manifest["resumed_utc"]) == 1


def test_resume_runs_only_the_missing_cell(serial_run, tmp_path):
    run_dir = tmp_path / "partial"
    shutil.copytree(serial_run, run_dir)
    full = read_results(serial_run)
    missing = full.iloc[3]
    full.drop(index=3).to_csv(run_dir / "results.csv", index=False)
    result = invoke("benchmark", "--resume", run_dir, "--quiet")
    assert result.exit_code == 0, stderr_of(result)
    assert "cells run now: 1" in result.stdout
    resumed = read_results(run_dir)
    assert_each_cell_once(resumed, DATASETS, ["random_forest", "svm"], [0, 1])
    row = resumed.set_index(KEYS).loc[tuple(missing[KEYS])]
    assert row[SCORES].tolist() == missing[SCORES].tolist()


def test_a_failing_cell_is_recorded_and_the_others_finish(tmp_path):
    out = tmp_path / "failing"
    with pytest.raises(TszooError, match=r"2 of 4 cells failed.*--resume") as caught:
        run_benchmark(
            ["GunPoint"], ["random_forest", "svm"], [0, 1],
            params={"random_forest": {"max_depth": -1}}, out=out,
        )  # fmt: skip
    assert_each_cell_once(read_results(out), ["GunPoint"], ["svm"], [0, 1])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "failed" and len(manifest["failed_cells"]) == 2
    assert "max_depth" in manifest["failed_cells"][0]["error"]
    assert caught.value.outcome.failed[0].cell == Cell("GunPoint", "random_forest", 0)


def test_the_cli_draws_the_report_of_a_grid_with_failed_cells(tmp_path):
    out = tmp_path / "failing"
    args = ["--datasets", "GunPoint", "--models", "random_forest,svm", "--seeds", "0"]
    result = invoke("benchmark", *args, "--set", "random_forest.max_depth=-1", "-q", "--out", out)
    assert result.exit_code == 2 and "1 of 2 cells failed" in stderr_of(result)
    assert (out / "report.html").exists() and len(read_results(out)) == 1


GUNPOINT_SVM = ["--datasets", "GunPoint", "--models", "svm"]
BAD_INPUT = [
    (["--datasets", "GunPont", "--models", "svm"], "unknown dataset 'GunPont'"),
    (["--datasets", "GunPoint", "--models", "svn"], "unknown model 'svn'"),
    ([*GUNPOINT_SVM, "--scheduler", "nonsense"], "expected a Dask scheduler address tcp://HOST"),
    ([*GUNPOINT_SVM, "--scheduler", "h:1", "--workers", "2"], "--workers is for local runs"),
    ([*GUNPOINT_SVM, "--set", "svm.C=big"], "--set svm.C"),
    (["--models", "svm"], "--datasets: give at least one"),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUT)
def test_bad_input_is_one_error_line_and_exit_2(args, message, tmp_path):
    out = tmp_path / "never"
    result = invoke("benchmark", *args, "--quiet", "--out", out)
    assert result.exit_code == 2, stderr_of(result)
    lines = [line for line in stderr_of(result).splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert not out.exists()


def test_an_unreachable_scheduler_is_an_error_naming_it(tmp_path):
    with pytest.raises(TszooError, match=r"tcp://127.0.0.1:1: no Dask scheduler answered"):
        run_benchmark(
            ["GunPoint"], ["svm"], scheduler="tcp://127.0.0.1:1", connect_timeout=1,
            out=tmp_path / "never",
        )  # fmt: skip
    assert not (tmp_path / "never").exists()
