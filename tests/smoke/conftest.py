"""Fixtures for the tests that run the CLI in this process."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture(autouse=True)
def _restore_root_logger():
    """The CLI reconfigures the root logger (level, a rich handler); undo that after each
    test so other tests see logging as they left it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
