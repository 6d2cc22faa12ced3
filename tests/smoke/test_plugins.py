"""A model from another package: installed, listed, compared, saved, predicted and checked.

``plugin_demo/`` is a tiny plugin package (a nearest-centroid classifier and a small
network on the deep base, published through the ``tszoo.models`` entry point). The test
installs it with pip into a temporary directory put on ``PYTHONPATH`` of the tszoo
processes it starts, so the shared environment never sees it, and runs the CLI there.
"""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

PLUGIN = Path(__file__).parent / "plugin_demo"
CLI = "from tszoo.cli import main; main()"


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    """An environment whose Python finds tszoo and the installed plugin."""
    root = tmp_path_factory.mktemp("plugin")
    source, target = root / "src", root / "site"
    shutil.copytree(PLUGIN, source, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", target, source],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return with_path(target)


def with_path(*extra: Path) -> dict[str, str]:
    """This environment with ``extra`` first on an absolute ``PYTHONPATH`` (the tszoo
    processes run elsewhere) and a wide terminal, so tables are not cut."""
    inherited = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    paths = [str(p) for p in extra] + [os.path.abspath(p) for p in inherited]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "COLUMNS": "200"}


def tszoo(env: dict, *args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CLI, *map(str, args)],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_a_plugin_model_is_listed_compared_saved_and_predicted(env, tmp_path):
    listed = tszoo(env, "models", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = [line for line in listed.stdout.splitlines() if "tszoo-demo" in line]
    assert len(rows) == 2 and "nearest_centroid" in rows[0] and "tiny_conv" in rows[1]
    assert "deep" in rows[1] and "svm" in listed.stdout

    # two worker processes: they find the plugin through its entry point too
    run = tmp_path / "run"
    done = tszoo(
        env, "compare", "--data", "BasicMotions", "--models", "nearest_centroid,tiny_conv,svm",
        "--set", "tiny_conv.max_epochs=3", "--set", "nearest_centroid.temperature=0.5",
        "--workers", "2", "--out", run, "--quiet", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    results = pd.read_csv(run / "results.csv")
    assert sorted(results.model) == ["nearest_centroid", "svm", "tiny_conv"]
    config = (run / "config.yaml").read_text()
    assert "temperature: 0.5" in config and "max_epochs: 3" in config

    model_dir = next((run / "models").glob("nearest_centroid*"))
    meta = json.loads((model_dir / "model.json").read_text())
    assert meta["model"] == "nearest_centroid" and meta["package"] == "tszoo-demo"
    out = tmp_path / "pred.csv"
    predicted = tszoo(env, "predict", model_dir, "--data", "BasicMotions", "--out", out, "-q",
                      cwd=tmp_path)  # fmt: skip
    assert predicted.returncode == 0, predicted.stderr
    assert len(pd.read_csv(out)) > 0

    # without the plugin the saved model is a one-line error naming what to install
    missing = tszoo(with_path(), "predict", model_dir, "--data", "BasicMotions", "-q", cwd=tmp_path)
    assert missing.returncode != 0
    assert "'tszoo-demo', which is not installed" in missing.stderr
    assert "pip install tszoo-demo" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_plugin_models_pass_the_contract_checks(env, tmp_path):
    script = (
        "from tszoo.testing import check_classifier\n"
        "from tszoo_demo import NearestCentroid\n"
        "check_classifier(NearestCentroid)\n"
        "check_classifier('tiny_conv')\n"
        "print('passed')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0 and "passed" in done.stdout, done.stderr


def test_a_broken_plugin_is_skipped_with_a_warning(tmp_path):
    """A plugin whose module does not import leaves the other models working."""
    dist = tmp_path / "broken_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[tszoo.models]\nbroken = no_such_module:Model\nsvm = no_such_module:Svm\n"
    )
    listed = tszoo(with_path(tmp_path), "models", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "minirocket" in listed.stdout and "broken" not in listed.stdout
    assert "skipping plugin model 'broken'" in listed.stderr
    assert "no_such_module" in listed.stderr and "broken-plugin" in listed.stderr
    assert "skipping plugin model 'svm' from broken-plugin: the name is taken" in listed.stderr


def test_a_benchmark_on_a_dask_cluster_finds_the_plugin_on_its_workers(env, tmp_path):
    """The scheduler and worker are started with the plugin on their path, as a user would
    install it on every machine; the worker finds it through its entry point."""
    from distributed import Client

    bin_dir = Path(sys.executable).parent
    local = ["--host", "127.0.0.1", "--no-dashboard", "--dashboard-address", "127.0.0.1:0"]
    file = tmp_path / "scheduler.json"
    logs = [open(tmp_path / f"{n}.log", "wb") for n in ("scheduler", "worker")]
    procs = [
        subprocess.Popen([bin_dir / "dask", "scheduler", "--port", "0", *local,
                          "--scheduler-file", file], env=env, stdout=logs[0], stderr=logs[0])
    ]  # fmt: skip
    try:
        for _ in range(600):
            if file.is_file() and file.read_text().strip().endswith("}"):
                break
            time.sleep(0.1)
        address = json.loads(file.read_text())["address"]
        procs.append(
            subprocess.Popen([bin_dir / "dask", "worker", address, "--nthreads", "1", *local,
                              "--local-directory", tmp_path / "w"],
                             env=env, stdout=logs[1], stderr=logs[1])
        )  # fmt: skip
        with Client(address, set_as_default=False, timeout=60) as client:
            client.wait_for_workers(1, timeout=60)
        run = tmp_path / "bench"
        done = tszoo(
            env, "benchmark", "--datasets", "GunPoint", "--models", "nearest_centroid,svm",
            "--scheduler", address, "--out", run, "--quiet", cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        results = pd.read_csv(run / "results.csv")
        assert sorted(results.model) == ["nearest_centroid", "svm"]
        manifest = json.loads((run / "manifest.json").read_text())
        assert manifest["executor"]["kind"] == "dask"
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=30)
        for log in logs:
            log.close()
