"""Benchmark grids: every dataset x model x seed, in parallel on joblib workers or a Dask cluster.

A cell is one model on one seed's leak-free split of one dataset: the work of a ``compare``
cell (``prepare_splits`` + ``fit_and_score``) without saving the model, since a grid is about
scores. Cells are independent, so they are the unit of parallelism:

- ``workers=N`` runs them in N processes on this machine (joblib's loky backend);
- ``scheduler="tcp://HOST:PORT"`` runs them on the workers of a Dask distributed cluster.

A cell runs on one thread (torch and BLAS), so N single-threaded workers fill N cores
without oversubscribing them, and a cell's scores do not depend on where it ran.

Results come back to this process as cells finish; each one is written at once into the
run's ``results.csv`` (an atomic rewrite), so an interrupted grid keeps its finished cells
and :func:`resume_benchmark` runs only the missing ones. When a Dask worker dies mid-cell,
the scheduler reruns the cell on another worker (at most ``distributed.scheduler.
allowed-failures`` times, default 3). ``retries`` stays 0: an exception inside a cell is
deterministic, so a retry would fail again; the cell is recorded as failed and the rest go on.
"""

from __future__ import annotations

import importlib.metadata
import logging
import multiprocessing
import os
import re
import socket
import sys
import time
import traceback
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from tszoo import runs
from tszoo.config import check_params, model_defaults, read_yaml, resolve_data
from tszoo.data.pipeline import prepare_splits
from tszoo.errors import RunInterrupted, TszooError
from tszoo.evaluation.experiment import RESULT_COLUMNS, fit_and_score
from tszoo.evaluation.progress import Progress
from tszoo.evaluation.runner import _sigterm_as_interrupt

logger = logging.getLogger(__name__)

RANK_METRIC = "accuracy"  # what the pivot table, the ranks and the CD diagram compare
GRID_FILE = "config.yaml"
EXTRA_VERSIONS = ("joblib", "dask", "distributed")
LOKY_GROWTH = 4 * 2**30  # memory a local worker may add after its first cell before a restart
ADDRESS = re.compile(r"^(?:(tcp|tls|ws|wss|ucx)://)?(\[[0-9a-fA-F:.]+\]|[\w.-]+):(\d{1,5})$")


@dataclass(frozen=True)
class GridCell:
    """One dataset x model x seed; ``source`` is what a worker loads for ``dataset``."""

    dataset: str
    source: str
    model: str
    seed: int

    def __str__(self) -> str:
        return f"{self.dataset} {self.model} seed {self.seed}"


@dataclass
class CellOutcome:
    """What a worker sends back: the cell's results row, or the error that stopped it."""

    cell: GridCell
    row: dict[str, Any] | None
    error: str | None = None
    host: str = ""
    pid: int = 0
    seconds: float = 0.0


@dataclass
class BenchmarkGrid:
    """The grid as ``config.yaml`` records it: ``datasets`` as given, full model ``params``,
    and the data options shared by every dataset (window and stride apply to recordings)."""

    datasets: list[str]
    models: list[str]
    seeds: list[int]
    params: dict[str, dict[str, Any]]
    data: dict[str, Any]

    def split_options(self) -> dict[str, Any]:
        """Keywords for ``prepare_splits`` besides the source and the seed."""
        options = dict(self.data)
        options["fractions"] = options.pop("split")
        return options

    def to_yaml(self) -> str:
        return yaml.safe_dump({"command": "benchmark", **asdict(self)}, sort_keys=False)


@dataclass
class BenchmarkOutcome:
    """What a grid left: its directory, results, mean scores, ranks and report.

    ``cells_run`` are the cells this call ran, in the order they finished (none when resuming
    a finished grid); ``ran_on`` gives the ``(host, pid)`` of the process that ran each.
    """

    run_dir: Path
    results: pd.DataFrame
    means: pd.DataFrame
    ranks: pd.DataFrame
    report: Path
    cells_run: list[GridCell] = field(default_factory=list)
    ran_on: dict[GridCell, tuple[str, int]] = field(default_factory=dict)
    failed: list[CellOutcome] = field(default_factory=list)


class CellsFailed(TszooError):
    """Some cells raised; the others finished and are on disk with the report."""

    def __init__(self, message: str, outcome: BenchmarkOutcome) -> None:
        super().__init__(message)
        self.outcome = outcome


# -- the grid ----------------------------------------------------------------------------


def resolve_grid(
    datasets: Sequence[str],
    models: Sequence[str],
    seeds: Sequence[int] = (0,),
    params: dict[str, dict[str, Any]] | None = None,
    data: dict[str, Any] | None = None,
) -> BenchmarkGrid:
    """Check a grid and fill in every model parameter (defaults < ``params``).

    ``data`` holds data options by their config names (``window``, ``stride``, ``split``,
    ``label``, ...; ``None`` = default), applied to every dataset.
    """
    for what, values in (("--datasets", datasets), ("--models", models), ("--seeds", seeds)):
        if not values:
            raise TszooError(f"{what}: give at least one, comma-separated")
        if len(set(values)) != len(values):
            raise TszooError(f"{what}: each entry may appear only once, got {list(values)}")
    for name in models:
        check_params(name, {}, "--models")
    params = params or {}
    extra = sorted(set(params) - set(models))
    if extra:
        raise TszooError(
            f"--set names model '{extra[0]}', which this grid does not fit; "
            f"models in this grid: {', '.join(models)}"
        )
    full = {}
    for name in models:
        check_params(name, params.get(name, {}), f"--set {name}")
        full[name] = {**model_defaults(name), **params.get(name, {})}
    given = {k: v for k, v in (data or {}).items() if k not in ("source", "test")}
    options = resolve_data(None, {**given, "source": "grid"}).model_dump()
    del options["source"], options["test"]
    return BenchmarkGrid(list(datasets), list(models), [int(s) for s in seeds], full, options)


def read_grid(run_dir: Path) -> BenchmarkGrid:
    """The grid a benchmark run recorded in its ``config.yaml``, checked again."""
    path = Path(run_dir) / GRID_FILE
    if not path.is_file():
        raise TszooError(f"{run_dir} is not a tszoo run (no {GRID_FILE}); pass a benchmark run")
    raw = read_yaml(path)
    if not isinstance(raw, dict) or raw.get("command") != "benchmark":
        command = raw.get("command") if isinstance(raw, dict) else None
        raise TszooError(
            f"{run_dir} is not a benchmark run (command {command!r}); "
            f"resume it with tszoo {command or 'compare'} --resume {run_dir}"
        )
    keys = ("datasets", "models", "seeds", "params", "data")
    return resolve_grid(*(raw.get(k) for k in keys))


def dataset_names(grid: BenchmarkGrid) -> dict[str, str]:
    """Name -> source of each dataset, loading and splitting each once to check it.

    The name is the one in ``results.csv``: a bundled dataset's own name, else the file's.
    A file's source becomes an absolute path, so workers started elsewhere find it.
    """
    names: dict[str, str] = {}
    for source in grid.datasets:
        splits = prepare_splits(source, seed=grid.seeds[0], **grid.split_options())
        if splits.name in names:
            raise TszooError(
                f"--datasets: '{names[splits.name]}' and '{source}' are both named "
                f"'{splits.name}' in results.csv; rename one of the files"
            )
        path = Path(source)
        names[splits.name] = str(path.resolve()) if path.exists() else source
    return names


# -- one cell, in a worker process -----------------------------------------------------------


def run_cell(cell: GridCell, params: dict[str, Any], options: dict[str, Any]) -> CellOutcome:
    """Fit and score one cell on one thread; errors come back in the outcome, not raised."""
    import torch
    from threadpoolctl import threadpool_limits

    # one thread for the rest of this worker process's life: cells are the parallel unit
    torch.set_num_threads(1)
    threadpool_limits(limits=1)
    _keep_loky_worker()
    start = time.perf_counter()
    where = {"host": socket.gethostname(), "pid": os.getpid()}
    try:
        splits = prepare_splits(cell.source, seed=cell.seed, **options)
        row = {**fit_and_score(cell.model, params, splits, cell.seed).row, "dataset": cell.dataset}
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        logger.debug("%s failed:\n%s", cell, traceback.format_exc())
        return CellOutcome(cell, None, error, seconds=time.perf_counter() - start, **where)
    return CellOutcome(cell, row, seconds=time.perf_counter() - start, **where)


def _keep_loky_worker() -> None:
    """Stop loky from restarting this worker for memory that later cells added.

    With psutil installed (distributed brings it), loky restarts a worker whose memory grew
    by 300 MB since its first task. A grid's cells load other datasets and models (and the
    allocator keeps freed memory), so workers were restarted mid-grid, each restart costing
    seconds of importing torch and aeon again. A cell holds nothing between cells.
    """
    loky = sys.modules.get("joblib.externals.loky.process_executor")
    if loky is not None and multiprocessing.current_process().name.startswith("LokyProcess"):
        loky._MAX_MEMORY_LEAK_SIZE = max(getattr(loky, "_MAX_MEMORY_LEAK_SIZE", 0), LOKY_GROWTH)


# -- executors: each yields outcomes as cells finish --------------------------------------------


def _joblib_outcomes(
    tasks: list[tuple[GridCell, dict, dict]], workers: int
) -> Iterator[CellOutcome]:
    from joblib import Parallel, delayed, parallel_config

    calls = (delayed(run_cell)(*task) for task in tasks)
    if workers == 1:  # in this process: give it its thread settings back afterwards
        with _threads_restored():
            yield from Parallel(n_jobs=1, return_as="generator_unordered")(calls)
        return
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    try:
        # loky sets OMP_NUM_THREADS=1 & co. in its workers before BLAS loads
        with parallel_config(backend="loky", inner_max_num_threads=1):
            yield from Parallel(n_jobs=workers, return_as="generator_unordered")(calls)
    except TerminatedWorkerError:  # joblib gives up the whole grid when a worker dies
        raise TszooError("a local worker process died (killed, or out of memory?)") from None


@contextmanager
def _threads_restored() -> Iterator[None]:
    import torch
    from threadpoolctl import threadpool_limits

    threads = torch.get_num_threads()
    try:
        with threadpool_limits(limits=None):  # restores the BLAS settings on exit
            yield
    finally:
        torch.set_num_threads(threads)


def _dask_outcomes(client, tasks: list[tuple[GridCell, dict, dict]]) -> Iterator[CellOutcome]:
    from distributed import as_completed

    token = uuid.uuid4().hex[:8]  # keys of another run on the same cluster never collide
    futures = {
        client.submit(
            run_cell, *task, key=f"{_slug(str(task[0]))}-{token}", pure=False, retries=0
        ): task[0]
        for task in tasks
    }
    try:
        for future in as_completed(futures, loop=client.loop):  # not the default client
            try:
                yield future.result()
            except Exception as exc:  # e.g. KilledWorker: it took allowed-failures workers down
                yield CellOutcome(futures[future], None, f"{type(exc).__name__}: {exc}")
    finally:
        client.cancel(list(futures))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]+", "_", text)


def connect(scheduler: str, timeout: float = 10.0):
    """A Dask client of the scheduler at ``scheduler`` with at least one tszoo worker."""
    from distributed import Client

    _check_executor(1, scheduler)
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


# -- running a grid -------------------------------------------------------------------------


def run_benchmark(
    datasets: Sequence[str],
    models: Sequence[str],
    seeds: Sequence[int] = (0,),
    *,
    params: dict[str, dict[str, Any]] | None = None,
    data: dict[str, Any] | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    out: str | Path | None = None,
    progress: Progress | None = None,
    connect_timeout: float = 10.0,
) -> BenchmarkOutcome:
    """Run every dataset x model x seed cell and write a run directory.

    Parameters
    ----------
    datasets : sequence of str
        Bundled dataset names or data files; ``data`` options apply to every file.
    models : sequence of str
        Registered model names.
    seeds : sequence of int
        Each seed draws its own leak-free split and seeds the model.
    params : dict, optional
        Model -> constructor keywords over the model's defaults (``--set``).
    data : dict, optional
        Data options by their config names: ``window``, ``stride``, ``split``, ``label``, ...
    workers : int
        Local worker processes (joblib); 1 runs the cells in this process.
    scheduler : str, optional
        A Dask scheduler address ``tcp://HOST:PORT``; its workers run the cells instead.
    out : path, optional
        The run directory (new or empty); default ``runs/<UTC time>-benchmark``.
    progress : Progress, optional
        Told when the grid starts and as each cell finishes.
    connect_timeout : float
        Seconds to wait for the scheduler, and for its first worker.

    Returns
    -------
    BenchmarkOutcome
        The run directory holds ``config.yaml``, ``manifest.json``, ``results.csv`` (one row
        per cell), ``ranks.csv``, ``plots/critical_difference.png`` and ``report.html``.
    """
    grid = resolve_grid(datasets, models, seeds, params, data)
    _check_executor(workers, scheduler)
    runs.check_run_dir(out)
    names = dataset_names(grid)
    with ExitStack() as stack:
        client = _open_client(stack, scheduler, connect_timeout)
        run_dir = runs.create_run_dir("benchmark", out)
        runs.write_atomic(run_dir / GRID_FILE, grid.to_yaml())
        manifest = runs.new_manifest(grid.seeds)
        return _execute(run_dir, grid, names, manifest, workers, client, progress)


def resume_benchmark(
    run_dir: str | Path,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
    connect_timeout: float = 10.0,
) -> BenchmarkOutcome:
    """Finish a benchmark run: run the cells missing from its ``results.csv``, redraw the rest.

    The grid comes from the run's own ``config.yaml``; ``workers`` and ``scheduler`` may
    differ from the first run's.
    """
    run_dir = Path(run_dir)
    grid = read_grid(run_dir)
    _check_executor(workers, scheduler)
    names = dataset_names(grid)
    manifest = runs.read_manifest(run_dir)
    manifest["resumed_utc"] = [*manifest.get("resumed_utc", []), runs.utc_now()]
    with ExitStack() as stack:
        client = _open_client(stack, scheduler, connect_timeout)
        return _execute(run_dir, grid, names, manifest, workers, client, progress)


def _check_executor(workers: int, scheduler: str | None) -> None:
    if workers < 1:
        raise TszooError(f"--workers {workers}: use 1 or more local worker processes")
    if scheduler is not None and workers != 1:
        raise TszooError(
            "--workers is for local runs; with --scheduler the cluster's workers run the cells"
        )
    if scheduler is not None and not ADDRESS.match(scheduler):
        raise TszooError(
            f"--scheduler {scheduler!r}: expected a Dask scheduler address tcp://HOST:PORT, "
            "e.g. tcp://10.0.0.5:8786 (`dask scheduler` prints it)"
        )


def _open_client(stack: ExitStack, scheduler: str | None, timeout: float):
    if scheduler is None:
        return None
    client = connect(scheduler, timeout)
    stack.callback(client.close)
    return client


def _execute(
    run_dir: Path,
    grid: BenchmarkGrid,
    names: dict[str, str],
    manifest: dict[str, Any],
    workers: int,
    client,
    progress: Progress | None,
) -> BenchmarkOutcome:
    from tszoo.report.grid import build_benchmark_report

    progress = progress or Progress()
    # 1. the cells missing from results.csv, in grid order
    rows = read_results(run_dir, as_text=True).to_dict("records")
    done = {(r["dataset"], r["model"], int(r["seed"])) for r in rows}
    cells = [GridCell(n, s, m, seed) for n, s in names.items() for seed in grid.seeds
             for m in grid.models]  # fmt: skip
    todo = [c for c in cells if (c.dataset, c.model, c.seed) not in done]
    tasks = [(c, grid.params[c.model], grid.split_options()) for c in todo]
    # 2. the manifest says what runs where
    manifest.update(
        status="running",
        datasets=names,
        models=grid.models,
        cells_total=len(cells),
        cells_done=len(cells) - len(todo),
        executor=_describe_executor(workers, client),
        failed_cells=[],
    )
    manifest["versions"] |= {name: _version(name) for name in EXTRA_VERSIONS}
    manifest.pop("error", None)  # an earlier session's
    runs.write_manifest(run_dir, manifest)
    # 3. run, writing each cell as it comes back
    outcome = _collect(run_dir, cells, rows, tasks, manifest, workers, client, progress)
    # 4. ranks and the report from everything finished
    manifest.update(status="failed" if outcome.failed else "complete", ended_utc=runs.utc_now())
    runs.write_manifest(run_dir, manifest)
    outcome.results = read_results(run_dir)
    outcome.means = dataset_means(outcome.results, grid.models)
    outcome.ranks = mean_ranks(outcome.means)
    runs.write_table(run_dir / "ranks.csv", outcome.ranks)
    outcome.report = build_benchmark_report(run_dir)
    if outcome.failed:
        first = outcome.failed[0]
        raise CellsFailed(
            f"{len(outcome.failed)} of {len(cells)} cells failed, first {first.cell}: "
            f"{first.error}; the rest are in {run_dir}; after a fix run the failed ones "
            f"with: tszoo benchmark --resume {run_dir}",
            outcome,
        )
    return outcome


def _collect(
    run_dir: Path,
    cells: list[GridCell],
    rows: list[dict[str, Any]],
    tasks: list[tuple[GridCell, dict, dict]],
    manifest: dict[str, Any],
    workers: int,
    client,
    progress: Progress,
) -> BenchmarkOutcome:
    """Run ``tasks`` and write each finished cell's row into ``results.csv`` at once."""
    order = {(c.dataset, c.model, c.seed): i for i, c in enumerate(cells)}
    outcome = BenchmarkOutcome(run_dir, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), Path())
    results = _dask_outcomes(client, tasks) if client else _joblib_outcomes(tasks, workers)
    progress.start(len(tasks))
    try:
        with _sigterm_as_interrupt():
            for done in results:
                progress.cell_done()
                if done.row is None:
                    logger.error("%s failed: %s", done.cell, done.error)
                    outcome.failed.append(done)
                    manifest["failed_cells"].append({"cell": str(done.cell), "error": done.error})
                else:
                    rows.append(done.row)
                    rows.sort(key=lambda r: order[(r["dataset"], r["model"], int(r["seed"]))])
                    table = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
                    runs.write_table(run_dir / "results.csv", table)
                    outcome.cells_run.append(done.cell)
                    outcome.ran_on[done.cell] = (done.host, done.pid)
                    manifest["cells_done"] += 1
                    logger.info(
                        "%s: %s %.3f (%.1f s, %s pid %d) [%d/%d]", done.cell, RANK_METRIC,
                        done.row[RANK_METRIC], done.seconds, done.host, done.pid,
                        manifest["cells_done"], manifest["cells_total"],
                    )  # fmt: skip
                runs.write_manifest(run_dir, manifest)
    except KeyboardInterrupt:
        manifest.update(status="interrupted", ended_utc=runs.utc_now())
        runs.write_manifest(run_dir, manifest)
        raise RunInterrupted(
            f"interrupted after {manifest['cells_done']} of {manifest['cells_total']} cells; "
            f"finished cells are in {run_dir}; finish with: tszoo benchmark --resume {run_dir}"
        ) from None
    except BaseException as exc:
        manifest.update(status="failed", ended_utc=runs.utc_now(), error=str(exc))
        runs.write_manifest(run_dir, manifest)
        if isinstance(exc, TszooError):
            raise TszooError(
                f"{exc}; the {manifest['cells_done']} finished cells are in {run_dir}; "
                f"run the rest with: tszoo benchmark --resume {run_dir}"
            ) from None
        raise
    finally:
        progress.stop()
    return outcome


def _describe_executor(workers: int, client) -> dict[str, Any]:
    if client is None:
        return {"kind": "joblib", "backend": "loky" if workers > 1 else "sequential",
                "workers": workers}  # fmt: skip
    threads = client.nthreads()
    return {"kind": "dask", "scheduler": client.scheduler.address, "workers": len(threads),
            "threads": sum(threads.values())}  # fmt: skip


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


# -- reading results back: means and ranks ----------------------------------------------------


def read_results(run_dir: str | Path, *, as_text: bool = False) -> pd.DataFrame:
    """A grid's ``results.csv`` (empty if none yet); ``as_text`` keeps every value as written."""
    path = Path(run_dir) / "results.csv"
    if not path.exists():
        return pd.DataFrame(columns=list(RESULT_COLUMNS))
    if as_text:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    return pd.read_csv(
        path, dtype={"dataset": str, "model": str}, keep_default_na=False, na_values=[""]
    )


def dataset_means(
    results: pd.DataFrame, models: Sequence[str] | None = None, metric: str = RANK_METRIC
) -> pd.DataFrame:
    """Datasets x models: ``metric`` averaged over seeds; NaN where a model has no cell."""
    means = results.pivot_table(index="dataset", columns="model", values=metric, aggfunc="mean")
    datasets = list(dict.fromkeys(results["dataset"]))
    means = means.reindex(index=datasets, columns=list(models or means.columns))
    means.columns.name = None
    return means


def mean_ranks(means: pd.DataFrame) -> pd.DataFrame:
    """Each model's rank on each dataset (1 = best, ties share the mean), averaged.

    Only datasets that every model finished count; ``n_datasets`` says how many.
    Columns: ``model, mean_rank, mean_<metric>, wins, n_datasets``, best rank first.
    """
    complete = means.dropna()
    ranks = complete.rank(axis=1, ascending=False, method="average")
    wins = complete.eq(complete.max(axis=1), axis=0).sum() if len(complete) else 0
    table = pd.DataFrame(
        {
            "model": list(means.columns),
            "mean_rank": ranks.mean().reindex(means.columns).to_numpy(),
            f"mean_{RANK_METRIC}": complete.mean().reindex(means.columns).to_numpy(),
            "wins": pd.Series(wins, index=means.columns).to_numpy(),
            "n_datasets": len(complete),
        }
    )
    return table.sort_values("mean_rank", kind="stable").reset_index(drop=True)
