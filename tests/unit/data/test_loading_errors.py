"""What bad tables, paths and .ts files say.

Every bad input must raise :class:`DataError` (which the CLI turns into one line and exit
code 2) with a message that names the file, column, row or option the user has to fix.
"""

from __future__ import annotations

import numpy as np
import pytest
from loading_files import (
    TS_EQUAL,
    TS_EQUAL_TEST,
    TS_HEADER,
    TS_UNEQUAL_TEST,
    write,
)

from tszoo.data import (
    BUNDLED_DATASETS,
    load_bundled,
    load_data,
    load_table,
    load_ts,
)
from tszoo.errors import DataError, TszooError

# ----------------------------------------------------------------------------- bad tables

GOOD_ROWS = "1,2,0\n3,4,1\n5,6,0\n7,8,1\n"

BAD_TABLES = [
    # id, file name, content, load_table kwargs, regex the message must match
    ("empty-file", "empty.csv", b"", {}, r"empty\.csv: the file is empty"),
    (
        "header-only",
        "header.csv",
        "Feature1,Feature2,label\n",
        {},
        r"header\.csv: the file has a header but no data rows",
    ),
    (
        "whitespace-only",
        "blank.csv",
        "  \n\n",
        {},
        r"blank\.csv: the first line holds no column names",
    ),
    (
        "binary",
        "binary.csv",
        b"Feature1,label\n\x00\x01\x02\x03\xff\n",
        {},
        r"binary\.csv: looks like a binary file",
    ),
    (
        "not-utf8",
        "latin1.csv",
        "x,caf\xe9,label\n1,2,0\n3,4,1\n".encode("latin-1"),
        {},
        r"latin1\.csv: not UTF-8 text .*save the file as UTF-8",
    ),
    (
        "unclosed-quote",
        "quote.csv",
        'Feature1,Feature2,label\n1,"2,0\n3,4,1\n',
        {},
        r"quote\.csv: not a valid CSV table",
    ),
    (
        "ragged-rows",
        "ragged.csv",
        "Feature1,Feature2,label\n1,2,0\n1,2,3,4\n",
        {},
        r"ragged\.csv: not a valid CSV table .*line 3",
    ),
    (
        "no-label-column",
        "nolabel.csv",
        "Feature1,Feature2,kind\n" + GOOD_ROWS,
        {},
        r"nolabel\.csv: no label column; .*--label COL .*Feature1, Feature2, kind",
    ),
    (
        "two-label-columns",
        "twolabels.csv",
        "Feature1,label,target\n" + GOOD_ROWS,
        {},
        r"several columns could be the label \(label, target\); choose one with --label",
    ),
    (
        "label-not-found",
        "typo.csv",
        "Feature1,Feature2,Label\n" + GOOD_ROWS,
        {"label": "lable"},
        r"no label column 'lable' \(did you mean 'Label'\?\)",
    ),
    (
        "time-not-found",
        "typo_time.csv",
        "Feature1,Timestamp,label\n" + GOOD_ROWS,
        {"time": "timestmp"},
        r"no time column 'timestmp' \(did you mean 'Timestamp'\?\)",
    ),
    (
        "group-not-found",
        "typo_group.csv",
        "Feature1,subject,label\n" + GOOD_ROWS,
        {"group": "subjects"},
        r"no group column 'subjects' \(did you mean 'subject'\?\)",
    ),
    (
        "channel-not-found",
        "typo_channel.csv",
        "Feature1,Feature2,label\n" + GOOD_ROWS,
        {"channels": ["Feature1", "Feature3"]},
        r"no channel column 'Feature3' \(did you mean 'Feature\d'\?\)",
    ),
    (
        "label-as-channel",
        "label_channel.csv",
        "Feature1,Feature2,label\n" + GOOD_ROWS,
        {"channels": ["Feature1", "label"]},
        r"'label' is the label, time or group column, not a channel",
    ),
    (
        "no-channels",
        "nochannels.csv",
        "time,label\n0,0\n1,1\n",
        {},
        r"no numeric channel columns .*--channels",
    ),
    (
        "text-in-channel",
        "text.csv",
        "Feature1,Feature2,label\n1,2,0\n3,4,1\n5,6,0\n7,oops,1\n",
        {},
        r"column 'Feature2' has a non-numeric value 'oops' at row 3 \(line 5\)",
    ),
    (
        "missing-value",
        "missing.csv",
        "Feature1,Feature2,label\n1,2,0\n3,4,1\n5,6,0\n7,,1\n",
        {},
        r"column 'Feature2' has a missing or infinite value at row 3 \(line 5\).*--nan",
    ),
    (
        "infinite-value",
        "infinite.csv",
        "Feature1,Feature2,label\n1,2,0\n3,4,1\n-inf,6,0\n7,8,1\n",
        {},
        r"column 'Feature1' has a missing or infinite value at row 2 \(line 4\).*--nan",
    ),
    (
        "overflowing-value",
        "overflow.csv",
        "Feature1,Feature2,label\n1,2,0\n3,1e999,1\n",
        {},
        r"column 'Feature2' has a missing or infinite value at row 1 .*--nan",
    ),
    (
        "missing-label",
        "missing_label.csv",
        "Feature1,Feature2,label\n1,2,0\n3,4,\n5,6,1\n",
        {},
        r"label column 'label' is empty at row 1 \(line 3\).*--nan drop",
    ),
    (
        "one-class",
        "oneclass.csv",
        "Feature1,Feature2,label\n1,2,0\n3,4,0\n5,6,0\n",
        {},
        r"label column 'label' holds one class only \('0'\)",
    ),
    (
        "one-class-after-drop",
        "oneclass_drop.csv",
        "Feature1,label\n1,0\n,1\n2,0\n",
        {"nan": "drop"},
        r"holds one class only \('0'\)",
    ),
    (
        "nothing-to-interpolate",
        "allnan.csv",
        "Feature1,Feature2,label\n1,,0\n2,,1\n",
        {"nan": "interpolate"},
        r"channel 'Feature2' has no values in recording '0' to interpolate from; use --nan drop",
    ),
    (
        "bad-time-column",
        "badtime.csv",
        "time,Feature1,label\nsoon,1,0\nlater,2,1\n",
        {},
        r"time column 'time' has 'soon' at row 0 \(line 2\), neither a number nor a date.*--time",
    ),
    (
        "garbage-parquet",
        "garbage.parquet",
        b"this is not a parquet file",
        {},
        r"garbage\.parquet: not a readable Parquet file",
    ),
]


@pytest.mark.filterwarnings("ignore:Could not infer format:UserWarning")
@pytest.mark.parametrize(
    ("name", "content", "kwargs", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_TABLES],
)
def test_bad_table_raises_data_error_naming_the_problem(tmp_path, name, content, kwargs, message):
    path = write(tmp_path, name, content)
    with pytest.raises(DataError, match=message):
        load_table(path, **kwargs)
    # the same error, unchanged, through the dispatcher
    with pytest.raises(DataError, match=message):
        load_data(path, **kwargs)


def test_data_error_is_a_tszoo_error():
    # the CLI catches TszooError: every DataError must be one
    assert issubclass(DataError, TszooError)


def test_text_in_channel_of_regrouped_file_names_the_file_row(tmp_path):
    path = write(
        tmp_path,
        "grouped_text.csv",
        "gid,Feature1,label\nA,1,0\nB,2,1\nA,3,0\nB,x,1\n",
    )
    with pytest.raises(DataError, match=r"column 'Feature1' has a non-numeric value 'x' at row 3"):
        load_table(path, group="gid")


def test_missing_value_in_regrouped_file_names_the_file_row(tmp_path):
    path = write(tmp_path, "grouped_nan.csv", "gid,Feature1,label\nA,1,0\nB,2,1\nA,,0\nB,4,1\n")
    with pytest.raises(DataError, match=r"column 'Feature1' .* at row 2 \(line 4\)"):
        load_table(path, group="gid")


def test_line_number_counts_blank_lines(tmp_path):
    path = write(tmp_path, "blank_lines.csv", "Feature1,label\n1,0\n\n2,1\nx,0\n")
    with pytest.raises(DataError, match=r"'x' at row 2 \(line 5\)"):
        load_table(path)


@pytest.mark.filterwarnings("ignore:Could not infer format:UserWarning")
def test_bad_time_value_is_the_one_quoted(tmp_path):
    path = write(tmp_path, "late_bad_time.csv", "time,Feature1,label\n0,1,0\n1,2,0\nsoon,3,1\n")
    with pytest.raises(DataError, match=r"'soon'"):
        load_table(path)


# ----------------------------------------------------------------------------- bad paths, names


@pytest.mark.parametrize("name", ["nope.csv", "nope.parquet", "nope.tsv", "nope.ts"])
def test_missing_file_is_named(tmp_path, name):
    path = tmp_path / "sub" / name
    with pytest.raises(DataError, match=rf"{name}: no such file; check the path"):
        load_data(path)


def test_missing_test_file_is_named(tmp_path):
    train = write(tmp_path, "Toy_TRAIN.ts", TS_EQUAL)
    with pytest.raises(DataError, match=r"Toy_TEST\.ts: no such file"):
        load_ts(train, tmp_path / "Toy_TEST.ts")


def test_directory_is_not_a_table(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load_table(tmp_path)


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [("basicmotion", "BasicMotions"), ("gun_point", "GunPoint"), ("JapanVowels", "JapaneseVowels")],
)
def test_unknown_bundled_name_lists_the_names_and_suggests_one(name, suggestion):
    with pytest.raises(
        DataError, match=rf"unknown dataset '{name}' \(did you mean '{suggestion}'\?\)"
    ) as info:
        load_bundled(name)
    for known in BUNDLED_DATASETS:
        assert known in str(info.value)
    # load_data treats a name that is not a file the same way
    with pytest.raises(DataError, match=rf"did you mean '{suggestion}'"):
        load_data(name)


def test_unknown_bundled_name_without_close_match_has_no_suggestion():
    with pytest.raises(DataError, match=r"unknown dataset 'zzzzzz'; bundled datasets are") as info:
        load_bundled("zzzzzz")
    assert "did you mean" not in str(info.value)


def test_test_file_with_a_table_is_refused(tmp_path):
    path = write(tmp_path, "table.csv", "Feature1,Feature2,label\n" + GOOD_ROWS)
    test = write(tmp_path, "Toy_TEST.ts", TS_EQUAL_TEST)
    with pytest.raises(DataError, match=r"--test is for \.ts files.*--split"):
        load_data(path, test=test)


# ----------------------------------------------------------------------------- bad .ts files

BAD_TS = [
    (
        "not-ts-text",
        "hello world\nthis is not a ts file\n",
        r"garbage\.ts: the \.ts file holds no cases",
    ),
    ("empty", "", r"garbage\.ts: the \.ts file holds no cases"),
    ("no-cases", TS_HEADER, r"garbage\.ts: the \.ts file holds no cases"),
    ("text-value", TS_HEADER + "1,2,x,4:a\n1,2,3,4:b\n", r"garbage\.ts: not a readable \.ts file"),
    ("binary", b"\x00\x01\x02\xff\xfe\x00", r"garbage\.ts: not a readable \.ts file"),
    (
        "one-class",
        TS_HEADER + "1,2,3,4:a\n4,3,2,1:a\n",
        r"garbage\.ts: label column 'class' holds one class only \('a'\)",
    ),
    (
        "missing-value",
        TS_HEADER.replace("@missing false", "@missing true") + "1,2,3,4:a\n4,?,2,1:b\n",
        r"garbage\.ts: case 1 has missing or infinite values; pass --nan",
    ),
]


@pytest.mark.parametrize(
    ("content", "message"), [pytest.param(*case[1:], id=case[0]) for case in BAD_TS]
)
def test_bad_ts_file_raises_data_error(tmp_path, content, message):
    path = write(tmp_path, "garbage.ts", content)
    with pytest.raises(DataError, match=message):
        load_ts(path)
    with pytest.raises(DataError, match=message):
        load_data(path)


def test_ts_test_file_with_other_channels_is_refused(tmp_path):
    train = write(tmp_path, "Toy_TRAIN.ts", TS_EQUAL)
    test = write(tmp_path, "Toy2_TEST.ts", TS_UNEQUAL_TEST)
    with pytest.raises(
        DataError, match=r"Toy2_TEST\.ts: 2 channels, but the training file Toy_TRAIN\.ts has 1"
    ):
        load_ts(train, test)


def test_ts_missing_values_can_be_interpolated_or_dropped(tmp_path):
    text = (
        TS_HEADER.replace("@missing false", "@missing true") + "1,2,3,4:a\n4,?,2,1:b\n1,1,1,1:b\n"
    )
    path = write(tmp_path, "holes.ts", text)
    filled = load_ts(path, nan="interpolate")
    np.testing.assert_allclose(filled.train.X[1, 0], [4, 3, 2, 1])
    dropped = load_ts(path, nan="drop")
    assert dropped.train.index.tolist() == [0, 2]
