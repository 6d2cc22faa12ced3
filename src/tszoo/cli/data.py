"""Commands about data and saved models: ``datasets``, ``models``, ``prepare``, ``predict``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from tszoo.cli.app import app, console, run
from tszoo.cli.options import (
    DataOptions,
    Debug,
    GroupOpt,
    NanOpt,
    Quiet,
    TimeOpt,
    check_choice,
    choices,
    data_options,
)
from tszoo.errors import TszooError


@app.command()
def datasets(quiet: Quiet = False, debug: Debug = False) -> None:
    """List the bundled datasets with their cases, channels, lengths and classes."""
    from tszoo.data.catalogue import describe_bundled

    rows = run(describe_bundled, quiet=quiet, debug=debug)
    table = Table(title="Bundled datasets (train/test splits as published)")
    columns = ("name", "train", "test", "channels", "length", "classes")
    for col in columns:
        table.add_column(col, justify="left" if col == "name" else "right")
    for r in rows:
        table.add_row(*(str(r[col]) for col in columns))
    console.print(table)


@app.command()
def models(quiet: Quiet = False, debug: Debug = False) -> None:
    """List the registered models with their tags and the package each comes from."""
    from tszoo.models.registry import model_names, model_package, model_tags

    rows = run(
        lambda: [(n, model_tags(n), model_package(n)) for n in model_names()],
        quiet=quiet,
        debug=debug,
    )
    table = Table(title="Models")
    table.add_column("name")
    table.add_column("tags")
    table.add_column("package")  # "tszoo", or the plugin's distribution
    for name, tags, package in rows:
        flags = ", ".join(k.replace("_", "-") for k, v in tags.items() if v)
        table.add_row(name, flags, package)
    console.print(table)


@app.command()
@data_options()
def prepare(
    options: DataOptions,
    seed: Annotated[int, typer.Option(help="Seed of the split.")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Write one row per window to this CSV (must not exist).")
    ] = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Load data, cut windows and split them leak-free; show what went where."""
    import pandas as pd

    from tszoo.data.pipeline import SPLIT_MODES, prepare_folds, prepare_splits
    from tszoo.io import write_csv_new

    def work():
        from tszoo.config import resolve_data

        given = options.to_config()
        if given["source"] is None:
            raise TszooError("--data: give a CSV/Parquet/.ts file or a bundled dataset name")
        if out is not None and out.exists():
            raise TszooError(f"{out} already exists; choose a new --out file")
        data = resolve_data(None, given).to_options()
        if data["cv"] is None:
            folds = [prepare_splits(**data, seed=seed)]
        else:
            folds = prepare_folds(**data, seed=seed)
        if out is not None:
            write_csv_new(pd.concat([f.windows_table() for f in folds], ignore_index=True), out)
        return folds

    folds = run(work, quiet=quiet, debug=debug)
    splits = folds[0]
    unit = "windows" if splits.window else "cases"
    how = SPLIT_MODES[splits.mode]
    if splits.fold is None:
        console.print(f"[bold]{escape(splits.name)}[/]: {unit} per class and split ({how})")
        _print_counts("class", splits.summary())
    else:
        console.print(
            f"[bold]{escape(splits.name)}[/]: {len(folds)} folds, {unit} per split ({how})"
        )
        counts = pd.DataFrame(
            [f.summary().sum() for f in folds], index=[f.fold_name for f in folds]
        )
        _print_counts("fold tests", counts)
    if out is not None:
        console.print(f"wrote {out}")


def _print_counts(first: str, counts) -> None:
    table = Table()
    table.add_column(first)
    for col in counts.columns:
        table.add_column(col, justify="right")
    for name, row in counts.iterrows():
        table.add_row(escape(str(name)), *(str(v) for v in row))
    if first == "class":
        table.add_row("[bold]total", *(f"[bold]{v}" for v in counts.sum()))
    console.print(table)


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
    nan: NanOpt = None,
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
    from tszoo.config import DataConfig
    from tszoo.data.streaming import DEFAULT_CHUNK_ROWS
    from tszoo.inference import predict_stream

    def work():
        check_choice("--nan", nan, choices("nan"))
        return predict_stream(
            model,
            data,
            out=out,
            stride=stride,
            time=time,
            group=group,
            nan=nan or DataConfig().nan,
            batch_size=batch_size,
            chunk_rows=DEFAULT_CHUNK_ROWS if chunk_rows is None else chunk_rows,
            jobs=jobs,
        )

    n_windows = run(work, quiet=quiet, debug=debug)
    if out is not None:
        console.print(f"wrote {n_windows} predicted windows to {out}")
