"""The run at a glance: the report's title, a warning for unfinished runs, and the facts
table (data, windows, split, models, seeds, times, machine, versions)."""

from __future__ import annotations

import shlex

from tszoo.report.page import note
from tszoo.report.rundata import RunData


def run_title(run: RunData) -> str:
    return f"tszoo {run.config.get('command', 'run')}: {_dataset(run)}"


def _dataset(run: RunData) -> str:
    if "dataset" in run.results and len(run.results):
        return str(run.results["dataset"].iloc[0])
    return str((run.config.get("data") or {}).get("source", "unknown data"))


def status_note(run: RunData) -> str:
    """A warning above everything else when the run did not finish."""
    manifest = run.manifest
    status = manifest.get("status", "")
    if status in ("", "complete"):
        return ""
    done, total = manifest.get("cells_done"), manifest.get("cells_total")
    cells = f" ({done} of {total} cells)" if done is not None and total else ""
    error = f" Error: {manifest['error']}." if manifest.get("error") else ""
    return note(
        f"This run is {status}: the tables and figures hold only the cells it finished"
        f"{cells}.{error}",
        kind="warning",
    )


def run_facts(run: RunData) -> list[tuple[str, str]]:
    data, manifest = run.config.get("data") or {}, run.manifest
    versions = manifest.get("versions") or {}
    first = run.results.iloc[0] if len(run.results) else {}
    sizes = [str(first.get(f"n_{s}", "")) for s in ("train", "val", "test")]
    unit = "cases" if run.window is None else "windows"
    return [
        ("dataset", _dataset(run)),
        ("source", str(data.get("source") or "")),
        ("command", str(run.config.get("command", ""))),
        ("command line", shlex.join(map(str, manifest.get("command_line") or []))),
        ("windows", _windowing(run)),
        ("split", _split(data, manifest)),
        (f"{unit} train / val / test", " / ".join(sizes) + " (first seed)" if all(sizes) else ""),
        ("models", ", ".join(run.models)),
        ("seeds", ", ".join(map(str, run.seeds))),
        ("status", str(manifest.get("status", "unknown (no manifest.json)"))),
        ("started (UTC)", str(manifest.get("started_utc") or "")),
        ("ended (UTC)", str(manifest.get("ended_utc") or "")),
        ("resumed (UTC)", ", ".join(map(str, manifest.get("resumed_utc") or []))),
        ("device", str(manifest.get("device") or "")),
        ("machine", _machine(manifest.get("machine") or {})),
        ("packages", ", ".join(f"{k} {v}" for k, v in versions.items() if v)),
        ("git revision", str(manifest.get("git_revision") or "")),
        ("run directory", str(run.run_dir)),
    ]


def _windowing(run: RunData) -> str:
    if run.window is None:
        return "whole cases"
    return f"window {run.window} rows, stride {run.stride} rows"


def _split(data: dict, manifest: dict) -> str:
    """``train 0.8 / val 0.1 / test 0.1``, and the split mode where the run recorded it."""
    fractions = data.get("split")
    text = ""
    if fractions and len(fractions) == 3:
        text = " / ".join(f"{name} {f:g}" for name, f in zip(("train", "val", "test"), fractions))
    mode = manifest.get("split_mode")
    if mode and str(mode).startswith("given"):  # the fractions did not make this split
        return str(mode)
    return f"{text}, {mode}" if text and mode else text or str(mode or "")


def _machine(machine: dict) -> str:
    """``Linux-6.1-x86_64, Python 3.11.9, 16 CPUs``, then any other recorded fact."""
    known = {
        "platform": "{}",
        "python": "Python {}",
        "cpu_count": "{} CPUs",
        "torch_threads": "{} torch threads",
    }
    parts = [known[k].format(machine[k]) for k in known if machine.get(k) is not None]
    extra = [f"{k} {v}" for k, v in machine.items() if k not in known and v is not None]
    return ", ".join(parts + extra)
