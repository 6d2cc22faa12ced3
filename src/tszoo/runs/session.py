"""A run in progress: its status in the manifest, its signals, and how to resume it."""

from __future__ import annotations

import signal
import threading
from types import TracebackType

import pandas as pd

from tszoo.errors import RunInterrupted, TszooError
from tszoo.runs.layout import RunLayout
from tszoo.runs.manifest import Manifest


class RunSession:
    """Context for the cells of one run (or one resumption of it).

    On entry the manifest says ``running`` and SIGTERM acts like Ctrl-C, so both stop the
    run between two writes. On exit it says ``complete`` (``failed`` if any cell failed),
    ``interrupted`` (raised as :class:`RunInterrupted`, naming the command that resumes it)
    or ``failed`` with the error. Finished cells stay on disk in every case.
    """

    def __init__(self, layout: RunLayout, manifest: Manifest, command: str) -> None:
        self.layout, self.manifest, self.command = layout, manifest, command
        self._previous = None

    @property
    def resume_hint(self) -> str:
        return f"tszoo {self.command} --resume {self.layout.root}"

    def save(self) -> None:
        self.manifest.write(self.layout)

    def __enter__(self) -> RunSession:
        self.manifest.status, self.manifest.ended_utc, self.manifest.error = "running", None, None
        self.save()
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, _interrupt)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGTERM, self._previous)
        m = self.manifest
        if exc is None:
            m.finish("failed" if m.failed_cells else "complete")
            self.save()
            return
        # the signal may have come between a cell's results row and the manifest
        m.cells_done = _rows(self.layout.results)
        if isinstance(exc, KeyboardInterrupt):
            m.finish("interrupted")
            self.save()
            raise RunInterrupted(
                f"interrupted after {m.cells_done} of {m.cells_total} cells; finished cells "
                f"are in {self.layout.root}; finish with: {self.resume_hint}"
            ) from None
        m.finish("failed", error=str(exc))
        self.save()
        if isinstance(exc, TszooError) and not isinstance(exc, RunInterrupted):
            raise TszooError(
                f"{exc}; the {m.cells_done} finished cells are in {self.layout.root}; "
                f"run the rest with: {self.resume_hint}"
            ) from None


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _rows(path) -> int:
    return len(pd.read_csv(path)) if path.exists() else 0
