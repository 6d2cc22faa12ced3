"""Writing results without ever losing or overwriting earlier ones."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

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
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode() if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; others may read results
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if path appeared meanwhile: never clobbers
            os.unlink(tmp)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


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
