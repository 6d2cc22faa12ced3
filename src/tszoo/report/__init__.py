"""The HTML report of a run directory: ``build_report(run_dir)`` redraws it from the files."""

from tszoo.report.html import build_report
from tszoo.report.rundata import RunData, load_run

__all__ = ["RunData", "build_report", "load_run"]
