"""What bad windows and splits say: each names the file, option or class to fix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from loading_files import (
    TS_EQUAL,
    recordings_csv,
    write,
)

from tszoo.data import (
    Recordings,
    load_table,
    make_windows,
    plan_split,
    prepare_splits,
)
from tszoo.errors import DataError

# ----------------------------------------------------------------------------- windows, splits


@pytest.fixture
def four_csv(tmp_path) -> Path:
    """Four recordings of 100 rows, two classes."""
    return recordings_csv(tmp_path, [100, 100, 100, 100], [0, 1, 0, 1], name="four.csv")


BAD_SPLITS = [
    ("window-zero", {"window": 0}, r"window=0 must be a positive number of rows, e\.g\. --window"),
    ("window-negative", {"window": -5}, r"window=-5 must be a positive number of rows"),
    ("stride-zero", {"stride": 0}, r"stride=0 must be a positive number of rows, e\.g\. --stride"),
    ("stride-negative", {"stride": -1}, r"stride=-1 must be a positive number of rows"),
    (
        "window-longer-than-every-recording",
        {"window": 101},
        r"four\.csv: window=101 is longer than every recording \(the longest has 100 rows\); "
        r"use --window <= 100",
    ),
    (
        "fractions-sum-below-one",
        {"fractions": (0.5, 0.2, 0.2)},
        r"split fractions 0\.5,0\.2,0\.2 sum to 0\.9, not 1",
    ),
    (
        "fractions-sum-above-one",
        {"fractions": (0.8, 0.2, 0.1)},
        r"sum to 1\.1, not 1",
    ),
    (
        "two-fractions",
        {"fractions": (0.8, 0.2)},
        r"split fractions \[0\.8, 0\.2\] must be three non-negative numbers",
    ),
    (
        "four-fractions",
        {"fractions": (0.7, 0.1, 0.1, 0.1)},
        r"must be three non-negative numbers train,val,test",
    ),
    (
        "negative-fraction",
        {"fractions": (1.2, -0.1, -0.1)},
        r"must be three non-negative numbers",
    ),
    ("nan-fraction", {"fractions": (0.8, float("nan"), 0.2)}, r"must be three non-negative"),
    (
        "zero-train-fraction",
        {"fractions": (0.0, 0.5, 0.5)},
        r"the train fraction must be above 0",
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "message"), [pytest.param(*case[1:], id=case[0]) for case in BAD_SPLITS]
)
def test_bad_window_or_split_raises_data_error(four_csv, kwargs, message):
    args = {"window": 10, "stride": 5, **kwargs}
    with pytest.raises(DataError, match=message):
        prepare_splits(four_csv, **args)
    rec = load_table(four_csv)
    fractions = args.pop("fractions", (0.8, 0.1, 0.1))
    with pytest.raises(DataError, match=message):
        plan_split(rec, args["window"], args["stride"], fractions)


def test_good_split_of_the_same_file_works(four_csv):
    # the bad-split table above fails because of its parameters, not the file
    splits = prepare_splits(four_csv, window=10, stride=5)
    assert len(splits.train) > 0 and len(splits.val) > 0 and len(splits.test) > 0


@pytest.mark.parametrize(
    ("window", "stride", "message"),
    [
        (0, 1, r"window=0 must be a positive"),
        (10, 0, r"stride=0 must be a positive"),
        (2.5, 1, r"window=2\.5 must be a positive"),
        (10, "5", r"stride='5' must be a positive"),
    ],
)
def test_make_windows_rejects_bad_sizes(four_csv, window, stride, message):
    rec = load_table(four_csv)
    with pytest.raises(DataError, match=message):
        make_windows(rec, window, stride)


def test_make_windows_rejects_unknown_label_rule(four_csv):
    with pytest.raises(DataError, match=r"label_rule='mode'; use drop, last or majority"):
        make_windows(load_table(four_csv), 10, 5, label_rule="mode")


def test_recording_shorter_than_window_is_named(tmp_path):
    path = recordings_csv(tmp_path, [100, 5, 100, 100], [0, 1, 0, 1], name="short.csv")
    message = (
        r"short\.csv: recording '1' has 5 rows, fewer than window=10 "
        r"\(1 recordings are shorter\); use --window <= 5"
    )
    with pytest.raises(DataError, match=message):
        prepare_splits(path, window=10, stride=5)


def test_class_with_too_few_windows_for_the_splits_is_named(tmp_path):
    # class 1 has one recording of exactly one window: it cannot reach three splits
    path = recordings_csv(tmp_path, [500, 10], [0, 1], name="tiny.csv")
    message = r"tiny\.csv: class '1' has too few windows for the requested splits"
    with pytest.raises(DataError, match=message):
        prepare_splits(path, window=10, stride=5)
    # with a train-only split it is fine
    splits = prepare_splits(path, window=10, stride=5, fractions=(1.0, 0.0, 0.0))
    assert set(splits.train.y.tolist()) == {0, 1}


def test_whole_recording_split_with_too_few_recordings_is_refused(tmp_path):
    path = recordings_csv(tmp_path, [100, 100], [0, 1], name="two.csv")
    with pytest.raises(DataError, match=r"two\.csv: too few recordings per class"):
        plan_split(load_table(path), 10, 5, strategy="recordings")


def test_no_pure_window_is_explained():
    rec = Recordings.from_arrays([np.zeros((20, 1))], [np.tile([0, 1], 10)])
    with pytest.raises(DataError, match=r"no window of 5 rows holds a single label.*majority"):
        plan_split(rec, 5, 1)


def test_too_few_cases_for_stratified_splits_is_named(tmp_path):
    path = write(tmp_path, "Toy_TRAIN.ts", TS_EQUAL)  # two cases per class, no test file
    with pytest.raises(DataError, match=r"Toy: class '\w' has too few cases \(1\)"):
        prepare_splits(path)
