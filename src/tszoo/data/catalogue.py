"""What the bundled datasets hold, for ``tszoo datasets``."""

from __future__ import annotations

import numpy as np

from tszoo.data.loading import BUNDLED_DATASETS, load_bundled


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
