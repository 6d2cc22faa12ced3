"""Commands that fit models into a run directory: ``train``, ``compare``, ``benchmark``, and
``report``, which redraws a run's page. The engine never draws: each command draws the
report after its run returns."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from tszoo.cli.app import app, console, progress, run
from tszoo.cli.options import (
    ConfigOpt,
    DataOptions,
    Debug,
    MlflowOpt,
    Quiet,
    RunOutOpt,
    SetOpt,
    WorkersOpt,
    data_options,
    parse_list,
    parse_seeds,
)
from tszoo.errors import TszooError

T = TypeVar("T")


def with_report(fit: Callable[[], T], draw: Callable[[Path], Path], tracker=None) -> tuple[T, Path]:
    """``fit()``, then ``draw`` the report of the run directory it wrote (and log both to
    the ``tracker``'s MLflow server). A run where some cells failed gets its report too,
    before the error."""
    from tszoo.evaluation.engine import CellsFailed
    from tszoo.runs import RunLayout

    try:
        outcome = fit()
    except CellsFailed as exc:
        report = draw(exc.outcome.run_dir)
        if tracker is not None:
            tracker.finish(RunLayout(exc.outcome.run_dir), report, failed=True)
        raise
    report = draw(outcome.run_dir)
    if tracker is not None:
        tracker.finish(RunLayout(outcome.run_dir), report)
    return outcome, report


def _run_config(run_dir: Path) -> dict:
    """A run's ``config.yaml`` as a mapping (empty if it has none: resuming says why)."""
    from tszoo.config import read_yaml
    from tszoo.runs import RunLayout

    path = RunLayout(Path(run_dir)).config
    raw = read_yaml(path) if path.is_file() else None
    return raw if isinstance(raw, dict) else {}


def _tracker(uri: str | None):
    """An MLflow tracker for ``uri`` (None: no tracking)."""
    from tszoo.tracking import MlflowTracker

    return MlflowTracker(uri) if uri else None


def _experiment(
    command: str, options: DataOptions, config, sets, models=None, seeds=None, mlflow=None
):
    """The resolved experiment: built-in defaults < --config < command-line options < --set."""
    from tszoo.config import load_config, parse_sets, resolve

    loaded = load_config(config) if config is not None else None
    return resolve(
        loaded, data=options.to_config(), models=models, seeds=seeds, sets=parse_sets(sets),
        command=command, mlflow=mlflow,
    )  # fmt: skip


def _show_outcome(done: tuple) -> None:
    from tszoo.evaluation.experiment import METRICS

    outcome, report_path = done
    results = outcome.results
    if "fold" in results and results["fold"].notna().any():
        table = _fold_summary(results)
    else:
        table = Table(title="Test-split results")
        headers = {"accuracy": "acc", "balanced_accuracy": "bal acc", "precision_macro": "prec"}
        headers |= {"recall_macro": "recall"}
        headers |= {"f1_macro": "F1", "fit_seconds": "fit s"}
        cols = ["model", "seed", *METRICS, "fit_seconds", "epochs"]
        for col in cols:
            if col == "model":
                table.add_column(col, no_wrap=True, min_width=len(max(results.model, key=len)))
            else:
                table.add_column(headers.get(col, col), justify="right")
        for row in results.to_dict("records"):
            table.add_row(*(_cell_text(row[c]) for c in cols))
    console.print(table)
    console.print(f"run directory: {outcome.run_dir}")
    console.print(f"report: {report_path}")


def _fold_summary(results) -> Table:
    """A cross-validated run in one row per model: mean ± std over seeds and folds (every
    fold's row is in results.csv and the report)."""
    from tszoo.evaluation.metrics import summarise

    summary = summarise(results)
    table = Table(title="Test-split results, mean ± std over seeds and folds")
    table.add_column("model", no_wrap=True, min_width=len(max(results.model, key=len)))
    columns = {"accuracy": "acc", "balanced_accuracy": "bal acc", "f1_macro": "F1"}
    for header in ("seeds", "folds", *columns.values()):
        table.add_column(header, justify="right")
    for row in summary.to_dict("records"):
        scores = [
            f"{row[f'{m}_mean']:.3f} ± {row[f'{m}_std']:.3f}".replace(" ± nan", "") for m in columns
        ]
        table.add_row(row["model"], str(row["n_seeds"]), str(row["n_folds"]), *scores)
    return table


def _cell_text(value) -> str:
    if isinstance(value, float):
        return "" if value != value else f"{value:.3f}"  # NaN: a model without epochs
    return str(value)


@app.command()
@data_options()
def train(
    model: Annotated[str, typer.Argument(help="Registered model name (see `tszoo models`).")],
    options: DataOptions,
    seed: Annotated[
        int | None, typer.Option(help="Seed of the split and the model [default: 0].")
    ] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    out: RunOutOpt = None,
    mlflow: MlflowOpt = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Fit one model, score it on the test split and save it with its run."""
    from tszoo.evaluation.compare import run_train
    from tszoo.report import build_report

    def work():
        experiment = _experiment("train", options, config, set_, models=[model], mlflow=mlflow)
        if seed is not None or len(experiment.seeds) > 1:
            experiment.seeds = [seed if seed is not None else experiment.seeds[0]]
        tracker = _tracker(experiment.mlflow)
        fit = partial(run_train, experiment, out, progress(quiet), tracker)
        return with_report(fit, build_report, tracker)

    _show_outcome(run(work, quiet=quiet, debug=debug))


@app.command()
@data_options()
def compare(
    options: DataOptions,
    models: Annotated[
        str | None, typer.Option(help="Models, comma-separated; default every registered one.")
    ] = None,
    seeds: Annotated[
        str | None,
        typer.Option(help="Seeds, comma-separated; each draws its split [default: 0]."),
    ] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    out: RunOutOpt = None,
    workers: WorkersOpt = None,
    resume: Annotated[
        Path | None,
        typer.Option(help="Finish an interrupted run in this directory, with its own config."),
    ] = None,
    mlflow: MlflowOpt = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Fit several models over several seeds on leak-free splits; tabulate test scores."""
    from tszoo.evaluation.compare import resume_run, run_compare
    from tszoo.report import build_report

    def work():
        if resume is not None:
            named = {"--models": models, "--seeds": seeds, "--config": config, "--set": set_}
            named |= {"--out": out, "--mlflow": mlflow}
            given = options.given() + [k for k, v in named.items() if v]
            if given:
                raise TszooError(
                    f"--resume takes everything from the run's config.yaml; drop {given[0]}"
                )
            tracker = _tracker(_run_config(resume).get("mlflow"))
            fit = partial(resume_run, resume, progress(quiet), workers, tracker)
            return with_report(fit, build_report, tracker)
        experiment = _experiment(
            "compare", options, config, set_, models=parse_list(models),
            seeds=parse_seeds(seeds) if seeds is not None else None, mlflow=mlflow,
        )  # fmt: skip
        tracker = _tracker(experiment.mlflow)
        fit = partial(run_compare, experiment, out, progress(quiet), workers, tracker)
        return with_report(fit, build_report, tracker)

    _show_outcome(run(work, quiet=quiet, debug=debug))


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run directory written by train or compare.")],
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Redraw a run's report.html and plots/ from its saved results (no retraining)."""
    from tszoo.report import build_report

    path = run(lambda: build_report(run_dir), quiet=quiet, debug=debug)
    console.print(f"report: {path}")


@app.command()
@data_options(files=False)
def benchmark(
    options: DataOptions,
    datasets: Annotated[
        str | None, typer.Option(help="Datasets, comma-separated: bundled names or files.")
    ] = None,
    models: Annotated[
        str | None, typer.Option(help="Models, comma-separated; default every registered one.")
    ] = None,
    seeds: Annotated[str | None, typer.Option(help="Seeds, comma-separated (default 0).")] = None,
    workers: WorkersOpt = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Run the cells on a Dask cluster: its scheduler, tcp://HOST:PORT."),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            help="YAML grid (datasets, models, seeds, params, data), e.g. a benchmark run's "
            "config.yaml; options given here win."
        ),
    ] = None,
    set_: SetOpt = None,
    out: RunOutOpt = None,
    resume: Annotated[
        Path | None, typer.Option(help="Run the cells missing from this benchmark run.")
    ] = None,
    mlflow: MlflowOpt = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Fit every model on every dataset and seed, in parallel; rank the models."""
    from tszoo.config import parse_sets
    from tszoo.evaluation.benchmark import read_grid_file, resume_benchmark, run_benchmark
    from tszoo.evaluation.ranking import RANK_METRIC
    from tszoo.models import model_names
    from tszoo.report.grid import build_benchmark_report

    def work():
        data = {k: v for k, v in options.to_config().items() if v is not None}
        where = {"workers": workers, "scheduler": scheduler, "progress": progress(quiet)}
        if resume is not None:
            named = {"--datasets": datasets, "--models": models, "--seeds": seeds}
            named |= {"--config": config, "--set": set_, "--out": out, "--mlflow": mlflow}
            given = options.given() + [k for k, v in named.items() if v]
            if given:
                raise TszooError(
                    f"--resume takes the grid from the run's config.yaml; drop {given[0]}"
                )
            tracker = _tracker(_run_config(resume).get("mlflow"))
            fit = partial(resume_benchmark, resume, **where, tracker=tracker)
            return with_report(fit, build_benchmark_report, tracker)
        # built-in defaults < --config < command-line options < --set
        file = read_grid_file(config) if config is not None else {}
        chosen = parse_list(models) or file.get("models") or model_names()
        params = {m: p for m, p in (file.get("params") or {}).items() if m in chosen}
        for model, values in parse_sets(set_).items():
            params[model] = {**params.get(model, {}), **values}
        grid = (
            parse_list(datasets) or file.get("datasets") or [],
            chosen,
            parse_seeds(seeds) if seeds is not None else file.get("seeds") or [0],
        )
        data = {**(file.get("data") or {}), **data}
        uri = mlflow or file.get("mlflow")
        tracker = _tracker(uri)
        fit = partial(
            run_benchmark, *grid, params=params, data=data, out=out, mlflow=uri,
            tracker=tracker, **where,
        )  # fmt: skip
        return with_report(fit, build_benchmark_report, tracker)

    outcome, report_path = run(work, quiet=quiet, debug=debug)
    table = Table(title=f"Test {RANK_METRIC}, mean over seeds")
    table.add_column("dataset")
    for model in outcome.means.columns:
        table.add_column(escape(str(model)), justify="right")
    for dataset, row in outcome.means.iterrows():
        table.add_row(escape(str(dataset)), *("" if v != v else f"{v:.3f}" for v in row))
    ranks = dict(zip(outcome.ranks["model"], outcome.ranks["mean_rank"], strict=True))
    table.add_row("[bold]mean rank", *(f"[bold]{ranks[m]:.2f}" for m in outcome.means.columns))
    console.print(table)
    console.print(f"cells run now: {len(outcome.cells_run)}")
    console.print(f"run directory: {outcome.run_dir}")
    console.print(f"report: {report_path}")
