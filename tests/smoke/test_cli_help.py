"""``tszoo --version`` and the help: each default shown as written, flags shown as flags."""

from __future__ import annotations

import importlib.metadata

import pytest
from typer.testing import CliRunner

from tszoo.cli import app


def test_version_prints_the_installed_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"tszoo {importlib.metadata.version('tszoo')}"


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        ("prepare", ["[default: 50]", "[default: 0.8,0.1,0.1]", "[default: zscore]"]),
        ("compare", ["[default: 10]", "[default: one per core, at most one per cell]"]),
        ("benchmark", ["[default: drop]", "--workers"]),
    ],
)
def test_help_shows_each_default(command, shown):
    result = CliRunner().invoke(app, [command, "--help"], terminal_width=200)
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())  # help lines wrap
    for fragment in shown:
        assert fragment in text, fragment
    assert "-q, --quiet Print" in text and "<bool>" not in text  # flags show as flags
