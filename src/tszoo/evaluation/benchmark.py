"""Benchmark grids: every dataset x model x seed, on local worker processes or a Dask cluster.

A cell is one model on one seed's leak-free split of one dataset: the work of a ``compare``
cell without saving the model, since a grid is about scores. The engine
(:mod:`tszoo.evaluation.engine`) runs the cells on an executor
(:mod:`tszoo.evaluation.executors`) and writes each row into ``results.csv`` as it comes
back, so an interrupted grid keeps its finished cells and :func:`resume_benchmark` runs
only the missing ones. Ranks over datasets come from :mod:`tszoo.evaluation.ranking`.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from tszoo.config import check_params, model_defaults, read_yaml, resolve_data
from tszoo.errors import TszooError
from tszoo.evaluation.cells import CellOutcome, CellTask, load_folds
from tszoo.evaluation.engine import CellsFailed, failed_message, run_cells
from tszoo.evaluation.executors import check_executor, dask_client
from tszoo.evaluation.progress import Progress
from tszoo.evaluation.ranking import dataset_means, mean_ranks
from tszoo.runs import (
    Cell,
    Manifest,
    RunLayout,
    check_run_dir,
    create_run_dir,
    utc_now,
    write_atomic,
    write_table,
)

logger = logging.getLogger(__name__)

EXTRA_VERSIONS = ("joblib", "dask", "distributed")


@dataclass
class BenchmarkGrid:
    """The grid as ``config.yaml`` records it: ``datasets`` as given, full model ``params``,
    and the data options shared by every dataset (window and stride apply to recordings)."""

    datasets: list[str]
    models: list[str]
    seeds: list[int]
    params: dict[str, dict[str, Any]]
    data: dict[str, Any]
    mlflow: str | None = None  # an MLflow tracking URI, or None

    def split_options(self) -> dict[str, Any]:
        """Keywords for ``prepare_splits`` besides the source and the seed."""
        options = dict(self.data)
        options["fractions"] = options.pop("split")
        return options

    def to_yaml(self) -> str:
        return yaml.safe_dump({"command": "benchmark", **asdict(self)}, sort_keys=False)


@dataclass
class BenchmarkOutcome:
    """What a grid left: its directory, results, mean scores and ranks.

    ``cells_run`` are the cells this call ran, in the order they finished (none when resuming
    a finished grid); ``ran_on`` gives the ``(host, pid)`` of the process that ran each.
    """

    run_dir: Path
    results: pd.DataFrame
    means: pd.DataFrame
    ranks: pd.DataFrame
    cells_run: list[Cell] = field(default_factory=list)
    ran_on: dict[Cell, tuple[str, int]] = field(default_factory=dict)
    failed: list[CellOutcome] = field(default_factory=list)


# -- the grid ----------------------------------------------------------------------------


def resolve_grid(
    datasets: Sequence[str],
    models: Sequence[str],
    seeds: Sequence[int] = (0,),
    params: dict[str, dict[str, Any]] | None = None,
    data: dict[str, Any] | None = None,
    mlflow: str | None = None,
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
    seeds = [int(s) for s in seeds]
    return BenchmarkGrid(list(datasets), list(models), seeds, full, options, mlflow)


def read_grid(run_dir: Path) -> BenchmarkGrid:
    """The grid a benchmark run recorded in its ``config.yaml``, checked again."""
    path = RunLayout(Path(run_dir)).config
    if not path.is_file():
        raise TszooError(f"{run_dir} is not a tszoo run (no {path.name}); pass a benchmark run")
    raw = read_yaml(path)
    if not isinstance(raw, dict) or raw.get("command") != "benchmark":
        command = raw.get("command") if isinstance(raw, dict) else None
        raise TszooError(
            f"{run_dir} is not a benchmark run (command {command!r}); "
            f"resume it with tszoo {command or 'compare'} --resume {run_dir}"
        )
    return resolve_grid(*(raw.get(k) for k in GRID_KEYS))


GRID_KEYS = ("datasets", "models", "seeds", "params", "data", "mlflow")


def read_grid_file(path: str | Path) -> dict[str, Any]:
    """The sections of a grid file for ``--config`` (a benchmark run's own ``config.yaml``
    is one): ``datasets``, ``models``, ``seeds``, ``params``, ``data``, all optional."""
    raw = read_yaml(path)
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise TszooError(f"{path}: expected a mapping of {', '.join(GRID_KEYS)}")
    if raw.get("command", "benchmark") != "benchmark":
        raise TszooError(
            f"{path} is a {raw['command']} config; benchmark reads {', '.join(GRID_KEYS)}"
        )
    unknown = sorted(set(raw) - {"command", *GRID_KEYS})
    if unknown:
        raise TszooError(
            f"{path}: unknown key '{unknown[0]}'; a grid file holds {', '.join(GRID_KEYS)}"
        )
    return {k: raw[k] for k in GRID_KEYS if raw.get(k) is not None}


def dataset_names(grid: BenchmarkGrid) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Name -> source of each dataset, and the folds of each (under ``cv``), loading and
    splitting each once to check it.

    The name is the one in ``results.csv``: a bundled dataset's own name, else the file's.
    A file's source becomes an absolute path, so workers started elsewhere find it.
    """
    names: dict[str, str] = {}
    folds: dict[str, list[str]] = {}
    for source in grid.datasets:
        parts = load_folds(source, grid.seeds[0], grid.split_options())
        splits = parts[0]
        if splits.name in names:
            raise TszooError(
                f"--datasets: '{names[splits.name]}' and '{source}' are both named "
                f"'{splits.name}' in results.csv; rename one of the files"
            )
        path = Path(source)
        names[splits.name] = str(path.resolve()) if path.exists() else source
        if splits.fold is not None:
            folds[splits.name] = [f.fold_name for f in parts]
    return names, folds


# -- running a grid -------------------------------------------------------------------------


def run_benchmark(
    datasets: Sequence[str],
    models: Sequence[str],
    seeds: Sequence[int] = (0,),
    *,
    params: dict[str, dict[str, Any]] | None = None,
    data: dict[str, Any] | None = None,
    mlflow: str | None = None,
    tracker=None,
    workers: int | None = 1,
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
    workers : int or None
        Local worker processes (joblib); 1 runs the cells in this process, None one per core.
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
        per cell), ``per_class.csv``, ``confusion.csv`` and ``ranks.csv``.

    Raises
    ------
    CellsFailed
        After the others finished, when some cells raised; it carries the outcome.
    """
    grid = resolve_grid(datasets, models, seeds, params, data, mlflow)
    check_executor(workers, scheduler)
    check_run_dir(out)
    if tracker is not None:
        tracker.check()
    names, folds = dataset_names(grid)
    with dask_client(scheduler, connect_timeout) as client:
        layout = RunLayout(create_run_dir("benchmark", out))
        write_atomic(layout.config, grid.to_yaml())
        manifest = Manifest(seeds=grid.seeds, folds=folds)
        return _execute(layout, grid, names, manifest, workers, client, progress, tracker)


def resume_benchmark(
    run_dir: str | Path,
    *,
    workers: int | None = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
    connect_timeout: float = 10.0,
    tracker=None,
) -> BenchmarkOutcome:
    """Finish a benchmark run: run the cells missing from its ``results.csv``.

    The grid comes from the run's own ``config.yaml``; ``workers`` and ``scheduler`` may
    differ from the first run's.
    """
    layout = RunLayout(Path(run_dir))
    grid = read_grid(layout.root)
    check_executor(workers, scheduler)
    if tracker is not None:
        tracker.check()
    names, folds = dataset_names(grid)
    manifest = Manifest.read(layout)
    manifest.folds = folds
    manifest.resumed_utc = [*manifest.resumed_utc, utc_now()]
    with dask_client(scheduler, connect_timeout) as client:
        return _execute(layout, grid, names, manifest, workers, client, progress, tracker)


def _execute(
    layout: RunLayout,
    grid: BenchmarkGrid,
    names: dict[str, str],
    manifest: Manifest,
    workers: int | None,
    client,
    progress: Progress | None,
    tracker=None,
) -> BenchmarkOutcome:
    options = grid.split_options()
    tasks = [
        CellTask(Cell(name, model, seed, fold), source, grid.params[model], options)
        for name, source in names.items() for seed in grid.seeds
        for fold in manifest.fold_ids(name)
        for model in grid.models
    ]  # fmt: skip
    manifest.datasets, manifest.models = names, grid.models
    manifest.versions |= {name: _version(name) for name in EXTRA_VERSIONS}
    on_cell = None
    if tracker is not None:
        tracker.start(layout, manifest, grid.data, grid.params)
        on_cell = partial(tracker.log_cell, layout)
    done = run_cells(
        layout, tasks, manifest, "benchmark", workers=workers, client=client, progress=progress,
        on_cell=on_cell,
    )  # fmt: skip
    means = dataset_means(done.results, grid.models)
    ranks = mean_ranks(means)
    write_table(layout.ranks, ranks)
    outcome = BenchmarkOutcome(
        layout.root, done.results, means, ranks, done.cells_run, done.ran_on, done.failed
    )
    if done.failed:
        raise CellsFailed(failed_message(done, "benchmark"), outcome)
    return outcome


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None
