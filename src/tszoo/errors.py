"""Errors that tszoo raises for problems the user can fix.

The command line turns a :class:`TszooError` into a one-line message and exit code 2;
anything else is an internal error (exit code 1).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class TszooError(ValueError):
    """A problem with the user's input, data or configuration, with a hint how to fix it."""


class DataError(TszooError):
    """The data cannot be loaded, windowed or split as asked."""


class RunInterrupted(TszooError):
    """A run stopped by Ctrl-C or SIGTERM; its finished cells are on disk."""


def closest(name: str, options: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest option, or an empty string."""
    options = list(options)
    lowered = {o.lower(): o for o in options}
    match = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.5)
    return f" (did you mean '{lowered[match[0]]}'?)" if match else ""
