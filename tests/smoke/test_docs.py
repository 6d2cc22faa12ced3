"""The documentation site builds strictly: a broken link, anchor, snippet or docstring
reference fails, and the CLI reference lists every command with its options."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytest.importorskip("mkdocs", reason="the docs extra is not installed (pip install -e '.[docs]')")
pytest.importorskip("material", reason="mkdocs-material is not installed (the docs extra)")
pytest.importorskip("mkdocstrings_handlers.python", reason="mkdocstrings[python] is not installed")


def test_docs_build_strictly_with_every_command(tmp_path: Path) -> None:
    site = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr[-4000:]

    import typer.main

    from tszoo.cli import app

    group = typer.main.get_command(app)
    cli = (site / "reference" / "cli" / "index.html").read_text()
    for name, command in group.commands.items():
        assert f"tszoo {name}" in cli, name
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--"):
                    assert opt in cli, f"{name} {opt}"
    api = (site / "reference" / "api" / "data" / "index.html").read_text()
    assert 'id="tszoo.data.prepare_splits"' in api
