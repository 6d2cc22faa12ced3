"""Writing results without ever losing or overwriting earlier ones."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pandas as pd

from tszoo.errors import TszooError


def write_atomic(path: str | Path, text: str | bytes, *, overwrite: bool = True) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename.

    A reader sees the old file or the new one, never half of one. With
    ``overwrite=False`` an existing file is an error and is left untouched.
    """
    path = Path(path)
    if not overwrite and path.exists():
        raise TszooError(f"{path} already exists; choose another path")
    with atomic_file(path, overwrite=overwrite, binary=True) as f:
        f.write(text.encode() if isinstance(text, str) else text)
    return path


@contextmanager
def atomic_file(
    path: str | Path,
    *,
    overwrite: bool = True,
    binary: bool = False,
    exists_hint: str = "choose another path",
) -> Iterator[IO]:
    """A file to write ``path`` through, a piece at a time; it appears whole when the block
    ends, or not at all if the block raises.

    It is a temporary file beside ``path``, synced, then renamed over ``path`` or, without
    ``overwrite``, hard-linked to it, which fails rather than replace a file that appeared
    meanwhile (a one-line error ending in ``exists_hint``).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; others may read results
        mode = {"mode": "wb"} if binary else {"mode": "w", "encoding": "utf-8", "newline": ""}
        with os.fdopen(fd, **mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if path appeared meanwhile: never clobbers
            except FileExistsError:
                raise TszooError(f"{path} already exists; {exists_hint}") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_csv_new(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table to a CSV file that must not exist yet."""
    try:
        return write_atomic(path, df.to_csv(index=False), overwrite=False)
    except FileExistsError:
        raise TszooError(f"{path} already exists; choose another path") from None
