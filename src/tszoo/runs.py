"""Run directories: where one ``train`` or ``compare`` run keeps everything it wrote.

A run directory is new or empty when the run starts, so an earlier run is never touched.
Every file is written atomically (``tszoo.io.write_atomic``); ``results.csv`` is rewritten
after each finished cell, so an interrupted run keeps what it finished.
"""

from __future__ import annotations

import html
import importlib.metadata
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

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
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def write_config(run_dir: Path, config: dict[str, Any]) -> None:
    write_atomic(run_dir / "config.yaml", yaml.safe_dump(config, sort_keys=False))


def write_manifest(
    run_dir: Path, *, seeds: list[int], started: str, status: str, ended: str | None = None
) -> None:
    manifest = {
        "status": status,
        "started_utc": started,
        "ended_utc": ended,
        "command_line": list(sys.argv),
        "seeds": seeds,
        "device": device(),
        "git_revision": git_revision(),
        "versions": package_versions(),
    }
    write_atomic(run_dir / "manifest.json", json.dumps(manifest, indent=2) + "\n")


def write_table(path: Path, table: pd.DataFrame) -> None:
    write_atomic(path, table.to_csv(index=False))


def write_report(run_dir: Path, title: str, summary: dict[str, Any], results: pd.DataFrame) -> Path:
    """A self-contained ``report.html``: a title, the run summary and the results table."""
    items = "\n".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in summary.items()
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
th,td{{border:1px solid #ccc;padding:4px 8px;text-align:right}}th{{background:#f4f4f4}}</style>
</head><body>
<h1>{html.escape(title)}</h1>
<h2>Run</h2>
<table>{items}</table>
<h2>Results (test split)</h2>
{results.to_html(index=False, float_format=lambda v: f"{v:.4f}", na_rep="")}
</body></html>
"""
    return write_atomic(run_dir / "report.html", page)
