"""What a loaded table costs in memory: label codes and source rows in small integer types."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from tszoo.data import load_table, make_windows
from tszoo.data.tables import code_dtype, row_dtype
from tszoo.memory import release_unused_memory


@pytest.mark.parametrize(("n_classes", "dtype"), [(1, np.int8), (127, np.int8), (128, np.int16)])
def test_codes_take_the_smallest_type_of_their_classes(n_classes, dtype):
    assert code_dtype(n_classes) == dtype
    assert code_dtype(40_000) == np.int32


def test_source_rows_are_int32_below_two_billion_rows():
    assert row_dtype(10_000_000) == np.int32
    assert row_dtype(2**31) == np.int64


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize(("n_classes", "dtype"), [(3, np.int8), (200, np.int16)])
def test_a_table_keeps_codes_and_rows_small_and_labels_as_they_were(
    tmp_path, suffix, n_classes, dtype
):
    rng = np.random.default_rng(0)
    labels = np.repeat([f"c{k:03d}" for k in range(n_classes)], 4)
    df = pd.DataFrame({"a": rng.standard_normal(len(labels)), "label": labels})
    df.loc[5, "a"] = np.nan  # a dropped row: codes and rows are taken again
    path = tmp_path / f"t{suffix}"
    df.to_csv(path, index=False) if suffix == ".csv" else df.to_parquet(path)
    rec = load_table(path, nan="drop")
    assert rec.codes.dtype == dtype
    assert rec.source_rows.dtype == np.int32
    keep = np.flatnonzero(df["a"].notna())
    assert (rec.labels == labels[keep]).all()
    assert (rec.source_rows == keep).all()
    windows = make_windows(rec, 2, 1)
    assert set(windows.y) <= set(labels)
    assert (windows.provenance()["start_row"] == keep[windows.starts]).all()


def test_releasing_unused_memory_leaves_the_rows_as_they_are(tmp_path):
    path = tmp_path / "t.parquet"
    pd.DataFrame({"a": np.arange(10.0), "label": ["x"] * 5 + ["y"] * 5}).to_parquet(path)
    rec = load_table(path)
    release_unused_memory()
    assert (rec.values[:, 0] == np.arange(10.0)).all()


def test_progress_and_callbacks_import_without_torch():
    code = (
        "import sys\n"
        "import tszoo.evaluation.compare, tszoo.training\n"
        "from tszoo.training import Callback, History\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
        "from tszoo.training import Trainer\n"
        "assert 'torch' in sys.modules and Trainer.__name__ == 'Trainer'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
