"""One cell of a run, as a worker runs it: load the split, fit and score, save what it made.

A task carries everything a worker needs (it may be another process or another machine),
and its outcome carries only rows for the run's tables, never a fitted model: a cell that
saves its model (``compare``, ``train``) writes it into the run directory itself.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
import socket
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tszoo.data.pipeline import DataSplits, prepare_folds, prepare_splits
from tszoo.errors import TszooError
from tszoo.evaluation.experiment import fit_and_score, save_cell
from tszoo.evaluation.members import load_members
from tszoo.evaluation.progress import EpochEvents
from tszoo.models.registry import model_names
from tszoo.runs import Cell, RunLayout

logger = logging.getLogger(__name__)

LOKY_GROWTH = 4 * 2**30  # memory a local worker may add after its first cell before a restart


@dataclass(frozen=True)
class CellTask:
    """What a worker needs for one cell.

    ``source`` is what it loads for ``cell.dataset`` and ``options`` the other keywords of
    ``prepare_splits``. With ``save_to``, the cell writes its model, predictions and history
    into that run directory (the model under ``model/`` when ``single``). With ``events``,
    a deep model reports its epochs there as it trains. ``members`` are the cells of the
    run that fit some of an ensemble's final members alone, ``(position, cell)`` (see
    :mod:`tszoo.evaluation.members`): the engine runs the ensemble after them and keeps
    those that finished, whose saved models the ensemble takes.
    """

    cell: Cell
    source: str
    params: dict[str, Any]
    options: dict[str, Any]
    save_to: str | None = None
    single: bool = False
    events: Any = None  # a queue for the epochs of a deep model (EpochEvents), or None
    members: tuple[tuple[int, Cell], ...] = ()


@dataclass
class CellOutcome:
    """A cell's rows for each table (by name, see ``RunLayout.TABLES``), or the error that
    stopped it."""

    cell: Cell
    rows: dict[str, list[dict[str, Any]]] | None
    error: str | None = None
    host: str = ""
    pid: int = 0
    seconds: float = 0.0
    reused: list[str] = field(default_factory=list)  # the member cells an ensemble took


_SPLITS: dict[str, list[DataSplits]] = {}  # the last splits this process prepared


def load_folds(source: str, seed: int, options: dict[str, Any]) -> list[DataSplits]:
    """The splits of every fold of ``source`` (one, without ``options["cv"]``), reusing
    this process's last ones, so the models of one seed load and split their data once."""
    key = json.dumps([source, seed, options], sort_keys=True, default=str)
    if key not in _SPLITS:
        _SPLITS.clear()
        if options.get("cv") is None:
            _SPLITS[key] = [prepare_splits(source, seed=seed, **options)]
        else:
            _SPLITS[key] = prepare_folds(source, seed=seed, **options)
    return _SPLITS[key]


def load_splits(
    source: str, seed: int, options: dict[str, Any], fold: int | None = None
) -> DataSplits:
    """The splits of one fold (or the one split) of ``source`` on ``seed``."""
    return load_folds(source, seed, options)[fold or 0]


def forget_splits() -> None:
    """Let this process's last split go (its cells run elsewhere)."""
    _SPLITS.clear()


def run_cell(task: CellTask, callbacks: list | None = None) -> CellOutcome:
    """Fit, score and (with ``save_to``) save one cell; errors come back in the outcome."""
    start = time.perf_counter()
    where = {"host": socket.gethostname(), "pid": os.getpid()}
    cell = task.cell
    try:
        _check_registered(cell.model)
        splits = load_splits(task.source, cell.seed, task.options, cell.fold)
        members = load_members(task.save_to, task.members) if task.save_to else None
        logger.info("fitting %s", cell)
        result = fit_and_score(
            cell.model, task.params, splits, cell.seed, callbacks=callbacks, members=members
        )
        if task.save_to is not None:
            layout = RunLayout(Path(task.save_to))
            target = layout.model_dir(cell.model, cell.seed, cell.fold, single=task.single)
            if target.exists():  # left by a run stopped after saving the model, before its rows
                shutil.rmtree(target)
            save_cell(layout, target, cell, result)
    except Exception as exc:
        logger.debug("%s failed:\n%s", cell, traceback.format_exc())
        error = f"{type(exc).__name__}: {exc}"
        return CellOutcome(cell, None, error, seconds=time.perf_counter() - start, **where)
    row = {**result.row, "dataset": cell.dataset}
    rows = {
        "per_class": [{**r, "dataset": cell.dataset} for r in result.per_class],
        "confusion": [{**r, "dataset": cell.dataset} for r in result.confusion],
        "results": [row],
    }
    seconds = time.perf_counter() - start
    return CellOutcome(cell, rows, seconds=seconds, reused=result.reused, **where)


def _check_registered(name: str) -> None:
    """A clear error for a model that the run's process knows and this worker does not."""
    if name not in model_names():
        raise TszooError(
            f"model '{name}' is not registered in this worker process ({socket.gethostname()}, "
            f"pid {os.getpid()}); tszoo.register() only registers in its own process: install "
            "the model's package with a 'tszoo.models' entry point where the workers run"
        )


def run_cell_alone(task: CellTask) -> CellOutcome:
    """:func:`run_cell` in a worker process, on one thread for the rest of its life."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(1)
    threadpool_limits(limits=1)
    _keep_loky_worker()
    callbacks = None
    if task.events is not None:
        fold = "" if task.cell.fold is None else f" fold {task.cell.fold}"
        label = f"{task.cell.model} seed {task.cell.seed}{fold}"
        callbacks = [EpochEvents(task.events, label)]
    return run_cell(task, callbacks)


def _keep_loky_worker() -> None:
    """Stop loky from restarting this worker for memory that later cells added.

    With psutil installed (distributed brings it), loky restarts a worker whose memory grew
    by 300 MB since its first task. A run's cells load other datasets and models (and the
    allocator keeps freed memory), so workers were restarted mid-run, each restart costing
    seconds of importing torch and aeon again. A cell holds nothing between cells.
    """
    loky = sys.modules.get("joblib.externals.loky.process_executor")
    if loky is not None and multiprocessing.current_process().name.startswith("LokyProcess"):
        loky._MAX_MEMORY_LEAK_SIZE = max(getattr(loky, "_MAX_MEMORY_LEAK_SIZE", 0), LOKY_GROWTH)
