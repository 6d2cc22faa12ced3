"""Files the loading tests write: tables of recordings and small .ts files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    """Write ``content`` (text as UTF-8, or raw bytes) to ``tmp_path / name``."""
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def recordings_csv(
    tmp_path: Path, lengths: list[int], labels: list[int], name: str = "recs.csv"
) -> Path:
    """A CSV of recordings whose time restarts at 0, one label per recording."""
    rng = np.random.default_rng(0)
    frames = [
        pd.DataFrame(
            {
                "time": np.arange(n) * 0.01,
                "a": rng.normal(size=n),
                "b": rng.normal(size=n),
                "label": label,
            }
        )
        for n, label in zip(lengths, labels)
    ]
    path = tmp_path / name
    pd.concat(frames).to_csv(path, index=False)
    return path


# Three recordings: time goes back at rows 3 and 5.
THREE_RECORDINGS = """{time},Feature1,Feature2,{label}
0,1.0,10,0
1,2.0,20,0
2,3.0,30,0
0,4.0,40,1
1,5.0,50,1
0,6.0,60,0
1,7.0,70,0
2,8.0,80,0
3,9.0,90,0
"""

TS_HEADER = """@problemName Toy
@timeStamps false
@missing false
@univariate true
@equalLength true
@seriesLength 4
@classLabel true a b
@data
"""
TS_EQUAL = TS_HEADER + "1,2,3,4:a\n4,3,2,1:b\n1,1,2,2:a\n2,2,1,1:b\n"
TS_EQUAL_TEST = TS_HEADER + "0,1,2,3:a\n3,2,1,0:b\n"

TS_UNEQUAL_HEADER = """@problemName Toy2
@timeStamps false
@missing false
@univariate false
@dimensions 2
@equalLength false
@classLabel true a b
@data
"""
TS_UNEQUAL = TS_UNEQUAL_HEADER + "1,2,3,4:5,6,7,8:a\n4,3,2:1,1,1:b\n1,1:2,2:a\n"
TS_UNEQUAL_TEST = TS_UNEQUAL_HEADER + "1,2,3,4,5:5,6,7,8,9:b\n1,2:3,4:a\n"
