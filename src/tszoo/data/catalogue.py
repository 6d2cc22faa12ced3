"""The datasets aeon ships inside its wheel: finding, loading and describing them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tszoo.data.containers import CaseDataset
from tszoo.data.ts import load_ts
from tszoo.errors import DataError, closest

# Classification datasets that aeon ships inside its wheel (no download needed).
BUNDLED_DATASETS = (
    "ACSF1",
    "ArrowHead",
    "BasicMotions",
    "GunPoint",
    "ItalyPowerDemand",
    "JapaneseVowels",
    "OSULeaf",
    "PickupGestureWiimoteZ",
)


def bundled_path(name: str) -> tuple[str, Path]:
    """Canonical name and folder of a bundled dataset, by case-insensitive name."""
    import aeon.datasets

    lookup = {n.lower(): n for n in BUNDLED_DATASETS}
    canonical = lookup.get(name.lower())
    if canonical is None:
        raise DataError(
            f"unknown dataset '{name}'{closest(name, BUNDLED_DATASETS)}; bundled datasets are "
            f"{', '.join(BUNDLED_DATASETS)}, or give a path to a .csv, .parquet or .ts file"
        )
    folder = Path(aeon.datasets.__file__).parent / "data" / canonical
    return canonical, folder


def load_bundled(name: str) -> CaseDataset:
    """Load one of aeon's bundled classification datasets with its train/test split."""
    canonical, folder = bundled_path(name)
    data = load_ts(folder / f"{canonical}_TRAIN.ts", folder / f"{canonical}_TEST.ts")
    data.name = canonical
    return data


def describe_bundled() -> list[dict]:
    """One dict per bundled dataset: name, train/test cases, channels, length, classes."""
    rows = []
    for name in BUNDLED_DATASETS:
        data = load_bundled(name)
        lengths = np.concatenate([data.train.lengths, data.test.lengths])
        lo, hi = int(lengths.min()), int(lengths.max())
        rows.append(
            {
                "name": name,
                "train": len(data.train),
                "test": len(data.test),
                "channels": len(data.train.channels),
                "length": str(lo) if lo == hi else f"{lo}-{hi}",
                "classes": len(np.unique(data.train.y)),
            }
        )
    return rows
