"""``train`` and ``compare``: every model on every seed's split of one dataset, models saved.

These are the engine (:mod:`tszoo.evaluation.engine`) over the cells of one dataset whose
cells also save their model, predictions and training history. The run directory gets the
resolved config, the windows of the first seed's split and one example per class before
the first cell; ``resume_run`` fits only the cells missing from ``results.csv``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd

from tszoo.config import ExperimentConfig, dump_config, load_config
from tszoo.data.pipeline import SPLIT_MODES
from tszoo.errors import TszooError
from tszoo.evaluation.cells import CellOutcome, CellTask, load_folds
from tszoo.evaluation.engine import CellsFailed, failed_message, run_cells
from tszoo.evaluation.executors import check_executor
from tszoo.evaluation.experiment import save_examples
from tszoo.evaluation.members import member_cells
from tszoo.evaluation.progress import Progress
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


@dataclass
class RunOutcome:
    """What a run left: its directory and the results table (one row per model x seed)."""

    run_dir: Path
    results: pd.DataFrame
    failed: list[CellOutcome] = field(default_factory=list)


def run_train(
    config: ExperimentConfig,
    out: str | Path | None = None,
    progress: Progress | None = None,
    tracker=None,
) -> RunOutcome:
    """Fit ``config``'s one model on its one seed; save it under ``<run>/model``."""
    if len(config.models or []) != 1 or len(config.seeds) != 1:
        raise TszooError("train fits one model on one seed; use compare for more")
    if config.data.cv is not None:
        raise TszooError(
            "train fits one model on one split; cross-validate with compare --cv, "
            "or drop --cv to train the model to keep"
        )
    return _start("train", config, out, progress, workers=1, tracker=tracker)


def run_compare(
    config: ExperimentConfig,
    out: str | Path | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    tracker=None,
) -> RunOutcome:
    """Fit every model on every seed's split; save each under ``<run>/models/<model>-seed<k>``.

    ``workers`` local processes run the cells (None: one per core, at most one per cell;
    1: in this process, with a progress bar over each deep model's epochs). A ``tracker``
    (:class:`~tszoo.tracking.MlflowTracker`) is checked before anything is written and
    logs each cell as it finishes.
    """
    return _start("compare", config, out, progress, workers, tracker)


def resume_run(
    run_dir: str | Path,
    progress: Progress | None = None,
    workers: int | None = None,
    tracker=None,
) -> RunOutcome:
    """Finish an interrupted run: fit the cells missing from its ``results.csv``."""
    layout = RunLayout(Path(run_dir))
    if not layout.config.is_file():
        raise TszooError(
            f"{run_dir} is not a tszoo run (no {layout.config.name}); "
            "pass the directory of the run to resume"
        )
    check_executor(workers, None)
    config = load_config(layout.config)
    if tracker is not None:
        tracker.check()
    manifest = Manifest.read(layout)
    manifest.resumed_utc = [*manifest.resumed_utc, utc_now()]
    return _execute(config, layout, manifest, progress, workers, tracker)


def _start(
    command: str,
    config: ExperimentConfig,
    out: str | Path | None,
    progress: Progress | None,
    workers: int | None,
    tracker=None,
) -> RunOutcome:
    # 1. check what can be checked before anything is written
    check_executor(workers, None)
    check_run_dir(out)
    if tracker is not None:
        tracker.check()
    source, options = _split_options(config)
    folds = load_folds(source, config.seeds[0], options)
    splits = folds[0]
    # 2. the run directory, its resolved config, windows and a manifest marked running
    layout = RunLayout(create_run_dir(command, out))
    config = config.model_copy(update={"command": command})
    write_atomic(layout.config, dump_config(config))
    write_table(layout.windows, pd.concat([f.windows_table() for f in folds], ignore_index=True))
    save_examples(layout.examples, splits)
    mode = f"{splits.mode}: {SPLIT_MODES[splits.mode]}"
    if splits.fold is not None:
        mode += f"; {len(folds)} folds ({'leave one out' if options['cv'] == 'loo' else 'K-fold'})"
    manifest = Manifest(
        seeds=config.seeds,
        split_mode=mode,
        datasets={splits.name: source},
        folds={splits.name: [f.fold_name for f in folds]} if splits.fold is not None else {},
    )
    return _execute(config, layout, manifest, progress, workers, tracker)


def _execute(
    config: ExperimentConfig,
    layout: RunLayout,
    manifest: Manifest,
    progress: Progress | None,
    workers: int | None,
    tracker=None,
) -> RunOutcome:
    command = config.command or "compare"
    source, options = _split_options(config)
    # the dataset's name in results.csv: the manifest's, else (a run from before it was
    # recorded) from loading the data, as _start just did
    name = (
        next(iter(manifest.datasets), None) or load_folds(source, config.seeds[0], options)[0].name
    )
    models = config.models or []
    params = {model: config.params.get(model, {}) for model in models}
    cells = [
        Cell(name, model, seed, fold)
        for seed in config.seeds
        for fold in manifest.fold_ids(name)
        for model in models
    ]
    tasks = [
        CellTask(
            cell,
            source,
            params[cell.model],
            options,
            save_to=str(layout.root),
            single=command == "train",
            # an ensemble takes the final members that their own cells fit (saved there)
            members=member_cells(cell, params[cell.model], params),
        )
        for cell in cells
    ]
    manifest.datasets, manifest.models = {name: source}, models
    on_cell = None
    if tracker is not None:
        tracker.start(layout, manifest, config.data.model_dump(), config.params)
        on_cell = partial(tracker.log_cell, layout)
    done = run_cells(
        layout, tasks, manifest, "compare", workers=workers, progress=progress, on_cell=on_cell
    )
    outcome = RunOutcome(layout.root, done.results, done.failed)
    if done.failed:
        raise CellsFailed(failed_message(done, "compare"), outcome)
    return outcome


def _split_options(config: ExperimentConfig) -> tuple[str, dict]:
    """The data source and the other keywords of ``prepare_splits``, from the config."""
    options = config.data.to_options()
    return str(options.pop("source")), options
