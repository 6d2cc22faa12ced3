"""Loading tables, .ts files and bundled datasets: what comes out, and what bad input says.

Every bad input must raise :class:`DataError` (which the CLI turns into one line and exit
code 2) with a message that names the file, column, row or option the user has to fix.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tszoo.data import (
    BUNDLED_DATASETS,
    Recordings,
    load_bundled,
    load_data,
    load_table,
    load_ts,
    make_windows,
    plan_split,
    prepare_splits,
)
from tszoo.data.containers import CaseDataset
from tszoo.errors import DataError, TszooError


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


def find_repo_root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file():
            return parent
    return here.parents[3]


SAMPLE_CSV = find_repo_root().parent / "shared" / "data" / "dataset_sample.csv"

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


# ----------------------------------------------------------------------------- happy paths


@pytest.mark.parametrize("label", ["label", "Label", "target", "class"])
@pytest.mark.parametrize("time", ["time", "Time", "timestamp"])
def test_label_and_time_columns_are_found_and_recordings_split_where_time_goes_back(
    tmp_path, label, time
):
    path = write(tmp_path, "three.csv", THREE_RECORDINGS.format(time=time, label=label))
    rec = load_table(path)
    assert rec.channels == ["Feature1", "Feature2"]
    assert rec.ids == ["0", "1", "2"]
    assert rec.bounds.tolist() == [0, 3, 5, 9]
    assert rec.lengths.tolist() == [3, 2, 4]
    assert rec.labels.tolist() == [0, 0, 0, 1, 1, 0, 0, 0, 0]
    assert rec.time.tolist() == [0, 1, 2, 0, 1, 0, 1, 2, 3]
    assert rec.values.dtype == np.float32
    np.testing.assert_array_equal(rec.values[:, 0], np.arange(1, 10))
    np.testing.assert_array_equal(rec.source_rows, np.arange(9))


def test_channels_are_the_other_numeric_columns(tmp_path):
    path = write(
        tmp_path,
        "mixed.csv",
        "subject,x,flag,y,label\nann,1,True,10,0\nann,2,False,20,1\nbob,3,True,30,0\n",
    )
    rec = load_table(path)
    # text and boolean columns are not channels; numbers are, in file order
    assert rec.channels == ["x", "y"]
    assert rec.values.tolist() == [[1, 10], [2, 20], [3, 30]]


def test_explicit_channels_keep_their_order(tmp_path):
    path = write(tmp_path, "three.csv", THREE_RECORDINGS.format(time="time", label="label"))
    rec = load_table(path, channels=["Feature2", "Feature1"])
    assert rec.channels == ["Feature2", "Feature1"]
    assert rec.values[0].tolist() == [10, 1]


def test_file_without_time_column_is_one_recording(tmp_path):
    path = write(tmp_path, "notime.csv", "a,b,label\n3,1,0\n2,1,0\n1,1,1\n0,1,1\n")
    rec = load_table(path)
    assert rec.time is None
    assert rec.ids == ["0"]
    assert rec.bounds.tolist() == [0, 4]
    assert rec.channels == ["a", "b"]


def test_group_column_regroups_interleaved_rows(tmp_path):
    path = write(
        tmp_path,
        "groups.csv",
        "gid,time,a,label\nB,0,100,1\nA,0,0,0\nB,1,101,1\nA,1,1,0\nB,2,102,1\nA,2,2,0\nA,3,3,0\n",
    )
    rec = load_table(path, group="gid")
    assert rec.ids == ["B", "A"]  # in order of first appearance
    assert rec.bounds.tolist() == [0, 3, 7]
    assert rec.channels == ["a"]  # the group and time columns are not channels
    assert rec.source_rows.tolist() == [0, 2, 4, 1, 3, 5, 6]
    assert rec.values[:, 0].tolist() == [100, 101, 102, 0, 1, 2, 3]
    assert rec.time.tolist() == [0, 1, 2, 0, 1, 2, 3]
    # source_rows point back at the very rows of the file
    file_a = pd.read_csv(path)["a"].to_numpy()
    np.testing.assert_array_equal(rec.values[:, 0], file_a[rec.source_rows])
    np.testing.assert_array_equal(
        rec.labels, pd.read_csv(path)["label"].to_numpy()[rec.source_rows]
    )


def test_windows_are_cut_in_interleaved_groups(tmp_path):
    rows = [(g, t, float(t), int(g in "BD")) for t in range(40) for g in "ABCD"]
    frame = pd.DataFrame(rows, columns=["gid", "time", "a", "label"])
    interleaved = tmp_path / "interleaved.csv"
    blocked = tmp_path / "blocked.csv"
    frame.to_csv(interleaved, index=False)
    frame.sort_values("gid", kind="stable").to_csv(blocked, index=False)
    expected = len(make_windows(load_table(blocked, group="gid"), 5, 5))
    assert expected == 4 * 8
    assert len(make_windows(load_table(interleaved, group="gid"), 5, 5)) == expected


def test_text_labels_stay_text(tmp_path):
    path = write(tmp_path, "text.csv", "a,class\n1,walk\n2,run\n3,walk\n")
    rec = load_table(path)
    assert rec.labels.tolist() == ["walk", "run", "walk"]
    assert rec.classes.tolist() == ["run", "walk"]


def test_parquet_gives_the_same_recordings_as_csv(tmp_path):
    csv = recordings_csv(tmp_path, [30, 20, 25], [0, 1, 0], name="same.csv")
    frame = pd.read_csv(csv)
    frame["label"] = np.where(frame["label"] == 0, "walk", "run")
    frame.to_csv(csv, index=False)
    parquet = tmp_path / "same.parquet"
    frame.to_parquet(parquet)
    a, b = load_table(csv), load_table(parquet)
    assert a.n_recordings == 3
    for name in ("values", "labels", "bounds", "source_rows", "time"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.ids == b.ids
    assert a.channels == b.channels


def test_nan_drop_removes_rows_and_no_window_spans_the_gap(tmp_path):
    values = [str(i) for i in range(40)]
    values[7] = ""  # missing
    values[30] = "inf"  # infinite counts as missing too
    labels = [0] * 20 + [1] * 20
    text = "a,b,label\n" + "".join(f"{v},{i},{y}\n" for i, (v, y) in enumerate(zip(values, labels)))
    path = write(tmp_path, "gaps.csv", text)
    rec = load_table(path, nan="drop")
    assert rec.n_rows == 38
    assert 7 not in rec.source_rows and 30 not in rec.source_rows
    assert np.isfinite(rec.values).all()

    windows = make_windows(rec, 5, 1)
    prov = windows.provenance()
    assert len(prov) > 0
    assert (prov["end_row"] - prov["start_row"] == 5).all()
    for dropped in (7, 30):
        assert not ((prov["start_row"] <= dropped) & (dropped < prov["end_row"])).any()
    # windows start again right after each gap
    assert {0, 8, 31} <= set(prov["start_row"])
    assert prov["end_row"].max() == 40


def test_nan_interpolate_fills_linearly_within_each_recording(tmp_path):
    text = (
        "time,a,b,label\n0,1,5,0\n1,,5,0\n2,,5,0\n3,4,inf,0\n0,10,1,1\n1,,2,1\n2,30,3,1\n3,,4,1\n"
    )
    path = write(tmp_path, "holes.csv", text)
    rec = load_table(path, nan="interpolate")
    assert rec.n_rows == 8
    assert rec.ids == ["0", "1"]
    np.testing.assert_allclose(rec.values[:, 0], [1, 2, 3, 4, 10, 20, 30, 30])
    np.testing.assert_allclose(rec.values[:, 1], [5, 5, 5, 5, 1, 2, 3, 4])


def test_ts_equal_length_with_test_file(tmp_path):
    train = write(tmp_path, "Toy_TRAIN.ts", TS_EQUAL)
    test = write(tmp_path, "Toy_TEST.ts", TS_EQUAL_TEST)
    data = load_ts(train, test)
    assert data.name == "Toy"
    assert data.train.equal_length
    assert data.train.X.shape == (4, 1, 4)
    assert data.train.y.tolist() == ["a", "b", "a", "b"]
    np.testing.assert_array_equal(data.train.X[1, 0], [4, 3, 2, 1])
    assert data.test.X.shape == (2, 1, 4)
    assert data.test.y.tolist() == ["a", "b"]


def test_ts_unequal_length_gives_a_list_of_arrays(tmp_path):
    train = write(tmp_path, "Toy2_TRAIN.ts", TS_UNEQUAL)
    test = write(tmp_path, "Toy2_TEST.ts", TS_UNEQUAL_TEST)
    data = load_ts(train, test)
    assert not data.train.equal_length
    assert isinstance(data.train.X, list)
    assert [x.shape for x in data.train.X] == [(2, 4), (2, 3), (2, 2)]
    assert data.train.lengths.tolist() == [4, 3, 2]
    np.testing.assert_array_equal(data.train.X[1], [[4, 3, 2], [1, 1, 1]])
    assert data.train.channels == ["dim_0", "dim_1"]
    assert [x.shape for x in data.test.X] == [(2, 5), (2, 2)]
    assert data.test.y.tolist() == ["b", "a"]


@pytest.mark.parametrize("name", ["basicmotions", "BASICMOTIONS", "BasicMotions"])
def test_bundled_dataset_by_case_insensitive_name(name):
    data = load_bundled(name)
    assert data.name == "BasicMotions"
    assert data.train.X.shape == (40, 6, 100)
    assert data.test.X.shape == (40, 6, 100)
    assert len(np.unique(data.train.y)) == 4


def test_bundled_unequal_length_dataset_is_a_list():
    data = load_bundled("japanesevowels")
    assert data.name == "JapaneseVowels"
    assert isinstance(data.train.X, list)
    assert len(data.train) == 270 and len(data.test) == 370
    assert {x.shape[0] for x in data.train.X} == {12}
    lengths = data.train.lengths
    assert lengths.min() < lengths.max()


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("t.csv", Recordings),
        ("t.CSV", Recordings),
        ("t.tsv", Recordings),
        ("t.parquet", Recordings),
        ("t.dat", Recordings),  # an existing file of unknown suffix is read as CSV
        ("Toy_TRAIN.ts", CaseDataset),
        ("gunpoint", CaseDataset),  # not a file: a bundled dataset
    ],
)
def test_load_data_dispatches_by_suffix_or_name(tmp_path, name, kind):
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "label": [0, 1, 0]})
    path = tmp_path / name
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame.to_parquet(path)
    elif suffix == ".tsv":
        frame.to_csv(path, sep="\t", index=False)
    elif suffix == ".ts":
        path.write_text(TS_EQUAL)
    elif suffix:
        frame.to_csv(path, index=False)
    source = path if suffix else name
    data = load_data(source)
    assert isinstance(data, kind)
    if kind is Recordings:
        assert data.channels == ["a"]
        assert data.labels.tolist() == [0, 1, 0]
    elif suffix:
        assert data.train.X.shape == (4, 1, 4)
    else:
        assert data.name == "GunPoint"


# ----------------------------------------------------------------------------- sample file


@pytest.fixture(scope="module")
def sample_file() -> Path:
    if not SAMPLE_CSV.is_file():
        pytest.skip(f"the shared sample recording is not at {SAMPLE_CSV}")
    return SAMPLE_CSV


def test_sample_file_has_four_recordings_of_seven_channels(sample_file):
    rec = load_table(sample_file)
    assert rec.n_recordings == 4
    assert rec.lengths.tolist() == [1000] * 4
    assert rec.channels == [f"Feature{i}" for i in range(1, 8)]
    assert rec.classes.tolist() == [0, 1, 2, 3]
    windows = make_windows(rec, 50, 10)
    assert len(windows) == 384
    assert (windows.provenance()["end_row"] - windows.provenance()["start_row"] == 50).all()


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


def test_time_going_back_inside_a_group_starts_a_recording(tmp_path):
    """Two sessions of one subject in one group, time restarting at 0: no window spans it."""
    rows = [("s1", t, float(t), "walk") for t in range(10)]
    rows += [("s1", t, 100.0 + t, "walk") for t in range(7)]  # time goes back to 0
    rows += [("s2", t, 200.0 + t, "run") for t in range(10)]
    path = tmp_path / "restart.csv"
    pd.DataFrame(rows, columns=["gid", "time", "a", "label"]).to_csv(path, index=False)
    rec = load_table(path, group="gid")
    assert rec.ids == ["s1", "s1#2", "s2"]
    assert rec.bounds.tolist() == [0, 10, 17, 27]
    windows = make_windows(rec, 4, 3)
    firsts = rec.values[windows.starts, 0]
    lasts = rec.values[windows.starts + 3, 0]
    assert all((f < 100) == (last < 100) for f, last in zip(firsts, lasts, strict=True))
    assert len(windows) == 3 + 2 + 3  # no window crosses the reset


@pytest.mark.parametrize("chunk_rows", [3, 10, 11, 100])
def test_streaming_splits_time_resets_as_loading_whole_does(tmp_path, chunk_rows):
    from tszoo.data.streaming import open_table

    rows = [("s1", t % 6, float(i)) for i, t in enumerate(range(15))]  # resets at 6 and 12
    rows += [("s2", t, 50.0 + t) for t in range(5)]
    path = tmp_path / "restart.csv"
    pd.DataFrame(rows, columns=["gid", "time", "a"]).to_csv(path, index=False)
    whole = load_table(path, group="gid", labelled=False)
    assert whole.ids == ["s1", "s1#2", "s1#3", "s2"]
    stream = open_table(path, group="gid", chunk_rows=chunk_rows)
    pieces = list(stream.pieces())
    ids = [i for piece in pieces for i in piece.ids]
    assert list(dict.fromkeys(ids)) == whole.ids
    rows_of = {}
    for piece in pieces:
        for rid, a, b in zip(piece.ids, piece.bounds[:-1], piece.bounds[1:], strict=True):
            rows_of.setdefault(rid, []).extend(piece.source_rows[a:b].tolist())
    for rid, a, b in zip(whole.ids, whole.bounds[:-1], whole.bounds[1:], strict=True):
        assert rows_of[rid] == whole.source_rows[a:b].tolist()


def interleaved_table() -> pd.DataFrame:
    """Three interleaved groups with a time reset, text labels, a missing value and a label
    seen only late in the file."""
    n = 40
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "gid": [f"g{i % 3}" for i in range(n)],
            "time": [i % 17 for i in range(n)],
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "label": [["walk", "run"][(i // 7) % 2] for i in range(n)],
        }
    )
    df.loc[33:, "label"] = "sit"
    df.loc[12, "b"] = np.nan
    return df


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("chunk_rows", [1, 3, 7, 40])
@pytest.mark.parametrize("nan", ["drop", "interpolate"])
def test_loading_in_chunks_gives_what_loading_in_one_chunk_gives(tmp_path, suffix, chunk_rows, nan):
    # loading is the concatenation of the reader's chunks: their size changes nothing
    path = tmp_path / f"t{suffix}"
    df = interleaved_table()
    df.to_csv(path, index=False) if suffix == ".csv" else df.to_parquet(path, index=False)
    whole = load_table(path, group="gid", nan=nan, chunk_rows=1000)
    rec = load_table(path, group="gid", nan=nan, chunk_rows=chunk_rows)
    assert rec.classes.tolist() == whole.classes.tolist() == ["run", "sit", "walk"]
    np.testing.assert_array_equal(rec.values, whole.values)
    np.testing.assert_array_equal(rec.labels, whole.labels)
    np.testing.assert_array_equal(rec.source_rows, whole.source_rows)
    np.testing.assert_array_equal(rec.time, whole.time)
    assert rec.ids == whole.ids and rec.bounds.tolist() == whole.bounds.tolist()
    assert rec.breaks.tolist() == whole.breaks.tolist()
    expected = df.loc[rec.source_rows, "label"].to_numpy()
    assert rec.labels.tolist() == expected.tolist()  # every row keeps its own label


def test_a_class_only_in_dropped_rows_is_no_class(tmp_path):
    path = write(tmp_path, "a.csv", "a,label\n1,x\n2,y\n,z\n3,x\n")
    rec = load_table(path, nan="drop", chunk_rows=2)
    assert rec.classes.tolist() == ["x", "y"]
    assert rec.labels.tolist() == ["x", "y", "x"]


def test_missing_value_message_counts_the_whole_file_in_any_chunks(tmp_path):
    path = write(tmp_path, "a.csv", "a,label\n1,0\n,1\n3,0\n,1\n")
    for chunk_rows in (1, 2, 10):
        with pytest.raises(DataError, match=r"at row 1 \(line 3\) \(2 such values in all\)"):
            load_table(path, chunk_rows=chunk_rows)
