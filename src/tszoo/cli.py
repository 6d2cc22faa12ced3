"""The ``tszoo`` command line. Each command parses options and calls a plain function.

User errors print one line and exit 2; internal errors exit 1; ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.table import Table

from tszoo.errors import RunInterrupted, TszooError

app = typer.Typer(
    help="Leak-free classification of multichannel time series.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts are plain: "[default: 50]" stays as written
)
console = Console()
err_console = Console(stderr=True)
T = TypeVar("T")

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print results only, no progress.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")]


def _show_version(value: bool) -> None:
    if value:
        import importlib.metadata

        console.print(f"tszoo {importlib.metadata.version('tszoo')}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Leak-free classification of multichannel time series."""


def _setup_logging(quiet: bool, debug: bool) -> None:
    level = logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(
        level=level,
        format="%(message)s",
        handlers=[RichHandler(console=err_console, show_path=False, show_time=False)],
        force=True,
    )


def _run(fn: Callable[[], T], *, quiet: bool, debug: bool) -> T:
    """Call ``fn``, turning errors into one line on stderr and an exit code."""
    _setup_logging(quiet, debug)
    try:
        return fn()
    except RunInterrupted as exc:
        err_console.print(f"interrupted: {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    except TszooError as exc:
        if debug:
            raise
        err_console.print(
            f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err_console.print("interrupted")
        raise typer.Exit(130) from None
    except Exception as exc:
        if debug:
            raise
        err_console.print(
            f"[bold red]internal error:[/] {type(exc).__name__}: {escape(str(exc))} "
            "(rerun with --debug for the traceback)",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1) from None


def _parse_list(text: str | None) -> list[str] | None:
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def _parse_fractions(text: str) -> list[float]:
    try:
        return [float(t) for t in text.split(",")]
    except ValueError:
        raise TszooError(
            f"--split {text!r}: expected three numbers train,val,test, e.g. 0.8,0.1,0.1"
        ) from None


# Data options shared by prepare, train and compare. ``None`` means "not given": the value
# then comes from --config, else from tszoo.config.DataConfig's default (shown in the help).
DataOpt = Annotated[
    str | None, typer.Option(help="CSV/Parquet/.ts file, or a bundled dataset name.")
]
TestOpt = Annotated[str | None, typer.Option(help="Separate test file (.ts).")]
WindowOpt = Annotated[int | None, typer.Option(help="Rows per window [default: 50].")]
StrideOpt = Annotated[int | None, typer.Option(help="Rows between window starts [default: 10].")]
SplitOpt = Annotated[
    str | None, typer.Option(help="Train,val,test fractions [default: 0.8,0.1,0.1].")
]
LabelOpt = Annotated[str | None, typer.Option(help="Label column.")]
TimeOpt = Annotated[str | None, typer.Option(help="Time column.")]
GroupOpt = Annotated[str | None, typer.Option(help="Recording id column.")]
ChannelsOpt = Annotated[str | None, typer.Option(help="Channel columns, comma-separated.")]
NanOpt = Annotated[
    str | None, typer.Option(help="Missing values: error, drop or interpolate [default: error].")
]
LabelRuleOpt = Annotated[
    str | None,
    typer.Option(help="Windows with mixed labels: drop, last or majority [default: drop]."),
]
NormaliseOpt = Annotated[str | None, typer.Option(help="zscore, window or none [default: zscore].")]
# Options shared by train and compare.
ConfigOpt = Annotated[
    Path | None,
    typer.Option(help="YAML config (data, models, seeds, params); options given here win."),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Model parameter MODEL.PARAM=VALUE (YAML value); repeatable."),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        help="Local worker processes, one cell (model x seed) each at a time; 1 runs in this "
        "process with a bar per epoch [default: one per core, at most one per cell].",
        show_default=False,
    ),
]
RunOutOpt = Annotated[
    Path | None,
    typer.Option(help="Run directory (new or empty); default runs/<UTC time>-<command>."),
]


NAN_CHOICES = ("error", "drop", "interpolate")


def _check_choice(option: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise TszooError(f"{option} {value!r}: use one of {', '.join(allowed)}")


def _data_options(
    data: str | None,
    test: str | None,
    window: int | None,
    stride: int | None,
    split: str | None,
    label: str | None,
    time: str | None,
    group: str | None,
    channels: str | None,
    nan: str | None,
    label_rule: str | None,
    normalise: str | None,
) -> dict:
    """Check the data options given on the command line; ``None`` for those not given."""
    _check_choice("--nan", nan, NAN_CHOICES)
    _check_choice("--label-rule", label_rule, ("drop", "last", "majority"))
    _check_choice("--normalise", normalise, ("zscore", "window", "none"))
    return {
        "source": data,
        "test": test,
        "label": label,
        "time": time,
        "channels": _parse_list(channels),
        "group": group,
        "nan": nan,
        "window": window,
        "stride": stride,
        "split": _parse_fractions(split) if split is not None else None,
        "label_rule": label_rule,
        "normalise": normalise,
    }


def _experiment(
    command: str,
    data: dict,
    config: Path | None,
    sets: list[str] | None,
    models: list[str] | None = None,
    seeds: list[int] | None = None,
):
    """The resolved experiment: built-in defaults < --config < command-line options."""
    from tszoo.config import load_config, parse_sets, resolve

    loaded = load_config(config) if config is not None else None
    return resolve(
        loaded, data=data, models=models, seeds=seeds, sets=parse_sets(sets), command=command
    )


def _parse_seeds(text: str) -> list[int]:
    try:
        return [int(t) for t in _parse_list(text) or []]
    except ValueError:
        raise TszooError(f"--seeds {text!r}: expected integers, e.g. 0,1,2") from None


def _with_report(run: Callable[[], T], draw: Callable[[Path], Path]) -> tuple[T, Path]:
    """``run()``, then ``draw`` the report of the run directory it wrote: the engine never
    draws. A run where some cells failed gets its report too, before the error."""
    from tszoo.evaluation.engine import CellsFailed

    try:
        outcome = run()
    except CellsFailed as exc:
        draw(exc.outcome.run_dir)
        raise
    return outcome, draw(outcome.run_dir)


def _show_outcome(done: tuple) -> None:
    outcome, report = done
    from tszoo.evaluation.experiment import METRICS

    table = Table(title="Test-split results")
    headers = {"accuracy": "acc", "precision_macro": "prec", "recall_macro": "recall"}
    headers |= {"f1_macro": "F1", "fit_seconds": "fit s"}
    cols = ["model", "seed", *METRICS, "fit_seconds", "epochs"]
    for col in cols:
        if col == "model":
            table.add_column(col, no_wrap=True, min_width=len(max(outcome.results.model, key=len)))
        else:
            table.add_column(headers.get(col, col), justify="right")
    for row in outcome.results.to_dict("records"):
        table.add_row(
            *(f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c]) for c in cols)
        )
    console.print(table)
    console.print(f"run directory: {outcome.run_dir}")
    console.print(f"report: {report}")


def _progress(quiet: bool):
    from tszoo.evaluation.progress import Progress, RichProgress

    return Progress() if quiet else RichProgress(err_console)


@app.command()
def datasets(quiet: Quiet = False, debug: Debug = False) -> None:
    """List the bundled datasets with their cases, channels, lengths and classes."""
    from tszoo.data.catalogue import describe_bundled

    rows = _run(describe_bundled, quiet=quiet, debug=debug)
    table = Table(title="Bundled datasets (train/test splits as published)")
    for col in ("name", "train", "test", "channels", "length", "classes"):
        table.add_column(col, justify="left" if col == "name" else "right")
    for r in rows:
        table.add_row(
            r["name"],
            str(r["train"]),
            str(r["test"]),
            str(r["channels"]),
            r["length"],
            str(r["classes"]),
        )
    console.print(table)


@app.command()
def models(quiet: Quiet = False, debug: Debug = False) -> None:
    """List the registered models with their tags."""
    from tszoo.models.registry import model_names, model_tags

    rows = _run(lambda: [(n, model_tags(n)) for n in model_names()], quiet=quiet, debug=debug)
    table = Table(title="Models")
    table.add_column("name")
    table.add_column("tags")
    for name, tags in rows:
        table.add_row(name, ", ".join(k.replace("_", "-") for k, v in tags.items() if v))
    console.print(table)


@app.command()
def prepare(
    data: DataOpt,
    test: TestOpt = None,
    window: WindowOpt = None,
    stride: StrideOpt = None,
    split: SplitOpt = None,
    label: LabelOpt = None,
    time: TimeOpt = None,
    group: GroupOpt = None,
    channels: ChannelsOpt = None,
    nan: NanOpt = None,
    label_rule: LabelRuleOpt = None,
    normalise: NormaliseOpt = None,
    seed: Annotated[int, typer.Option(help="Seed of the split.")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Write one row per window to this CSV (must not exist).")
    ] = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Load data, cut windows and split them leak-free; show what went where."""
    from tszoo.data.pipeline import SPLIT_MODES, prepare_splits
    from tszoo.io import write_csv_new

    def work():
        from tszoo.config import resolve_data

        options = _data_options(
            data, test, window, stride, split, label, time, group, channels, nan, label_rule,
            normalise,
        )  # fmt: skip
        if out is not None and out.exists():
            raise TszooError(f"{out} already exists; choose a new --out file")
        splits = prepare_splits(**resolve_data(None, options).to_options(), seed=seed)
        if out is not None:
            write_csv_new(splits.windows_table(), out)
        return splits

    splits = _run(work, quiet=quiet, debug=debug)
    summary = splits.summary()
    unit = "windows" if splits.window else "cases"
    how = SPLIT_MODES[splits.mode]
    console.print(f"[bold]{escape(splits.name)}[/]: {unit} per class and split ({how})")
    table = Table()
    table.add_column("class")
    for col in summary.columns:
        table.add_column(col, justify="right")
    for cls, row in summary.iterrows():
        table.add_row(str(cls), *(str(v) for v in row))
    table.add_row("[bold]total", *(f"[bold]{v}" for v in summary.sum()))
    console.print(table)
    if out is not None:
        console.print(f"wrote {out}")


@app.command()
def train(
    model: Annotated[str, typer.Argument(help="Registered model name (see `tszoo models`).")],
    data: DataOpt = None,
    test: TestOpt = None,
    window: WindowOpt = None,
    stride: StrideOpt = None,
    split: SplitOpt = None,
    label: LabelOpt = None,
    time: TimeOpt = None,
    group: GroupOpt = None,
    channels: ChannelsOpt = None,
    nan: NanOpt = None,
    label_rule: LabelRuleOpt = None,
    normalise: NormaliseOpt = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed of the split and the model [default: 0].")
    ] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    out: RunOutOpt = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Fit one model, score it on the test split and save it with its run."""
    from tszoo.evaluation.compare import run_train
    from tszoo.report import build_report

    def work():
        options = _data_options(
            data, test, window, stride, split, label, time, group, channels, nan, label_rule,
            normalise,
        )  # fmt: skip
        experiment = _experiment("train", options, config, set_, models=[model])
        if seed is not None or len(experiment.seeds) > 1:
            experiment.seeds = [seed if seed is not None else experiment.seeds[0]]
        return _with_report(lambda: run_train(experiment, out, _progress(quiet)), build_report)

    _show_outcome(_run(work, quiet=quiet, debug=debug))


@app.command()
def compare(
    data: DataOpt = None,
    test: TestOpt = None,
    window: WindowOpt = None,
    stride: StrideOpt = None,
    split: SplitOpt = None,
    label: LabelOpt = None,
    time: TimeOpt = None,
    group: GroupOpt = None,
    channels: ChannelsOpt = None,
    nan: NanOpt = None,
    label_rule: LabelRuleOpt = None,
    normalise: NormaliseOpt = None,
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
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Fit several models over several seeds on leak-free splits; tabulate test scores."""
    from tszoo.evaluation.compare import resume_run, run_compare
    from tszoo.report import build_report

    def work():
        options = _data_options(
            data, test, window, stride, split, label, time, group, channels, nan, label_rule,
            normalise,
        )  # fmt: skip
        if resume is not None:
            flags = {"source": "data", "label_rule": "label-rule"}
            given = [flags.get(k, k) for k, v in options.items() if v is not None]
            given += [k for k, v in {"models": models, "seeds": seeds, "config": config,
                                     "set": set_, "out": out}.items() if v]  # fmt: skip
            if given:
                raise TszooError(
                    f"--resume takes everything from the run's config.yaml; drop --{given[0]}"
                )
            return _with_report(lambda: resume_run(resume, _progress(quiet), workers), build_report)
        experiment = _experiment(
            "compare",
            options,
            config,
            set_,
            models=_parse_list(models),
            seeds=_parse_seeds(seeds) if seeds is not None else None,
        )
        return _with_report(
            lambda: run_compare(experiment, out, _progress(quiet), workers), build_report
        )

    _show_outcome(_run(work, quiet=quiet, debug=debug))


@app.command()
def predict(
    model: Annotated[str, typer.Argument(help="A model directory, or a `tszoo train` run.")],
    data: Annotated[str, typer.Option(help="CSV/Parquet recording (or .ts) to predict.")],
    stride: Annotated[
        int | None, typer.Option(help="Rows between windows; default the model's.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="New CSV file; default: CSV on stdout.")] = None,
    time: TimeOpt = None,
    group: GroupOpt = None,
    nan: NanOpt = "error",
    chunk_rows: Annotated[
        int | None,
        typer.Option(
            help="Rows read at a time from CSV/Parquet (default 250,000); 0: all at once.",
            show_default=False,
        ),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            help="Windows predicted at a time (default 4096; 256 for multirocket_hydra).",
            show_default=False,
        ),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            help="Threads for the forest and the Rocket models (-1: every core); default the "
            "model's own. The forest's probabilities may then differ in their last digits.",
            show_default=False,
        ),
    ] = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Predict every window of a recording with a saved model; one row per window.

    The file is read a chunk of rows at a time and the rows are written as they are
    predicted, so memory does not grow with the file.
    """
    from tszoo.data.streaming import DEFAULT_CHUNK_ROWS
    from tszoo.inference import predict_stream

    def work():
        _check_choice("--nan", nan, NAN_CHOICES)
        return predict_stream(
            model,
            data,
            out=out,
            stride=stride,
            time=time,
            group=group,
            nan=nan,
            batch_size=batch_size,
            chunk_rows=DEFAULT_CHUNK_ROWS if chunk_rows is None else chunk_rows,
            jobs=jobs,
        )

    n_windows = _run(work, quiet=quiet, debug=debug)
    if out is not None:
        console.print(f"wrote {n_windows} predicted windows to {out}")


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run directory written by train or compare.")],
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Redraw a run's report.html and plots/ from its saved results (no retraining)."""
    from tszoo.report import build_report

    path = _run(lambda: build_report(run_dir), quiet=quiet, debug=debug)
    console.print(f"report: {path}")


@app.command()
def benchmark(
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
    window: WindowOpt = None,
    stride: StrideOpt = None,
    split: SplitOpt = None,
    label: LabelOpt = None,
    time: TimeOpt = None,
    group: GroupOpt = None,
    channels: ChannelsOpt = None,
    nan: NanOpt = None,
    label_rule: LabelRuleOpt = None,
    normalise: NormaliseOpt = None,
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
        options = _data_options(
            None, None, window, stride, split, label, time, group, channels, nan, label_rule,
            normalise,
        )  # fmt: skip
        where = {
            "workers": workers,
            "scheduler": scheduler,
            "progress": _progress(quiet),
        }
        if resume is not None:
            given = [k.replace("_", "-") for k, v in options.items() if v is not None]
            named = {"datasets": datasets, "models": models, "seeds": seeds, "config": config}
            given += [k for k, v in {**named, "set": set_, "out": out}.items() if v]
            if given:
                raise TszooError(
                    f"--resume takes the grid from the run's config.yaml; drop --{given[0]}"
                )
            return _with_report(lambda: resume_benchmark(resume, **where), build_benchmark_report)
        # built-in defaults < --config < command-line options < --set
        file = read_grid_file(config) if config is not None else {}
        chosen = _parse_list(models) or file.get("models") or model_names()
        params = {m: p for m, p in (file.get("params") or {}).items() if m in chosen}
        for model, values in parse_sets(set_).items():
            params[model] = {**params.get(model, {}), **values}
        data = {**(file.get("data") or {}), **{k: v for k, v in options.items() if v is not None}}
        grid = (
            _parse_list(datasets) or file.get("datasets") or [],
            chosen,
            _parse_seeds(seeds) if seeds is not None else file.get("seeds") or [0],
        )
        run = partial(run_benchmark, *grid, params=params, data=data, out=out)
        return _with_report(lambda: run(**where), build_benchmark_report)

    outcome, report_path = _run(work, quiet=quiet, debug=debug)
    table = Table(title=f"Test {RANK_METRIC}, mean over seeds")
    table.add_column("dataset")
    for model in outcome.means.columns:
        table.add_column(escape(str(model)), justify="right")
    for dataset, row in outcome.means.iterrows():
        table.add_row(escape(str(dataset)), *("" if v != v else f"{v:.3f}" for v in row))
    ranks = dict(zip(outcome.ranks["model"], outcome.ranks["mean_rank"]))
    table.add_row("[bold]mean rank", *(f"[bold]{ranks[m]:.2f}" for m in outcome.means.columns))
    console.print(table)
    console.print(f"cells run now: {len(outcome.cells_run)}")
    console.print(f"run directory: {outcome.run_dir}")
    console.print(f"report: {report_path}")


def main() -> None:
    """Console-script entry point."""
    app(prog_name="tszoo")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
