"""The ``tszoo`` command line. Each command parses options and calls a plain function.

User errors print one line and exit 2; internal errors exit 1; ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.table import Table

from tszoo.errors import TszooError

app = typer.Typer(
    help="Leak-free classification of multichannel time series.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)
T = TypeVar("T")

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print results only, no progress.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")]


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
    data: Annotated[str, typer.Option(help="CSV/Parquet/.ts file, or a bundled dataset name.")],
    test: Annotated[str | None, typer.Option(help="Separate test file (.ts).")] = None,
    window: Annotated[int, typer.Option(help="Rows per window.")] = 50,
    stride: Annotated[int, typer.Option(help="Rows between window starts.")] = 10,
    split: Annotated[str, typer.Option(help="Train,val,test fractions.")] = "0.8,0.1,0.1",
    label: Annotated[str | None, typer.Option(help="Label column.")] = None,
    time: Annotated[str | None, typer.Option(help="Time column.")] = None,
    group: Annotated[str | None, typer.Option(help="Recording id column.")] = None,
    channels: Annotated[str | None, typer.Option(help="Channel columns, comma-separated.")] = None,
    nan: Annotated[str, typer.Option(help="Missing values: error, drop or interpolate.")] = "error",
    label_rule: Annotated[
        str, typer.Option(help="Windows with mixed labels: drop, last or majority.")
    ] = "drop",
    normalise: Annotated[str, typer.Option(help="zscore, window or none.")] = "zscore",
    seed: Annotated[int, typer.Option(help="Seed of the split.")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Write one row per window to this CSV (must not exist).")
    ] = None,
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Load data, cut windows and split them leak-free; show what went where."""
    from tszoo.data.pipeline import prepare_splits
    from tszoo.io import write_csv_new

    def work():
        for name, value, allowed in (
            ("--nan", nan, ("error", "drop", "interpolate")),
            ("--label-rule", label_rule, ("drop", "last", "majority")),
            ("--normalise", normalise, ("zscore", "window", "none")),
        ):
            if value not in allowed:
                raise TszooError(f"{name} {value!r}: use one of {', '.join(allowed)}")
        if out is not None and out.exists():
            raise TszooError(f"{out} already exists; choose a new --out file")
        splits = prepare_splits(
            data,
            test=test,
            label=label,
            time=time,
            channels=_parse_list(channels),
            group=group,
            nan=nan,
            window=window,
            stride=stride,
            fractions=_parse_fractions(split),
            seed=seed,
            label_rule=label_rule,
            normalise=normalise,
        )
        if out is not None:
            write_csv_new(splits.windows_table(), out)
        return splits

    splits = _run(work, quiet=quiet, debug=debug)
    summary = splits.summary()
    unit = "windows" if splits.window else "cases"
    how = {
        "recordings": "whole recordings dealt to the splits",
        "blocks": "blocks of each recording dealt to the splits; no raw row in two splits",
        "given": "the dataset's own test split; validation carved from train",
        "cases": "cases dealt to the splits, stratified",
    }[splits.mode]
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


def main() -> None:
    """Console-script entry point."""
    app(prog_name="tszoo")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
