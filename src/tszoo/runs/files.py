"""Run directories: creating one, writing into it atomically, and the facts of this machine.

A run directory is new or empty when the run starts, so an earlier run is never touched.
Every file is written atomically (``tszoo.io.write_atomic``); ``results.csv`` is rewritten
after each finished cell, so an interrupted run keeps what it finished.
"""

from __future__ import annotations

import importlib.metadata
import io
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tszoo.errors import TszooError
from tszoo.io import write_atomic

PACKAGES = ("tszoo", "numpy", "pandas", "scikit-learn", "aeon", "torch")


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_run_dir(out: str | Path | None) -> None:
    """Fail before any work if ``out`` already holds files."""
    if out is not None:
        out = Path(out)
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise TszooError(f"{out} already holds a run; choose a new --out")


def create_run_dir(command: str, out: str | Path | None = None, root: str | Path = "runs") -> Path:
    """Make the run directory: ``out`` (new or empty) or ``root/<UTC time>-<command>``."""
    if out is not None:
        check_run_dir(out)
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        return out
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    base = Path(root) / f"{stamp}-{command}"
    for i in range(1000):
        path = base if i == 0 else base.with_name(f"{base.name}-{i}")
        try:
            path.mkdir(parents=True)
            return path
        except FileExistsError:
            continue
    raise TszooError(f"could not find a free run directory next to {base}; clean up {root}")


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_revision() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            cwd=Path(__file__).parent,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return (done.stdout.strip() or None) if done.returncode == 0 else None


def device() -> str:
    """Where the run's networks compute: "cuda" or "cpu". Asked of torch only once the run
    has loaded it (a network did), so a run of models that are not networks never imports
    torch for this (about 180 MB); such a run computes on the CPU. ``Manifest.finish``
    asks again."""
    torch = sys.modules.get("torch")
    return "cuda" if torch is not None and torch.cuda.is_available() else "cpu"


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "torch_threads": torch_threads(),
    }


def torch_threads() -> int | None:
    """Torch's CPU threads in this process, or None where the run has not loaded torch."""
    torch = sys.modules.get("torch")
    return None if torch is None else torch.get_num_threads()


def write_npz(path: Path, **arrays: np.ndarray) -> Path:
    """Arrays as an ``.npz`` file (no pickled objects: read it with ``allow_pickle=False``)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return write_atomic(path, buffer.getvalue())


def write_table(path: Path, table: pd.DataFrame) -> None:
    write_atomic(path, table.to_csv(index=False))
