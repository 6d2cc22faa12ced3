"""Load any source: a bundled dataset by name, a UCR/UEA ``.ts`` file, or a CSV/Parquet table.

The readers live along the seams of the formats: :mod:`~tszoo.data.containers` (what comes
out), :mod:`~tszoo.data.table_files`, :mod:`~tszoo.data.reader` and :mod:`~tszoo.data.tables`
(CSV and Parquet), :mod:`~tszoo.data.ts` (``.ts``) and :mod:`~tszoo.data.catalogue` (the bundled
datasets).
"""

from __future__ import annotations

import logging
from pathlib import Path

from tszoo.data.catalogue import load_bundled
from tszoo.data.containers import CaseDataset, NanPolicy, Recordings
from tszoo.data.table_files import TABLE_SUFFIXES
from tszoo.data.tables import load_table
from tszoo.data.ts import load_ts
from tszoo.errors import DataError

logger = logging.getLogger(__name__)


def load_data(
    source: str | Path,
    *,
    test: str | Path | None = None,
    label: str | None = None,
    time: str | None = None,
    channels: list[str] | None = None,
    group: str | None = None,
    nan: NanPolicy = "error",
    split_by: str | None = None,
) -> Recordings | CaseDataset:
    """Load a bundled dataset by name, a ``.ts`` file, or a CSV/Parquet table."""
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix == ".ts":
        if split_by is not None:
            raise DataError(
                f"--split-by is for tables: {path.name} holds cases, each its own group; "
                "drop --split-by"
            )
        return load_ts(path, test, nan=nan)
    if suffix in TABLE_SUFFIXES or path.exists():
        if test is not None:
            raise DataError(
                "--test is for .ts files; a table is split leak-free by tszoo itself "
                "(use --split to set the fractions)"
            )
        return load_table(
            path, label=label, time=time, channels=channels, group=group, nan=nan,
            split_by=split_by,
        )  # fmt: skip
    if split_by is not None:
        raise DataError(
            f"--split-by is for tables: {path.name} comes as cases, each its own group; "
            "drop --split-by"
        )
    return load_bundled(str(source))
