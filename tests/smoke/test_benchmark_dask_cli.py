"""``tszoo benchmark --scheduler`` on a Dask cluster started the way a user starts one: the
``dask scheduler`` and ``dask worker`` console scripts, each its own process, and the grid run
by the ``tszoo`` console script, not in-process.

Everything listens on 127.0.0.1 only. ``--no-dashboard`` alone does not ensure that: the
scheduler and each worker still serve HTTP (health, metrics) on ``--dashboard-address``, by
default on every interface, so the commands pass ``--dashboard-address 127.0.0.1:0`` too.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pandas as pd
import psutil
import pytest

BIN = Path(sys.executable).parent  # the console scripts of this test's environment
DASK, TSZOO = BIN / "dask", BIN / "tszoo"
HOST = "127.0.0.1"
LOCAL_HTTP = ["--no-dashboard", "--dashboard-address", f"{HOST}:0"]
N_WORKERS = 2
DATASETS = ["ItalyPowerDemand", "GunPoint"]
MODELS = ["random_forest", "svm"]
KEYS = ["dataset", "model", "seed"]
STARTUP_S, STOP_S, GRID_S = 60, 15, 180  # upper bounds; the whole module takes ~20 s


@dataclass
class Started:
    """A console script running in its own process group, its output in ``log``."""

    name: str
    popen: subprocess.Popen
    log: Path
    handle: IO[bytes]

    def tail(self, lines: int = 25) -> str:
        self.handle.flush()
        text = self.log.read_text(errors="replace").splitlines()[-lines:]
        return f"--- {self.name} ({self.log}), last {len(text)} lines:\n" + "\n".join(text)


@dataclass
class CliCluster:
    address: str
    procs: list[Started] = field(default_factory=list)

    def logs(self) -> str:
        return "\n".join(proc.tail() for proc in self.procs)


def start(name: str, args: list[str | Path], cwd: Path, procs: list[Started]) -> Started:
    """Start ``args`` with its stdout and stderr in ``cwd/<name>.log``; append it to ``procs``."""
    log = cwd / f"{name}.log"
    handle = log.open("wb")
    popen = subprocess.Popen(
        [str(a) for a in args], cwd=cwd, stdin=subprocess.DEVNULL, stdout=handle,
        stderr=subprocess.STDOUT, start_new_session=True,  # its own group: a nanny's worker too
    )  # fmt: skip
    procs.append(Started(name, popen, log, handle))
    return procs[-1]


def stop(procs: list[Started]) -> None:
    """SIGTERM each, wait up to STOP_S in all, then SIGKILL what is left of each group."""
    for proc in procs:
        if proc.popen.poll() is None:
            proc.popen.terminate()
    deadline = time.monotonic() + STOP_S
    for proc in procs:
        try:
            proc.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        try:  # the group is the one start() made for this process: its pid
            os.killpg(proc.popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # exited, with its children
        proc.popen.wait(timeout=STOP_S)
        proc.handle.close()


def read_address(scheduler_file: Path, scheduler: Started) -> str:
    """The address ``dask scheduler --scheduler-file`` wrote, once it has written all of it."""
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if scheduler.popen.poll() is not None:
            pytest.fail(f"dask scheduler exited with {scheduler.popen.returncode}\n"
                        f"{scheduler.tail()}")  # fmt: skip
        try:
            return json.loads(scheduler_file.read_text())["address"]
        except (FileNotFoundError, json.JSONDecodeError, KeyError):
            time.sleep(0.2)
    pytest.fail(f"no {scheduler_file} after {STARTUP_S} s\n{scheduler.tail()}")


def listening(procs: list[Started]) -> dict[str, list[str]]:
    """``name (pid)`` -> the ``ip:port`` of each listening socket, children included."""
    found: dict[str, list[str]] = {}
    for proc in procs:
        parent = psutil.Process(proc.popen.pid)
        for p in [parent, *parent.children(recursive=True)]:
            try:
                conns = p.net_connections(kind="inet")
            except psutil.NoSuchProcess:
                continue
            ips = [f"{c.laddr.ip}:{c.laddr.port}" for c in conns if c.status == psutil.CONN_LISTEN]
            if ips:
                found[f"{proc.name} (pid {p.pid})"] = ips
    return found


@pytest.fixture(scope="module")
def cli_cluster(request, tmp_path_factory) -> CliCluster:
    """A scheduler and two single-threaded workers, each started by its console script."""
    root = tmp_path_factory.mktemp("dask_cli")
    procs: list[Started] = []
    # registered before anything starts, so it runs when the setup fails: workers, then scheduler
    request.addfinalizer(lambda: (stop(procs[1:]), stop(procs[:1])))
    scheduler_file = root / "scheduler.json"
    scheduler = start(
        "scheduler",
        [DASK, "scheduler", "--host", HOST, "--port", "0", *LOCAL_HTTP,
         "--scheduler-file", scheduler_file],
        root, procs,
    )  # fmt: skip
    cluster = CliCluster(read_address(scheduler_file, scheduler), procs)
    for i in range(N_WORKERS):
        start(
            f"worker{i}",
            [DASK, "worker", cluster.address, "--nthreads", "1", "--nworkers", "1",
             "--host", HOST, *LOCAL_HTTP, "--name", f"worker{i}",
             "--local-directory", root / f"worker{i}"],
            root, procs,
        )  # fmt: skip
    wait_for_workers(cluster)
    return cluster


def wait_for_workers(cluster: CliCluster) -> None:
    """Until the scheduler has N_WORKERS single-threaded workers; fail early if one exits."""
    from distributed import Client

    with Client(cluster.address, set_as_default=False, timeout=STARTUP_S) as client:
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            exited = [p.name for p in cluster.procs if p.popen.poll() is not None]
            if exited:
                pytest.fail(f"{', '.join(exited)} exited while starting\n{cluster.logs()}")
            try:
                client.wait_for_workers(N_WORKERS, timeout=2)
                break
            except TimeoutError:
                continue
        nthreads = client.nthreads()
    assert len(nthreads) == N_WORKERS, (
        f"the scheduler saw {len(nthreads)} of {N_WORKERS} workers after {STARTUP_S} s\n"
        f"{cluster.logs()}"
    )
    assert sorted(nthreads.values()) == [1] * N_WORKERS, f"{nthreads}\n{cluster.logs()}"


def test_the_cli_cluster_listens_on_loopback_only(cli_cluster):
    found = listening(cli_cluster.procs)
    # the scheduler: its comm and HTTP; each worker: its nanny, the worker and its HTTP
    assert len(found) == 1 + 2 * N_WORKERS, found
    elsewhere = {name: ips for name, ips in found.items()
                 if any(not ip.startswith(f"{HOST}:") for ip in ips)}  # fmt: skip
    assert not elsewhere, f"listening beyond {HOST}: {elsewhere}"


def test_the_tszoo_script_runs_the_grid_on_the_cli_cluster(cli_cluster, tmp_path):
    out = tmp_path / "grid"
    args = [TSZOO, "benchmark", "--datasets", ",".join(DATASETS), "--models", ",".join(MODELS),
            "--seeds", "0", "--set", "random_forest.n_estimators=5",
            "--scheduler", cli_cluster.address, "--out", out, "--quiet"]  # fmt: skip
    started = time.monotonic()
    try:
        done = subprocess.run(
            [str(a) for a in args], cwd=tmp_path, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=GRID_S,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:  # run() has killed it
        said = (exc.stderr or b"")[-3000:].decode(errors="replace")
        pytest.fail(f"tszoo benchmark ran past {GRID_S} s\n--- stderr:\n{said}\n"
                    f"{cli_cluster.logs()}")  # fmt: skip
    seconds = time.monotonic() - started
    ran = (f"tszoo benchmark exited with {done.returncode} after {seconds:.1f} s\n"
           f"--- stdout:\n{done.stdout[-3000:]}\n--- stderr:\n{done.stderr[-3000:]}\n"
           f"{cli_cluster.logs()}")  # fmt: skip
    assert done.returncode == 0, ran
    assert "cells run now: 4" in done.stdout, ran

    results = pd.read_csv(out / "results.csv")
    got = sorted(map(tuple, results[KEYS].astype({"seed": int}).to_numpy().tolist()))
    assert got == sorted((d, m, 0) for d in DATASETS for m in MODELS), results[KEYS]
    assert results["accuracy"].between(0, 1).all(), results
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete", manifest
    assert manifest["cells_done"] == manifest["cells_total"] == 4, manifest
    executor = manifest["executor"]
    assert executor == {"kind": "dask", "scheduler": cli_cluster.address,
                        "workers": N_WORKERS, "threads": N_WORKERS}, executor  # fmt: skip
    assert (out / "report.html").stat().st_size > 0
