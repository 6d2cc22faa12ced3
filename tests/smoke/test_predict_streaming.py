"""Streamed `tszoo predict`: reading a file in chunks gives what reading it whole gives.

The whole-file path (``--chunk-rows 0``, :func:`run_predict`) is the reference; chunk sizes
are chosen to cut windows, recordings and runs of dropped rows at awkward places.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tszoo.cli import app
from tszoo.data.streaming import open_table
from tszoo.data.tables import load_table
from tszoo.data.windows import make_windows, stream_windows
from tszoo.errors import DataError, TszooError
from tszoo.inference import iter_predictions, predict_stream

WINDOW, STRIDE = 7, 3  # the model's; small, so that short files hold many windows
CHANNELS = ["a", "b", "c"]


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def make_table(
    lengths: list[int],
    *,
    layout: str = "time",
    missing: tuple[int, ...] = (),
    seed: int = 0,
) -> pd.DataFrame:
    """Recordings of ``lengths`` rows, one after another; ``layout`` says how a reader
    tells them apart: ``time`` (time starts again), ``group`` (an id column; a time column
    that never goes back) or ``none`` (no time column: one recording). Rows in ``missing``
    get a NaN or an inf in one channel."""
    rng = np.random.default_rng(seed)
    n = sum(lengths)
    df = pd.DataFrame(rng.standard_normal((n, 3)), columns=CHANNELS)
    local = np.concatenate([np.arange(k) for k in lengths]) * 0.5
    if layout == "time":
        df.insert(0, "time", local)
    elif layout == "group":
        df.insert(0, "time", np.arange(n) * 0.5)
        names = [f"r{(7 * i) % 11}" for i in range(len(lengths))]  # not in sorted order
        df.insert(1, "rec", np.repeat(names, lengths))
    for k, row in enumerate(missing):
        if row < n:
            df.iloc[row, df.columns.get_loc(CHANNELS[k % 3])] = np.inf if k % 4 == 3 else np.nan
    df["label"] = "x"  # ignored when predicting
    return df


def write(df: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def model_run(tmp_path_factory):
    """A random forest of 5 trees trained through the CLI, window 7 and stride 3."""
    folder = tmp_path_factory.mktemp("streaming")
    rng = np.random.default_rng(1)
    parts = []
    for i in range(4):
        n = 150
        wave = np.sin(np.arange(n) * (0.2 + 0.3 * (i % 2)))[:, None]
        values = wave + 0.3 * rng.standard_normal((n, 3))
        part = pd.DataFrame(values, columns=CHANNELS)
        part.insert(0, "time", np.arange(n) * 0.5)
        part["label"] = i % 2
        parts.append(part)
    train = write(pd.concat(parts, ignore_index=True), folder / "train.csv")
    run = folder / "run"
    result = invoke(
        "train", "random_forest", "--data", train, "--window", WINDOW, "--stride", STRIDE,
        "--set", "random_forest.n_estimators=5", "--out", run, "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return run


def streamed_text(run: Path, data: Path, chunk_rows: int, **options) -> str:
    tables = iter_predictions(run, data, chunk_rows=chunk_rows, **options)
    parts = [t.to_csv(index=False, header=i == 0) for i, t in enumerate(tables)]
    return "".join(parts)


def run_predict(run: Path, data: Path, **options) -> pd.DataFrame:
    """The reference: the file read whole (``chunk_rows=0``), one table."""
    return pd.concat(list(iter_predictions(run, data, chunk_rows=0, **options)))


def whole_text(run: Path, data: Path, **options) -> str:
    return run_predict(run, data, **options).to_csv(index=False)


# ----------------------------------------------------------------------------- end to end

AWKWARD = [
    # (recording lengths, layout, rows with a missing value, chunk sizes)
    ([60], "time", (), [1, 2, 5, 6, 7, 8, 13]),  # chunks shorter than a window
    ([20, 20, 20], "time", (), [10, 20, 40]),  # chunk edges exactly at recording edges
    ([8, 5, 9, 3, 30], "time", (), [4, 100]),  # several recordings per chunk, short ones
    ([25, 31, 12], "group", (), [3, 25, 56]),  # a group column, ids out of sorted order
    ([40, 33], "none", (), [9, 16]),  # no time: one recording
]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize(("lengths", "layout", "missing", "chunks"), AWKWARD)
def test_streamed_output_is_the_whole_files(
    model_run, tmp_path, suffix, lengths, layout, missing, chunks
):
    data = write(make_table(lengths, layout=layout, missing=missing), tmp_path / f"d{suffix}")
    group = "rec" if layout == "group" else None
    expected = whole_text(model_run, data, group=group)
    assert expected.count("\n") > 10
    for chunk_rows in chunks:
        assert streamed_text(model_run, data, chunk_rows, group=group) == expected, chunk_rows


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
@pytest.mark.parametrize("nan", ["drop", "interpolate"])
def test_missing_values_near_chunk_edges(model_run, tmp_path, suffix, nan):
    # rows 9, 10 sit on the edge of 10-row chunks; 20-26 empty the first 7 rows of
    # recording 1 (starts at 20); 41-44 end recording 1 with gaps (ends at 45)
    missing = (9, 10, 19, 20, 21, 22, 23, 24, 25, 26, 41, 42, 43, 44, 59, 60, 61, 80)
    table = make_table([20, 25, 18, 30], missing=missing)
    data = write(table, tmp_path / f"d{suffix}")
    expected = whole_text(model_run, data, nan=nan)
    for chunk_rows in (1, 6, 10, 19, 20, 21):
        assert streamed_text(model_run, data, chunk_rows, nan=nan) == expected, chunk_rows


def test_a_recording_dropped_whole_keeps_the_others_ids(model_run, tmp_path):
    table = make_table([15, 12, 15], missing=tuple(range(15, 27)))  # recording 1: all rows
    data = write(table, tmp_path / "d.csv")
    assert sorted(set(run_predict(model_run, data, nan="drop").recording)) == ["0", "2"]
    expected = whole_text(model_run, data, nan="drop")
    for chunk_rows in (4, 15, 27):
        assert streamed_text(model_run, data, chunk_rows, nan="drop") == expected


@pytest.mark.parametrize("stride", [1, 7, 10, 25])
def test_any_stride_including_longer_than_the_window(model_run, tmp_path, stride):
    data = write(make_table([50, 9, 41]), tmp_path / "d.parquet")
    expected = whole_text(model_run, data, stride=stride)
    for chunk_rows in (2, 8, 11, 50):
        assert streamed_text(model_run, data, chunk_rows, stride=stride) == expected


def test_blank_lines_keep_their_row_numbers(model_run, tmp_path):
    data = write(make_table([30, 30]), tmp_path / "d.csv")
    lines = data.read_text().splitlines()
    lines[5:5] = ["", ",,,,"]  # blank lines are not rows
    lines[40:40] = [""]
    data.write_text("\n".join(lines) + "\n")
    expected = whole_text(model_run, data)
    for chunk_rows in (3, 5, 6, 30):
        assert streamed_text(model_run, data, chunk_rows) == expected


def test_dates_as_time(model_run, tmp_path):
    table = make_table([30, 30, 14])
    table["time"] = pd.Timestamp("2024-03-01 12:00") + pd.to_timedelta(table.time * 2, unit="s")
    data = write(table, tmp_path / "d.csv")
    whole = run_predict(model_run, data)
    assert whole.start_time.dtype.kind == "M" and whole.recording.nunique() == 3
    streamed = pd.concat(iter_predictions(model_run, data, chunk_rows=7), ignore_index=True)
    pd.testing.assert_frame_equal(streamed, whole, check_dtype=False)


# ----------------------------------------------------------------------------- the CLI

CSV_NAMES = ["streamed.csv", "whole.csv"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_cli_out_and_stdout_match_the_whole_file(model_run, tmp_path, suffix):
    data = write(make_table([44, 31, 60], layout="group"), tmp_path / f"d{suffix}")
    whole = tmp_path / "whole.csv"
    args = ("predict", model_run, "--data", data, "--group", "rec", "-q")
    assert invoke(*args, "--chunk-rows", 0, "--out", whole).exit_code == 0
    streamed = tmp_path / "streamed.csv"
    result = invoke(*args, "--chunk-rows", 9, "--batch-size", 5, "--out", streamed)
    assert result.exit_code == 0, result.output
    assert streamed.read_bytes() == whole.read_bytes()
    assert invoke(*args, "--chunk-rows", 9).stdout == whole.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([data.name, *CSV_NAMES])


@pytest.mark.parametrize("jobs", ["0", "-2", "two"])
def test_bad_jobs_is_one_error_line(model_run, tmp_path, jobs):
    data = write(make_table([40]), tmp_path / "d.csv")
    result = invoke("predict", model_run, "--data", data, "--jobs", jobs, "--out", tmp_path / "p")
    assert result.exit_code == 2
    assert not (tmp_path / "p").exists()


def test_jobs_gives_the_forest_more_threads_and_the_same_labels(model_run, tmp_path):
    data = write(make_table([60, 45]), tmp_path / "d.csv")
    tables = {}
    for jobs in ([], ["--jobs", "-1"]):
        out = tmp_path / f"pred{len(jobs)}.csv"
        result = invoke("predict", model_run, "--data", data, *jobs, "--out", out)
        assert result.exit_code == 0, result.output
        tables[len(jobs)] = pd.read_csv(out)
    own, every_core = tables[0], tables[2]
    assert own["prediction"].tolist() == every_core["prediction"].tolist()
    proba = [c for c in own.columns if c.startswith("proba_")]
    np.testing.assert_allclose(every_core[proba], own[proba])


def test_out_is_never_overwritten(model_run, tmp_path):
    data = write(make_table([40]), tmp_path / "d.csv")
    out = tmp_path / "pred.csv"
    out.write_text("keep me")
    result = invoke("predict", model_run, "--data", data, "--out", out, "--chunk-rows", 5, "-q")
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert out.read_text() == "keep me"


def test_a_failure_late_in_the_file_leaves_no_file(model_run, tmp_path):
    table = make_table([300], missing=(250,))  # the 6th chunk of 50 rows has a NaN
    data = write(table, tmp_path / "d.csv")
    out = tmp_path / "pred.csv"
    args = ("predict", model_run, "--data", data, "--out", out, "-q")
    result = invoke(*args, "--chunk-rows", 50, "--batch-size", 4)
    assert result.exit_code == 2
    assert "column 'a' has a missing or infinite value at row 250 (line 252)" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]  # no temporary left
    whole = invoke(*args, "--chunk-rows", 0)
    assert whole.exit_code == 2 and "at row 250 (line 252) (1 such values in all)" in whole.stderr


def test_a_group_that_comes_back_needs_the_whole_file(model_run, tmp_path):
    table = make_table([20, 20, 20], layout="group")
    table.loc[40:, "rec"] = table.rec[0]  # the first recording again, after another one
    data = write(table, tmp_path / "d.parquet")
    result = invoke("predict", model_run, "--data", data, "--group", "rec", "-q")
    assert result.exit_code == 2
    assert "recording 'r0' of group column 'rec' comes back at row 40" in result.stderr
    assert "--chunk-rows 0" in result.stderr
    whole = invoke("predict", model_run, "--data", data, "--group", "rec", "--chunk-rows", 0)
    assert whole.exit_code == 0 and "r0," in whole.stdout


def test_predict_stream_counts_and_checks_channels(model_run, tmp_path):
    data = write(make_table([40]).drop(columns="b"), tmp_path / "d.parquet")
    with pytest.raises(TszooError, match=r"channel .b. the model was trained on is missing"):
        predict_stream(model_run, data, out=tmp_path / "p.csv", chunk_rows=5)
    assert not (tmp_path / "p.csv").exists()
    data = write(make_table([40]), tmp_path / "d.parquet")
    assert predict_stream(model_run, data, out=tmp_path / "p.csv", chunk_rows=5) == 12


# ----------------------------------------------------------------------------- property

layouts = st.sampled_from(["time", "group", "none"])


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(
    lengths=st.lists(st.integers(1, 30), min_size=1, max_size=5),
    layout=layouts,
    missing=st.lists(st.integers(0, 150), max_size=12).map(tuple),
    nan=st.sampled_from(["drop", "interpolate"]),
    chunk_rows=st.integers(1, 40),
    window=st.integers(1, 9),
    stride=st.integers(1, 12),
    suffix=st.sampled_from([".csv", ".parquet"]),
)
def test_streamed_windows_are_the_whole_files(
    lengths, layout, missing, nan, chunk_rows, window, stride, suffix
):
    table = make_table(lengths, layout=layout, missing=missing)
    group = "rec" if layout == "group" else None
    with tempfile.TemporaryDirectory() as folder:
        data = write(table, Path(folder) / f"d{suffix}")
        try:
            whole = load_table(data, group=group, nan=nan, labelled=False)
        except DataError as exc:  # every row dropped, or a channel empty in a recording
            with pytest.raises(DataError, match=re.escape(str(exc)[:40])):
                stream = open_table(data, group=group, nan=nan, chunk_rows=chunk_rows)
                list(stream_windows(stream.pieces(), window, stride))
            return
        expected = make_windows(whole, window, stride, label_rule="last")
        stream = open_table(data, group=group, nan=nan, chunk_rows=chunk_rows)
        parts = [w for w in stream_windows(stream.pieces(), window, stride) if len(w)]
        assert sum(len(w) for w in parts) == len(expected)
        if not parts:
            return
        got = pd.concat([w.provenance() for w in parts], ignore_index=True)
        pd.testing.assert_frame_equal(got, expected.provenance())
        X = np.concatenate([w.to_numpy() for w in parts])
        np.testing.assert_array_equal(X, expected.to_numpy())
        if whole.time is not None:
            times = np.concatenate([w.recordings.time[w.starts] for w in parts])
            np.testing.assert_array_equal(times, whole.time[expected.starts])
