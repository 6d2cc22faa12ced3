"""Loading tables, .ts files and bundled datasets: what comes out, read whole or in chunks.

What bad input says is in ``test_loading_errors.py`` and ``test_window_split_errors.py``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from loading_files import (
    THREE_RECORDINGS,
    TS_EQUAL,
    TS_EQUAL_TEST,
    TS_UNEQUAL,
    TS_UNEQUAL_TEST,
    recordings_csv,
    write,
)

from tszoo.data import (
    Recordings,
    load_bundled,
    load_data,
    load_table,
    load_ts,
    make_windows,
)
from tszoo.data.containers import CaseDataset
from tszoo.errors import DataError

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


def test_sample_file_has_four_recordings_of_seven_channels(sample_csv):
    rec = load_table(sample_csv)
    assert rec.n_recordings == 4
    assert rec.lengths.tolist() == [1000] * 4
    assert rec.channels == [f"Feature{i}" for i in range(1, 8)]
    assert rec.classes.tolist() == [0, 1, 2, 3]
    windows = make_windows(rec, 50, 10)
    assert len(windows) == 384
    assert (windows.provenance()["end_row"] - windows.provenance()["start_row"] == 50).all()


# ----------------------------------------------------------------------------- time resets, chunks


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
