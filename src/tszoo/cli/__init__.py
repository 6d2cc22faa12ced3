"""The ``tszoo`` command line. Each command parses options and calls a plain function.

``app`` holds what every command shares; ``data``, ``runs`` and ``export`` hold the commands.
"""

from tszoo.cli import data, export, runs  # noqa: F401  (each registers its commands on the app)
from tszoo.cli.app import app
from tszoo.memory import map_large_blocks


def main() -> None:
    """Console-script entry point: the process is tszoo's, so its allocator is too."""
    map_large_blocks()
    app(prog_name="tszoo")


__all__ = ["app", "main"]
