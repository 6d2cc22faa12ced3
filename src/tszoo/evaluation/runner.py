"""Runs: every model on every seed's split, written cell by cell into a run directory.

A cell is one model on one seed. A finished cell's predictions, history and model are
written first and its rows in ``results.csv``, ``per_class.csv`` and ``confusion.csv``
last, all atomically, so a cell either is in ``results.csv`` whole or is not finished.
Ctrl-C or SIGTERM stops the run between two writes: the finished cells stay, the manifest
says ``interrupted``, and :func:`resume_run` fits only the cells that are missing.
"""

from __future__ import annotations

import logging
import shutil
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from tszoo import runs
from tszoo.config import ExperimentConfig, dump_config, load_config
from tszoo.data.pipeline import SPLIT_MODES, DataSplits, prepare_splits
from tszoo.errors import RunInterrupted, TszooError
from tszoo.evaluation.experiment import (
    CONFUSION_COLUMNS,
    PER_CLASS_COLUMNS,
    RESULT_COLUMNS,
    cell_name,
    fit_and_score,
    save_cell,
    save_examples,
)
from tszoo.evaluation.progress import Progress
from tszoo.models.registry import model_tags

logger = logging.getLogger(__name__)

# Written in this order after each cell: results.csv last, so a row there means a whole cell.
TABLES = {
    "per_class.csv": PER_CLASS_COLUMNS,
    "confusion.csv": CONFUSION_COLUMNS,
    "results.csv": RESULT_COLUMNS,
}


@dataclass
class RunOutcome:
    """What a run left: its directory, the results table and the report's path."""

    run_dir: Path
    results: pd.DataFrame
    report: Path


def run_train(
    config: ExperimentConfig, out: str | Path | None = None, progress: Progress | None = None
) -> RunOutcome:
    """Fit ``config``'s one model on its one seed; save it under ``<run>/model``."""
    if len(config.models or []) != 1 or len(config.seeds) != 1:
        raise TszooError("train fits one model on one seed; use compare for more")
    return _start("train", config, out, progress)


def run_compare(
    config: ExperimentConfig, out: str | Path | None = None, progress: Progress | None = None
) -> RunOutcome:
    """Fit every model on every seed's split; save each under ``<run>/models/<model>-seed<k>``."""
    return _start("compare", config, out, progress)


def resume_run(run_dir: str | Path, progress: Progress | None = None) -> RunOutcome:
    """Finish an interrupted run: fit the cells missing from its ``results.csv``."""
    run_dir = Path(run_dir)
    if not (run_dir / "config.yaml").is_file():
        raise TszooError(
            f"{run_dir} is not a tszoo run (no config.yaml); "
            "pass the directory of the run to resume"
        )
    config = load_config(run_dir / "config.yaml")
    manifest = runs.read_manifest(run_dir)
    manifest["resumed_utc"] = [*manifest.get("resumed_utc", []), runs.utc_now()]
    return _execute(config.command or "compare", config, run_dir, manifest, progress)


def _start(
    command: str, config: ExperimentConfig, out: str | Path | None, progress: Progress | None
) -> RunOutcome:
    # 1. check what can be checked before anything is written
    runs.check_run_dir(out)
    splits = prepare_splits(**config.data.to_options(), seed=config.seeds[0])
    # 2. the run directory, its resolved config, windows and a manifest marked running
    run_dir = runs.create_run_dir(command, out)
    config = config.model_copy(update={"command": command})
    runs.write_atomic(run_dir / "config.yaml", dump_config(config))
    cols = ["recording", "start_row", "end_row", "split", "label"]
    runs.write_table(run_dir / "windows.csv", splits.windows_table()[cols])
    save_examples(run_dir / "examples.npz", splits)
    manifest = runs.new_manifest(config.seeds)
    manifest["split_mode"] = f"{splits.mode}: {SPLIT_MODES[splits.mode]}"
    return _execute(command, config, run_dir, manifest, progress, (config.seeds[0], splits))


def _execute(
    command: str,
    config: ExperimentConfig,
    run_dir: Path,
    manifest: dict[str, Any],
    progress: Progress | None,
    first: tuple[int, DataSplits] | None = None,
) -> RunOutcome:
    progress = progress or Progress()
    models, seeds = config.models or [], config.seeds
    tables = _read_tables(run_dir)
    done = _cells(tables["results.csv"])
    todo = [(seed, name) for seed in seeds for name in models if (name, seed) not in done]
    manifest.update(status="running", cells_total=len(models) * len(seeds), cells_done=len(done))
    runs.write_manifest(run_dir, manifest)
    progress.start(len(todo))
    try:
        with _sigterm_as_interrupt():
            for seed in dict.fromkeys(seed for seed, _ in todo):
                if first is not None and first[0] == seed:
                    splits = first[1]
                else:
                    splits = prepare_splits(**config.data.to_options(), seed=seed)
                for name in (n for s, n in todo if s == seed):
                    cell = _run_cell(
                        command, run_dir, name, config.params.get(name, {}), splits, seed, progress
                    )
                    for table, rows in cell.items():
                        tables[table] = pd.concat(
                            [tables[table], pd.DataFrame(rows)], ignore_index=True
                        )
                        runs.write_table(run_dir / table, tables[table])
                    manifest["cells_done"] = len(tables["results.csv"])
                    runs.write_manifest(run_dir, manifest)
                    progress.cell_done()
    except KeyboardInterrupt:
        done = len(_read_tables(run_dir)["results.csv"])  # the signal may come between writes
        manifest.update(status="interrupted", ended_utc=runs.utc_now(), cells_done=done)
        runs.write_manifest(run_dir, manifest)
        raise RunInterrupted(
            f"interrupted after {manifest['cells_done']} of {manifest['cells_total']} cells; "
            f"finished cells are in {run_dir}; finish with: tszoo compare --resume {run_dir}"
        ) from None
    except BaseException as exc:
        manifest.update(status="failed", ended_utc=runs.utc_now(), error=str(exc))
        runs.write_manifest(run_dir, manifest)
        raise
    finally:
        progress.stop()
    manifest.update(status="complete", ended_utc=runs.utc_now())
    runs.write_manifest(run_dir, manifest)
    report = _report(run_dir)  # a failed drawing loses nothing: `tszoo report` redraws it
    return RunOutcome(run_dir=run_dir, results=tables["results.csv"], report=report)


def _run_cell(
    command: str,
    run_dir: Path,
    name: str,
    params: dict[str, Any],
    splits: DataSplits,
    seed: int,
    progress: Progress,
) -> dict[str, list[dict]]:
    """Fit, score and save one cell; return its rows for each table, in writing order."""
    cell = cell_name(name, seed)
    target = run_dir / "model" if command == "train" else run_dir / "models" / cell
    if target.exists():  # left by a run stopped after saving the model, before its rows
        shutil.rmtree(target)
    callbacks = progress.cell(name, seed, bool(model_tags(name).get("deep")))
    logger.info("fitting %s on seed %d", name, seed)
    result = fit_and_score(name, params, splits, seed, callbacks=callbacks)
    save_cell(run_dir, target, name, seed, result)
    row = result.row
    logger.info(
        "%s seed %d: accuracy %.3f, macro F1 %.3f", name, seed, row["accuracy"], row["f1_macro"]
    )
    return {
        "per_class.csv": result.per_class,
        "confusion.csv": result.confusion,
        "results.csv": [row],
    }


def _cells(table: pd.DataFrame) -> set[tuple[str, int]]:
    return set(_cells_of_rows(table))


def _read_tables(run_dir: Path) -> dict[str, pd.DataFrame]:
    """The run's tables so far, keeping only the rows of cells listed in ``results.csv``
    (a run stopped between two writes may have a cell's per-class rows and not its result)."""
    tables = {}
    for name, columns in TABLES.items():
        path = run_dir / name
        tables[name] = (
            pd.read_csv(path, keep_default_na=False, na_values=[""])
            if path.exists()
            else pd.DataFrame(columns=list(columns))
        )
    done = _cells(tables["results.csv"])
    for name in ("per_class.csv", "confusion.csv"):
        table = tables[name]
        keep = [cell in done for cell in _cells_of_rows(table)]
        tables[name] = table[keep].reset_index(drop=True)
    return tables


def _cells_of_rows(table: pd.DataFrame) -> list[tuple[str, int]]:
    return list(zip(table["model"], table["seed"].astype(int), strict=True))


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C for the duration, so both leave the run resumable."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _report(run_dir: Path) -> Path:
    from tszoo.report import build_report

    return build_report(run_dir)
