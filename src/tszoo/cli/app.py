"""The ``tszoo`` Typer app and what every command shares: errors, logging, progress.

User errors print one line and exit 2; internal errors exit 1; an interrupted run exits 130;
``--debug`` shows tracebacks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

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


def setup_logging(quiet: bool, debug: bool) -> None:
    level = logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(
        level=level,
        format="%(message)s",
        handlers=[RichHandler(console=err_console, show_path=False, show_time=False)],
        force=True,
    )


def run(fn: Callable[[], T], *, quiet: bool, debug: bool) -> T:
    """Call ``fn``, turning errors into one line on stderr and an exit code."""
    setup_logging(quiet, debug)
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


def progress(quiet: bool):
    from tszoo.evaluation.progress import Progress, RichProgress

    return Progress() if quiet else RichProgress(err_console)
