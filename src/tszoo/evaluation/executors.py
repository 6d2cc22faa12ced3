"""Where cells run: in this process, in local worker processes (joblib), or on a Dask cluster.

Every executor takes the same tasks and yields a :class:`~tszoo.evaluation.cells.CellOutcome`
per task as it finishes, in any order. A cell in a worker runs on one thread (torch and
BLAS), so N single-threaded workers fill N cores without oversubscribing them, and a cell's
scores do not depend on where it ran.

When a Dask worker dies mid-cell the scheduler reruns the cell on another worker (at most
``distributed.scheduler.allowed-failures`` times, default 3). ``retries`` stays 0: an
exception inside a cell is deterministic, so a retry would fail again; the cell is recorded
as failed and the rest go on.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.metadata
import logging
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tszoo.errors import TszooError
from tszoo.evaluation.cells import CellOutcome, CellTask, run_cell, run_cell_alone
from tszoo.evaluation.progress import Progress
from tszoo.models.registry import model_tags

logger = logging.getLogger(__name__)

ADDRESS = re.compile(r"^(?:(tcp|tls|ws|wss|ucx)://)?(\[[0-9a-fA-F:.]+\]|[\w.-]+):(\d{1,5})$")


class InProcess:
    """Cells one after another in this process, with a progress bar over each deep model's
    epochs. Torch and BLAS keep this process's thread settings."""

    kind = "in-process"

    def __init__(self, progress: Progress | None = None) -> None:
        self.progress = progress or Progress()

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "workers": 1}

    def outcomes(self, tasks: list[CellTask]) -> Iterator[CellOutcome]:
        for task in tasks:
            cell = task.cell
            deep = bool(model_tags(cell.model).get("deep"))
            yield run_cell(task, self.progress.cell(cell.model, cell.seed, deep))


class LocalProcesses:
    """Cells on ``workers`` processes of this machine (joblib's loky backend), one thread each.

    When ``progress`` draws epochs, the workers' deep models send theirs through a queue
    that a thread of this process hands to it.
    """

    kind = "joblib"

    def __init__(self, workers: int, progress: Progress | None = None) -> None:
        self.workers, self.progress = workers, progress or Progress()

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "backend": "loky", "workers": self.workers}

    def outcomes(self, tasks: list[CellTask]) -> Iterator[CellOutcome]:
        from joblib import Parallel, delayed, parallel_config
        from joblib.externals.loky.process_executor import TerminatedWorkerError

        with _epoch_events(self.progress) as events:
            if events is not None:
                tasks = [dataclasses.replace(task, events=events) for task in tasks]
            calls = (delayed(run_cell_alone)(task) for task in tasks)
            try:
                # loky sets OMP_NUM_THREADS=1 & co. in its workers before BLAS loads
                with parallel_config(backend="loky", inner_max_num_threads=1):
                    parallel = Parallel(n_jobs=self.workers, return_as="generator_unordered")
                    yield from parallel(calls)
            except TerminatedWorkerError:  # joblib gives up the whole run when a worker dies
                raise TszooError(
                    "a local worker process died (killed, or out of memory?)"
                ) from None


@contextmanager
def _epoch_events(progress: Progress) -> Iterator[Any]:
    """A queue the workers can put epoch events into, drained into ``progress`` by a
    thread of this process; None when ``progress`` draws no epochs."""
    if not progress.shows_epochs:
        yield None
        return
    import multiprocessing
    import threading

    manager = multiprocessing.Manager()
    queue = manager.Queue()

    def drain() -> None:
        while (event := queue.get()) is not None:
            progress.epoch_event(*event)

    thread = threading.Thread(target=drain, daemon=True)
    thread.start()
    try:
        yield queue
    finally:
        with contextlib.suppress(Exception):  # the manager may be gone (Ctrl-C reached it)
            queue.put(None)
            thread.join(timeout=5)
        manager.shutdown()


class DaskCluster:
    """Cells on the workers of a Dask distributed cluster (``client`` from :func:`connect`)."""

    kind = "dask"

    def __init__(self, client) -> None:
        self.client = client

    def describe(self) -> dict[str, Any]:
        threads = self.client.nthreads()
        return {"kind": self.kind, "scheduler": self.client.scheduler.address,
                "workers": len(threads), "threads": sum(threads.values())}  # fmt: skip

    def outcomes(self, tasks: list[CellTask]) -> Iterator[CellOutcome]:
        from distributed import as_completed

        token = uuid.uuid4().hex[:8]  # keys of another run on the same cluster never collide
        futures = {
            self.client.submit(
                run_cell_alone,
                task,
                key=f"{_slug(str(task.cell))}-{token}",
                pure=False,
                retries=0,
            ): task
            for task in tasks
        }
        try:
            for future in as_completed(futures, loop=self.client.loop):  # not the default client
                try:
                    yield future.result()
                except Exception as exc:  # e.g. KilledWorker: allowed-failures workers died
                    yield CellOutcome(futures[future].cell, None, f"{type(exc).__name__}: {exc}")
        finally:
            self.client.cancel(list(futures))


def choose_executor(
    workers: int | None, client=None, progress: Progress | None = None, n_cells: int = 1
):
    """The executor for ``workers`` local processes (None: one per core, at most one per
    cell), or the Dask ``client``'s cluster; a single worker runs in this process."""
    if client is not None:
        return DaskCluster(client)
    if workers is None:
        workers = max(1, min(os.cpu_count() or 1, n_cells))
    return InProcess(progress) if workers == 1 else LocalProcesses(workers, progress)


def check_executor(workers: int | None, scheduler: str | None) -> None:
    if workers is not None and workers < 1:
        raise TszooError(f"--workers {workers}: use 1 or more local worker processes")
    if scheduler is not None and workers not in (None, 1):
        raise TszooError(
            "--workers is for local runs; with --scheduler the cluster's workers run the cells"
        )
    if scheduler is not None and not ADDRESS.match(scheduler):
        raise TszooError(
            f"--scheduler {scheduler!r}: expected a Dask scheduler address tcp://HOST:PORT, "
            "e.g. tcp://10.0.0.5:8786 (`dask scheduler` prints it)"
        )


def connect(scheduler: str, timeout: float = 10.0):
    """A Dask client of the scheduler at ``scheduler`` with at least one tszoo worker."""
    from distributed import Client

    check_executor(None, scheduler)
    try:
        client = Client(scheduler, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise TszooError(
            f"--scheduler {scheduler}: no Dask scheduler answered within {timeout:g} s "
            f"({exc}); check the address, or start one with `dask scheduler`"
        ) from None
    try:
        client.wait_for_workers(1, timeout=timeout)
        versions = client.run(importlib.metadata.version, "tszoo")
    except TimeoutError:
        client.close()
        raise TszooError(
            f"the Dask scheduler at {scheduler} has no workers; start some with "
            f"`dask worker {scheduler} --nthreads 1`"
        ) from None
    except importlib.metadata.PackageNotFoundError:
        client.close()
        raise TszooError(
            f"a Dask worker of {scheduler} cannot import tszoo; install tszoo into the "
            "environment the workers run in"
        ) from None
    mine = importlib.metadata.version("tszoo")
    if set(versions.values()) != {mine}:
        logger.warning("Dask workers run tszoo %s, this process %s", set(versions.values()), mine)
    return client


@contextmanager
def dask_client(scheduler: str | None, timeout: float) -> Iterator[Any]:
    """A connected client for ``scheduler`` (closed afterwards), or None without one."""
    if scheduler is None:
        yield None
        return
    client = connect(scheduler, timeout)
    try:
        yield client
    finally:
        client.close()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]+", "_", text)
