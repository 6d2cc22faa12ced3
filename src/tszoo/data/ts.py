"""UCR/UEA ``.ts`` files -> :class:`~tszoo.data.containers.CaseDataset`."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from tszoo.data.columns import check_classes
from tszoo.data.containers import CaseDataset, Cases, NanPolicy
from tszoo.data.table_files import first_line
from tszoo.errors import DataError

logger = logging.getLogger(__name__)


def load_ts(
    path: str | Path, test_path: str | Path | None = None, *, nan: NanPolicy = "error"
) -> CaseDataset:
    """Load a UCR/UEA ``.ts`` file (equal or unequal length) and an optional test file."""
    path = Path(path)
    train = _read_ts(path, nan)
    test = None
    if test_path is not None:
        test = _read_ts(Path(test_path), nan)
        if test.X[0].shape[0] != train.X[0].shape[0]:
            raise DataError(
                f"{Path(test_path).name}: {test.X[0].shape[0]} channels, but the training "
                f"file {path.name} has {train.X[0].shape[0]}; pass the test file of the same "
                "dataset"
            )
    check_classes(path.name, np.unique(train.y), "class")
    return CaseDataset(name=path.stem.removesuffix("_TRAIN"), train=train, test=test)


def _read_ts(path: Path, nan: NanPolicy) -> Cases:
    from aeon.datasets import load_from_ts_file

    if not path.is_file():
        raise DataError(f"{path}: no such file; check the path")
    try:
        X, y = load_from_ts_file(str(path))
    except Exception as exc:  # aeon raises IOError/ValueError/IndexError on malformed files
        raise DataError(
            f"{path}: not a readable .ts file ({first_line(exc)}); check it follows the "
            "UCR/UEA .ts format"
        ) from exc
    if len(y) == 0:
        raise DataError(
            f"{path}: the .ts file holds no cases; check it is a UCR/UEA .ts file with "
            "cases after @data"
        )
    series = [np.asarray(x, dtype=np.float32) for x in X]
    for i, x in enumerate(series):
        if not np.isfinite(x).all():
            if nan == "error":
                raise DataError(
                    f"{path.name}: case {i} has missing or infinite values; "
                    "pass --nan interpolate or --nan drop"
                )
            if nan == "interpolate":
                series[i] = (
                    pd.DataFrame(np.where(np.isfinite(x), x, np.nan).T)
                    .interpolate(limit_direction="both")
                    .to_numpy(np.float32)
                    .T.copy()
                )
    keep = np.array([np.isfinite(x).all() for x in series])
    if not keep.all():
        logger.info("%s: dropped %d cases with missing values", path.name, int((~keep).sum()))
    series = [x for x, k in zip(series, keep) if k]
    y = np.asarray(y)[keep]
    if len(y) == 0:
        raise DataError(
            f"{path.name}: every case has missing values; fill them in or pass --nan interpolate"
        )
    lengths = {x.shape[-1] for x in series}
    Xout = np.stack(series) if len(lengths) == 1 else series
    channels = [f"dim_{i}" for i in range(series[0].shape[0])]
    return Cases(X=Xout, y=y.astype(str), channels=channels, index=np.flatnonzero(keep))
