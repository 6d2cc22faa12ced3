"""Run directories: their layout, their manifest, and the session of a run in progress.

This package is the only place that knows how a run directory is laid out; the engine, the
report and ``predict`` read and write it through :class:`RunLayout`.
"""

from tszoo.runs.files import (
    check_run_dir,
    create_run_dir,
    utc_now,
    write_atomic,
    write_npz,
    write_table,
)
from tszoo.runs.layout import Cell, RunLayout, cell_name, cells_of, fold_value, parse_cell_name
from tszoo.runs.manifest import FailedCell, Manifest
from tszoo.runs.session import RunSession

__all__ = [
    "Cell",
    "FailedCell",
    "Manifest",
    "RunLayout",
    "RunSession",
    "cell_name",
    "cells_of",
    "check_run_dir",
    "create_run_dir",
    "fold_value",
    "parse_cell_name",
    "utc_now",
    "write_atomic",
    "write_npz",
    "write_table",
]
