"""``manifest.json``: a run's status, its cells, where it ran and with what."""

from __future__ import annotations

import json
import sys
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tszoo.errors import TszooError
from tszoo.io import write_atomic
from tszoo.runs.files import (
    device,
    git_revision,
    machine,
    package_versions,
    torch_threads,
    utc_now,
)
from tszoo.runs.layout import RunLayout

Status = Literal["running", "complete", "interrupted", "failed"]


class FailedCell(BaseModel):
    cell: str
    error: str


class Manifest(BaseModel):
    """What ``manifest.json`` holds. Unknown keys (from other tszoo versions) are kept."""

    model_config = ConfigDict(extra="allow", validate_assignment=True)

    status: Status = "running"
    started_utc: str = Field(default_factory=utc_now)
    ended_utc: str | None = None
    resumed_utc: list[str] = Field(default_factory=list)
    command_line: list[str] = Field(default_factory=lambda: list(sys.argv))
    seeds: list[int] = Field(default_factory=list)
    datasets: dict[str, str] = Field(default_factory=dict)  # name in results.csv -> source
    models: list[str] = Field(default_factory=list)
    cells_total: int | None = None
    cells_done: int = 0
    failed_cells: list[FailedCell] = Field(default_factory=list)
    # an ensemble's cell -> the member cells whose fitted models it took (not refitted)
    reused_members: dict[str, list[str]] = Field(default_factory=dict)
    error: str | None = None
    split_mode: str | None = None
    folds: dict[str, list[str]] = Field(default_factory=dict)  # dataset -> what each fold tests
    mlflow: dict[str, Any] | None = None  # tracking: uri, parent run id, cells not logged
    executor: dict[str, Any] = Field(default_factory=dict)
    device: str = Field(default_factory=device)
    machine: dict[str, Any] = Field(default_factory=machine)
    git_revision: str | None = Field(default_factory=git_revision)
    versions: dict[str, str | None] = Field(default_factory=package_versions)

    @classmethod
    def read(cls, layout: RunLayout) -> Manifest:
        path = layout.manifest
        try:
            return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, ValidationError) as exc:
            reason = str(exc).splitlines()[0]
            raise TszooError(
                f"cannot read {path} ({reason}); is {layout.root} a tszoo run?"
            ) from None

    def fold_ids(self, dataset: str) -> list[int | None]:
        """The folds of ``dataset``'s cells: ``0..k-1`` under cross-validation, else
        ``[None]``."""
        return list(range(len(self.folds[dataset]))) if dataset in self.folds else [None]

    def write(self, layout: RunLayout) -> None:
        write_atomic(layout.manifest, self.model_dump_json(indent=2) + "\n")

    def finish(self, status: Status, **changes: Any) -> None:
        """Mark the run ``status`` now, with any other ``changes``; ``device`` and the torch
        threads as they are now that the run's networks (if any) have loaded torch."""
        threads = torch_threads()
        if threads is not None:
            self.device = device()
            self.machine = {**self.machine, "torch_threads": threads}
        for key, value in {"status": status, "ended_utc": utc_now(), **changes}.items():
            setattr(self, key, value)
