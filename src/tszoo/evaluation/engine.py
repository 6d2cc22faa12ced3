"""The run engine: every cell of a run on one executor, each written the moment it finishes.

``compare``, ``train`` and ``benchmark`` are this engine over different cells: ``compare``
is one dataset whose cells also save their models, ``benchmark`` many datasets whose cells
only score. A finished cell's files are written first and its rows in ``per_class.csv``,
``confusion.csv`` and ``results.csv`` last, all atomically, so a cell either is in
``results.csv`` whole or is not finished. Ctrl-C or SIGTERM stops the run between two
writes (see :class:`~tszoo.runs.RunSession`); resuming runs only the missing cells. A cell
that raises is recorded in the manifest and the others go on. A cell that takes fitted
members from other cells of the run (an ensemble, :mod:`tszoo.evaluation.members`) runs
after those cells, and is told of the ones that finished.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from tszoo.errors import TszooError
from tszoo.evaluation.cells import CellOutcome, CellTask, forget_splits
from tszoo.evaluation.executors import choose_executor
from tszoo.evaluation.experiment import CONFUSION_COLUMNS, PER_CLASS_COLUMNS, RESULT_COLUMNS
from tszoo.evaluation.progress import Progress
from tszoo.memory import release_unused_memory
from tszoo.models.registry import model_tags
from tszoo.runs import Cell, FailedCell, Manifest, RunLayout, RunSession, cells_of, write_table

logger = logging.getLogger(__name__)

COLUMNS = {
    "per_class": PER_CLASS_COLUMNS,
    "confusion": CONFUSION_COLUMNS,
    "results": RESULT_COLUMNS,
}


@dataclass
class EngineResult:
    """What one session of a run did: the cells it ran (in the order they finished), the
    process each ran on, and the cells that failed."""

    layout: RunLayout
    results: pd.DataFrame
    cells_total: int = 0
    cells_run: list[Cell] = field(default_factory=list)
    ran_on: dict[Cell, tuple[str, int]] = field(default_factory=dict)
    failed: list[CellOutcome] = field(default_factory=list)


class CellsFailed(TszooError):
    """Some cells raised; the others finished and are on disk."""

    def __init__(self, message: str, outcome) -> None:
        super().__init__(message)
        self.outcome = outcome


def run_cells(
    layout: RunLayout,
    tasks: Sequence[CellTask],
    manifest: Manifest,
    command: str,
    *,
    workers: int | None = None,
    client=None,
    progress: Progress | None = None,
    on_cell: Callable[[Cell, dict], None] | None = None,
) -> EngineResult:
    """Run the ``tasks`` whose cells are not yet in ``results.csv``.

    ``tasks`` lists every cell of the run in table order; rows are kept in that order
    whichever cell finishes first. They run on the Dask ``client``'s cluster, or on
    ``workers`` local processes (see :func:`~tszoo.evaluation.executors.choose_executor`).
    ``command`` is the one that resumes the run. ``on_cell(cell, row)`` is called once a
    cell's rows are on disk (``row``: its ``results.csv`` row), to track it elsewhere.
    """
    progress = progress or Progress()
    order = {task.cell: i for i, task in enumerate(tasks)}
    tables = read_tables(layout)
    done = set(cells_of(tables["results"]))
    todo = [task for task in tasks if task.cell not in done]
    executor = choose_executor(workers, client, progress, len(todo))
    if executor.kind == "in-process":  # one at a time, each told of the members before it
        batches = [[task] for task in _in_order(todo)]
    else:
        forget_splits()  # workers load their own; this process need not hold the data
        # the longest first: no worker waits
        batches = [sorted(wave, key=_expected_cost, reverse=True) for wave in _waves(todo)]
    manifest.cells_total, manifest.cells_done = len(tasks), len(done)
    manifest.failed_cells, manifest.executor = [], executor.describe()
    outcome = EngineResult(layout, tables["results"], len(tasks))
    progress.start(len(todo))
    try:
        with RunSession(layout, manifest, command) as session:
            for batch in batches:
                for done_cell in executor.outcomes([_finished(t, done) for t in batch]):
                    progress.cell_done()
                    _record(session, tables, done_cell, order, outcome)
                    if done_cell.rows is not None:
                        done.add(done_cell.cell)
                        if on_cell is not None:
                            on_cell(done_cell.cell, done_cell.rows["results"][0])
    finally:
        progress.stop()
        forget_splits()  # the run is over: its data goes before the report is drawn
        release_unused_memory()
    outcome.results = read_results(layout)
    return outcome


def _in_order(tasks: list[CellTask]) -> list[CellTask]:
    """``tasks`` in their order, but each that takes fitted members from others of them
    (an ensemble, whose members take none) just after the last of those."""
    position = {task.cell: i for i, task in enumerate(tasks)}

    def key(task: CellTask) -> tuple[int, int]:
        after = [position[cell] for _, cell in task.members if cell in position]
        return (max([position[task.cell], *after]), 1 if after else 0)

    return sorted(tasks, key=key)


def _waves(tasks: list[CellTask]) -> list[list[CellTask]]:
    """``tasks`` in waves for workers, each after the cells that its tasks take fitted
    members from: one wave when no task takes any, else (an ensemble's members take none)
    the others and then those that do. Each keeps the order of ``tasks``."""
    waves, left = [], list(tasks)
    while left:
        pending = {task.cell for task in left}
        wave = [t for t in left if not any(c in pending for _, c in t.members)] or left
        waves.append(wave)
        started = {task.cell for task in wave}
        left = [task for task in left if task.cell not in started]
    return waves


def _finished(task: CellTask, done: set[Cell]) -> CellTask:
    """``task`` told only of the member cells that finished (in ``results.csv``)."""
    if not task.members:
        return task
    return replace(task, members=tuple((i, cell) for i, cell in task.members if cell in done))


def _expected_cost(task: CellTask) -> int:
    """A rough order of fitting costs: deep ensembles, other deep models, the rest."""
    if not model_tags(task.cell.model).get("deep"):
        return 0
    return 1 + int(task.params.get("n_ensemble") or 1)


def _record(session, tables, done: CellOutcome, order, outcome: EngineResult) -> None:
    manifest = session.manifest
    if done.rows is None:
        logger.error("%s failed: %s", done.cell, done.error)
        outcome.failed.append(done)
        manifest.failed_cells = [
            *manifest.failed_cells,
            FailedCell(cell=str(done.cell), error=done.error or ""),
        ]
    else:
        for name in RunLayout.TABLES:  # results last
            table = pd.concat([tables[name], pd.DataFrame(done.rows[name])], ignore_index=True)
            rank = [order.get(c, len(order)) for c in cells_of(table)]
            table = table.iloc[pd.Series(rank).argsort(kind="stable")].reset_index(drop=True)
            tables[name] = table
            write_table(session.layout.table(name), table)
        outcome.cells_run.append(done.cell)
        outcome.ran_on[done.cell] = (done.host, done.pid)
        manifest.cells_done += 1
        _record_reused(manifest, done)
        row = done.rows["results"][0]
        logger.info(
            "%s: accuracy %.3f, macro F1 %.3f (%.1f s) [%d/%d]", done.cell, row["accuracy"],
            row["f1_macro"], done.seconds, manifest.cells_done, manifest.cells_total,
        )  # fmt: skip
    session.save()


def _record_reused(manifest: Manifest, done: CellOutcome) -> None:
    """Log and keep in the manifest the member cells whose fitted models a cell took."""
    reused = {k: v for k, v in manifest.reused_members.items() if k != str(done.cell)}
    if done.reused:
        logger.info(
            "%s: took the fitted %s from their own cells instead of refitting them",
            done.cell, ", ".join(done.reused),
        )  # fmt: skip
        reused[str(done.cell)] = list(done.reused)
    manifest.reused_members = reused


def read_tables(layout: RunLayout) -> dict[str, pd.DataFrame]:
    """The run's tables so far, every value as written, keeping only the rows of cells in
    ``results.csv`` (a run stopped between two writes may have a cell's per-class rows and
    not its result)."""
    tables = {}
    for name in RunLayout.TABLES:
        path, columns = layout.table(name), COLUMNS[name]
        tables[name] = (
            pd.read_csv(path, dtype=str, keep_default_na=False)
            if path.exists()
            else pd.DataFrame(columns=list(columns))
        )
    done = set(cells_of(tables["results"]))
    for name in ("per_class", "confusion"):
        table = tables[name]
        keep = [cell in done for cell in cells_of(table)]
        tables[name] = table[keep].reset_index(drop=True)
    return tables


def read_results(layout: RunLayout) -> pd.DataFrame:
    """``results.csv`` with its numbers as numbers (empty, with its columns, if none yet)."""
    if not layout.results.exists():
        return pd.DataFrame(columns=list(RESULT_COLUMNS))
    return pd.read_csv(
        layout.results, dtype={"dataset": str, "model": str}, keep_default_na=False,
        na_values=[""],
    )  # fmt: skip


def failed_message(outcome: EngineResult, command: str) -> str:
    first = outcome.failed[0]
    return (
        f"{len(outcome.failed)} of {outcome.cells_total} cells failed, first {first.cell}: "
        f"{first.error}; "
        f"the rest are in {outcome.layout.root}; after a fix run the failed ones with: "
        f"tszoo {command} --resume {outcome.layout.root}"
    )
