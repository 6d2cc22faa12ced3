"""What a benchmark ran on, as one line of its report: the machine, the code and the versions.

The git revision says which code was measured; "uncommitted changes in src/" marks a run of
code that no commit holds (changes to docs or results do not count).
"""

from __future__ import annotations

import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("tszoo", "torch", "aeon", "scikit-learn", "numpy")


def describe(packages: tuple[str, ...] = PACKAGES, *, device: str | None = None) -> str:
    """``"Linux-…, 2 CPUs, 24 GiB RAM, torch threads 1; Python 3.12.3, tszoo 0.4.0 (git
    abc1234), torch …"``; ``device`` (e.g. ``"cpu"``) is named when given."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    where = [platform.platform(), f"{os.cpu_count()} CPUs", f"{memory:.0f} GiB RAM"]
    if "torch" in packages:
        import torch

        where.append(f"torch threads {torch.get_num_threads()}")
    if device is not None:
        where.append(f"device {device}")
    versions = [f"{name} {_version(name)}" for name in packages]
    if "tszoo" in packages:
        versions[packages.index("tszoo")] += f" ({_revision()})"
    return f"{', '.join(where)}; Python {platform.python_version()}, {', '.join(versions)}"


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _revision() -> str:
    def git(*args: str) -> str:
        run = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return run.stdout.strip() if run.returncode == 0 else ""

    rev = git("rev-parse", "--short", "HEAD")
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "src")
    return f"git {rev or '?'}" + (", uncommitted changes in src/" if dirty else "")
