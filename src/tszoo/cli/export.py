"""The ``export`` command: a saved model as an ONNX graph and its JSON sidecar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tszoo.cli.app import app, console, run
from tszoo.cli.options import Debug, Quiet


@app.command()
def export(
    model: Annotated[str, typer.Argument(help="A model directory, or a `tszoo train` run.")],
    out: Annotated[Path, typer.Option(help="New .onnx file; the sidecar goes beside it (.json).")],
    format_: Annotated[str, typer.Option("--format", help="Export format: onnx.")] = "onnx",
    quiet: Quiet = False,
    debug: Debug = False,
) -> None:
    """Export a saved model: one graph from raw windows (n, channels, window), float32, to
    class probabilities, normalisation included; a JSON sidecar names the classes and
    channels. Deep models, random_forest and svm export; the Rocket models and quant do not.
    """
    from tszoo.export import export_model, sidecar_path

    path = run(lambda: export_model(model, out, fmt=format_), quiet=quiet, debug=debug)
    console.print(f"wrote {path} and {sidecar_path(path)}")
