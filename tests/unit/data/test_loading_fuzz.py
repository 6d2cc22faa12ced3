"""Fuzzing the loader: random, mostly malformed tables either load into valid recordings
and splits, or raise :class:`TszooError` (which the CLI turns into one line and exit code 2).

Any other exception is a bug: the user would see ``internal error`` for a problem in their
file. Each test writes its files into a fresh temporary folder per example, because
hypothesis runs many examples inside one call of the test function.
"""

from __future__ import annotations

import io
import re
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tszoo.data import Recordings, load_data, load_table, prepare_splits
from tszoo.data.pipeline import DataSplits
from tszoo.errors import DataError, TszooError

# Words that start a hint how to fix the problem.
HINT = re.compile(
    r"\b(use|choose|pass|did you mean|fix|check|save|fill|add|remove|rename|leave|give|e\.g\.)",
    re.I,
)
FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Column names a user's file may carry: real ones, ones tszoo looks for, and awkward ones.
NAMES = st.sampled_from(
    ["a", "b", "Feature1", "label", "Label", "target", "class", "time", "Time", "timestamp",
     "rec", "", " ", "Unnamed: 0", "é", "x,y", 'q"uote', "0", "nan", "a.1"]
)  # fmt: skip
TEXT = st.one_of(
    st.sampled_from(["", " ", "x", "nan", "NaN", "inf", "-inf", "1", "1.5", "1e999", "True",
                     "2024-01-01", "12:00", "a,b", '"', "\n", "é", "\x00"]),
    st.text(max_size=4),
)  # fmt: skip
FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)
INTS = st.one_of(st.integers(-1000, 1000), st.integers(-(2**70), 2**70))
CELLS = {
    "float": st.one_of(FLOATS, st.floats(-1e3, 1e3)),  # mostly plain numbers
    "int": INTS,
    "text": TEXT,
    "bool": st.booleans(),
    "mixed": st.one_of(FLOATS, INTS, TEXT, st.booleans(), st.none()),
    "sparse": st.one_of(st.none(), st.floats(-1e3, 1e3)),
}
LABELS = {
    "two": st.sampled_from([0, 1]),
    "three-text": st.sampled_from(["walk", "run", "sit"]),
    "one": st.just("only"),
    "nan": st.just(None),
    "gappy": st.one_of(st.none(), st.sampled_from([0, 1, 2])),
    "float": st.sampled_from([0.0, 1.5, float("nan"), float("inf")]),
    "mixed": st.one_of(st.booleans(), st.sampled_from([0, "0", "a", 1.0]), st.none()),
}
SUFFIXES = [".csv", ".tsv", ".txt", ".parquet", ".dat"]


@st.composite
def time_column(draw, n: int) -> list:
    kind = draw(st.sampled_from(["steps", "backwards", "dates", "random", "text"]))
    if kind == "steps":
        return [i * 0.01 for i in range(n)]
    if kind == "backwards":  # a new recording wherever time goes back
        resets = draw(st.sets(st.integers(1, max(n - 1, 1)), max_size=4))
        t, out = 0, []
        for i in range(n):
            t = 0 if i in resets else t + 1
            out.append(t)
        return out
    if kind == "dates":
        start = pd.Timestamp("2024-01-01")
        return [str(start + pd.Timedelta(seconds=draw(st.integers(0, 60)))) for _ in range(n)]
    if kind == "random":
        return draw(st.lists(CELLS["mixed"], min_size=n, max_size=n))
    return draw(st.lists(TEXT, min_size=n, max_size=n))


@st.composite
def good_table(draw, n: int) -> list[tuple[str, list]]:
    """A table that loads: float channels, labels in runs, perhaps time and group columns."""
    columns = [
        (f"ch{j}", draw(st.lists(st.floats(-1e3, 1e3), min_size=n, max_size=n)))
        for j in range(draw(st.integers(1, 3)))
    ]
    classes = draw(st.sampled_from([[0, 1], ["walk", "run", "sit"], [1.0, 2.0]]))
    cuts = draw(st.sets(st.integers(1, max(n - 1, 1)), min_size=1, max_size=4))
    labels, k = [], 0
    for i in range(n):
        k += i in cuts
        labels.append(classes[k % len(classes)])
    columns.append((draw(st.sampled_from(["label", "Label", "target", "class"])), labels))
    if draw(st.booleans()):
        columns.append((draw(st.sampled_from(["time", "Time", "timestamp"])), draw(time_column(n))))
    if not draw(st.integers(0, 3)):
        columns.append(("rec", [f"r{min(i * 3 // max(n, 1), 2)}" for i in range(n)]))
    return columns


@st.composite
def break_table(draw, columns: list[tuple[str, list]], n: int) -> list[tuple[str, list]]:
    """One of the ways a user's table goes wrong."""
    columns = list(columns)
    how = draw(st.sampled_from(["cell", "column", "extra", "labels", "no-label", "rename"]))
    j = draw(st.integers(0, len(columns) - 1)) if columns else 0
    if how == "cell" and columns and n:
        name, values = columns[j]
        values = list(values)
        values[draw(st.integers(0, n - 1))] = draw(CELLS["mixed"])
        columns[j] = (name, values)
    elif how == "column" and columns:
        kind = draw(st.sampled_from(list(CELLS)))
        columns[j] = (columns[j][0], draw(st.lists(CELLS[kind], min_size=n, max_size=n)))
    elif how == "extra":
        kind = draw(st.sampled_from(list(CELLS)))
        at = draw(st.integers(0, len(columns)))
        columns.insert(at, (draw(NAMES), draw(st.lists(CELLS[kind], min_size=n, max_size=n))))
    elif how == "labels":
        kind = draw(st.sampled_from(list(LABELS)))
        name = next((c for c, _ in columns if c.lower() in ("label", "target", "class")), "label")
        columns = [(c, v) for c, v in columns if c != name]
        columns.append((name, draw(st.lists(LABELS[kind], min_size=n, max_size=n))))
    elif how == "no-label":
        columns = [(c, v) for c, v in columns if c.lower() not in ("label", "target", "class")]
    elif how == "rename" and columns:  # duplicate, empty or misleading names included
        columns[j] = (
            draw(st.one_of(NAMES, st.sampled_from([c for c, _ in columns]))),
            columns[j][1],
        )
    return columns


@st.composite
def tables(draw, max_breaks: int = 3) -> tuple[list[str], list[list]]:
    """Column names (duplicates and empties allowed) and column values, ``n`` rows each:
    a good table broken up to ``max_breaks`` times, or (one time in five) random columns."""
    n = draw(st.one_of(st.integers(0, 50), st.integers(30, 50)))  # long enough to split
    if draw(st.integers(0, 4)):
        columns = draw(good_table(n))
        for _ in range(draw(st.integers(0, max_breaks))):
            columns = draw(break_table(columns, n))
    else:
        columns = []
        for _ in range(draw(st.integers(0, 5))):
            kind = draw(st.sampled_from(list(CELLS)))
            columns.append((draw(NAMES), draw(st.lists(CELLS[kind], min_size=n, max_size=n))))
        if draw(st.integers(0, 4)):
            kind = draw(st.sampled_from(list(LABELS)))
            columns.append(("label", draw(st.lists(LABELS[kind], min_size=n, max_size=n))))
    columns = draw(st.permutations(columns))
    return [c[0] for c in columns], [c[1] for c in columns]


def frame(names: list[str], values: list[list]) -> pd.DataFrame:
    df = pd.DataFrame(dict(enumerate(values)), columns=range(len(values)))
    df.columns = names
    return df


def csv_bytes(names: list[str], values: list[list], how: str, sep: str) -> bytes:
    if how == "pandas":
        buffer = io.StringIO()
        frame(names, values).to_csv(buffer, index=False, sep=sep)
        return buffer.getvalue().encode("utf-8")
    # by hand, unquoted: commas and newlines inside values break the rows
    rows = [sep.join(names)] + [
        sep.join("" if v is None else str(v) for v in row) for row in zip(*values)
    ]
    return "\n".join(rows).encode("utf-8", errors="surrogatepass") + b"\n"


def parquet_bytes(names: list[str], values: list[list]) -> bytes:
    arrays = []
    for col in values:
        try:
            arrays.append(pa.array(col))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):  # mixed types
            arrays.append(pa.array([None if v is None else str(v) for v in col]))
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_arrays(arrays, names=names), buffer)  # duplicates allowed
    return buffer.getvalue()


@st.composite
def damaged(draw, content: bytes) -> bytes:
    """The file as written, or broken the ways files break."""
    how = draw(st.sampled_from(["none", "none", "none", "truncate", "insert", "latin1", "bom",
                                "garbage", "empty"]))  # fmt: skip
    if how == "truncate" and content:
        return content[: draw(st.integers(0, len(content) - 1))]
    if how == "insert":
        at = draw(st.integers(0, len(content)))
        return content[:at] + draw(st.binary(min_size=1, max_size=8)) + content[at:]
    if how == "latin1":  # a non-UTF-8 byte in the header, as Excel on Windows writes it
        return content.replace(b"\n", "é\n".encode("latin-1"), 1)
    if how == "bom":
        return b"\xef\xbb\xbf" + content
    if how == "garbage":
        return draw(st.binary(max_size=200))
    if how == "empty":
        return b""
    return content


@st.composite
def table_files(draw, max_breaks: int = 3, damage: bool = True) -> tuple[str, bytes, list[str]]:
    """A file name, its bytes, and the column names it was written with."""
    names, values = draw(tables(max_breaks))
    suffix = draw(st.sampled_from(SUFFIXES))
    if suffix == ".parquet" and draw(st.integers(0, 5)):
        content = parquet_bytes(names, values)
    else:
        how = draw(st.sampled_from(["pandas", "pandas", "raw"]))
        content = csv_bytes(names, values, how, "\t" if suffix == ".tsv" else ",")
    return f"fuzz{suffix}", draw(damaged(content)) if damage else content, names


@st.composite
def load_options(draw, names: list[str]) -> dict:
    column = st.one_of(st.sampled_from(names or ["a"]), NAMES)
    options: dict = {"nan": draw(st.sampled_from(["error", "drop", "interpolate"]))}
    if not draw(st.integers(0, 5)):
        options["label"] = draw(column)
    if not draw(st.integers(0, 5)):
        options["time"] = draw(column)
    if draw(st.booleans()) and "rec" in names:
        options["group"] = "rec"
    if not draw(st.integers(0, 5)):
        options["channels"] = draw(st.lists(column, max_size=3))
    return options


def check_recordings(rec: Recordings, nan: str, labelled: bool = True) -> None:
    """What every loaded table must satisfy, whatever the file looked like."""
    n = rec.n_rows
    assert n > 0
    assert rec.values.dtype == np.float32 and rec.values.shape == (n, len(rec.channels))
    assert rec.values.flags.c_contiguous
    assert np.isfinite(rec.values).all(), f"non-finite values survived nan={nan!r}"
    assert len(rec.channels) > 0 and all(isinstance(c, str) for c in rec.channels)
    assert len(set(rec.channels)) == len(rec.channels), rec.channels
    assert len(rec.labels) == n and len(rec.source_rows) == n
    assert rec.bounds[0] == 0 and rec.bounds[-1] == n
    assert (np.diff(rec.bounds) > 0).all(), "an empty recording"
    assert len(rec.ids) == len(rec.bounds) - 1
    assert len(np.unique(rec.source_rows)) == n and (rec.source_rows >= 0).all()
    assert ((rec.breaks > 0) & (rec.breaks < n)).all()
    if rec.time is not None:
        assert len(rec.time) == n
    if labelled:
        assert not pd.isna(rec.labels).any()
        assert len(np.unique(rec.labels)) >= 2


def check_splits(splits: DataSplits, rec: Recordings, window: int) -> None:
    """Windows of the right shape, finite after normalisation, and no raw row shared."""
    covered = np.zeros(rec.n_rows, dtype=np.int64)
    for name in ("train", "val", "test"):
        part = splits.get(name)
        X, y = splits.arrays(name)
        assert X.shape == (len(part), len(rec.channels), window)
        assert X.dtype == np.float32 and np.isfinite(X).all()
        assert len(y) == len(part)
        assert set(np.unique(y).tolist()) <= set(rec.classes.tolist())
        covered += part.row_mask() if len(part) else 0
    assert len(splits.train) > 0
    assert covered.max() <= 1, "a raw row is in two splits"


def try_call(fn, *args, names: str | None = None, **kwargs):
    """``fn(...)``, or None when it raises a TszooError; any other exception fails.

    The error must be one line with a hint how to fix it and, given ``names``, name it.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' format-guessing chatter is not the point
        try:
            return fn(*args, **kwargs)
        except TszooError as exc:
            text = str(exc)
            assert text.strip() and "\n" not in text.strip(), f"not one line: {text!r}"
            assert HINT.search(text), f"no hint how to fix: {text!r}"
            assert names is None or names in text, f"{names!r} not named: {text!r}"
            event(f"{fn.__name__}: TszooError")
            return None


@FUZZ
@given(data=st.data())
def test_random_table_loads_validly_or_raises_tszoo_error(data):
    name, content, names = data.draw(table_files(), label="file")
    options = data.draw(load_options(names), label="options")
    labelled = data.draw(st.integers(0, 5).map(bool), label="labelled")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        rec = try_call(load_table, path, names=name, labelled=labelled, **options)
        if rec is not None:
            event("load_table: loaded")
            check_recordings(rec, options["nan"], labelled)
        if labelled:  # the dispatcher must agree with load_table
            again = try_call(load_data, path, names=name, **options)
            assert (again is None) == (rec is None)
            if again is not None:
                np.testing.assert_array_equal(again.values, rec.values)
                np.testing.assert_array_equal(again.labels, rec.labels)


@FUZZ
@given(data=st.data())
def test_random_table_splits_validly_or_raises_tszoo_error(data):
    # tables that mostly load (the test above breaks the files), so the splits get work
    name, content, names = data.draw(table_files(max_breaks=1, damage=False), label="file")
    options = data.draw(load_options(names), label="options")
    window = data.draw(st.integers(1, 5), label="window")
    split = {
        "window": window,
        "stride": data.draw(st.integers(1, 3), label="stride"),
        "fractions": data.draw(
            st.sampled_from([(1.0, 0.0, 0.0), (0.6, 0, 0.4), (0.5, 0.25, 0.25), (0.8, 0.1, 0.1)]),
            label="fractions",
        ),
        "label_rule": data.draw(st.sampled_from(["drop", "last", "majority"]), label="rule"),
        "strategy": data.draw(
            st.sampled_from(["auto", "blocks", "auto", "recordings"]), label="how"
        ),
        "normalise": data.draw(st.sampled_from(["zscore", "window", "none"]), label="norm"),
        "seed": data.draw(st.integers(0, 3), label="seed"),
    }
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        rec = try_call(load_table, path, names=name, **options)
        if rec is None:
            return
        check_recordings(rec, options["nan"])
        splits = try_call(prepare_splits, rec, **split)
        if splits is not None:
            event("prepare_splits: split")
            check_splits(splits, rec, window)


# ----------------------------------------------------------------------------- .ts files

TS_LINES = st.sampled_from(
    ["@problemName Toy", "@timeStamps false", "@timeStamps true", "@missing true",
     "@univariate true", "@univariate false", "@dimensions 2", "@equalLength true",
     "@equalLength false", "@seriesLength 4", "@classLabel true a b", "@classLabel false",
     "@targetlabel true", "@data", "1,2,3,4:a", "4,3,2,1:b", "1,2:3,4:a", "1,?,3,4:b",
     "1,2,3,4", "1,2,3,4:c", "(1,2),(2,3):a", "x,y:a", "::", ":", "", "1e999,1,1,1:b"]
)  # fmt: skip


@settings(FUZZ, max_examples=100)
@given(lines=st.lists(st.one_of(TS_LINES, st.text(max_size=10)), max_size=12))
def test_random_ts_file_loads_validly_or_raises_tszoo_error(lines):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "Fuzz_TRAIN.ts"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
        data = try_call(load_data, path, names=path.name)
        if data is None:
            return
        cases = data.train
        assert len(cases) == len(cases.y) > 0
        assert len(np.unique(cases.y)) >= 2
        X = cases.X if isinstance(cases.X, list) else list(cases.X)
        assert all(x.ndim == 2 and np.isfinite(x).all() for x in X)
        assert {x.shape[0] for x in X} == {len(cases.channels)}


def test_fuzz_helpers_write_readable_good_files():
    # the strategies above must also be able to produce files that load, or the fuzz
    # tests would only ever see errors
    names = ["time", "a", "b", "label"]
    values = [[0, 1, 2, 0, 1, 2], [1.0, 2, 3, 4, 5, 6], [0.5] * 6, [0, 0, 0, 1, 1, 1]]
    with tempfile.TemporaryDirectory() as folder:
        for name, content in [
            ("good.csv", csv_bytes(names, values, "pandas", ",")),
            ("good.txt", csv_bytes(names, values, "raw", ",")),
            ("good.parquet", parquet_bytes(names, values)),
        ]:
            path = Path(folder) / name
            path.write_bytes(content)
            rec = load_table(path)
            check_recordings(rec, "error")
            assert rec.channels == ["a", "b"] and rec.n_recordings == 2


# ----------------------------------------------------------------------------- pinned findings

EIGHT = list(range(8))


def parquet_of(columns: dict) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns), buffer)
    return buffer.getvalue()


# What the fuzzer and the bad-input table found, each with what happened before the fix.
FOUND_ERRORS = [
    (  # returned a Recordings of zero rows
        "all-rows-dropped", "a.csv", "a,label\n,0\n", {"nan": "drop", "labelled": False},
        r"a\.csv: every one of the 1 rows has a missing .* leaves nothing; fill in",
    ),
    (  # loaded the same column twice
        "channel-named-twice", "a.csv", "a,label\n1,0\n2,1\n", {"channels": ["a", "a"]},
        r"a\.csv: channel 'a' is named twice; remove the repeat from --channels",
    ),
    (  # silently became class 0
        "infinite-label", "a.csv", "a,label\n1,inf\n2,1\n3,0\n", {},
        r"a\.csv: label column 'label' is 'inf', not a class, at row 0 \(line 2\).*--nan drop",
    ),
    (  # the second 'label' became a channel 'label.1': the label leaked into the input
        "repeated-header-name", "a.csv", "label,label,b\n0,0,1\n1,1,2\n", {},
        r"a\.csv: column 'label' appears more than once in the header; rename the repeats",
    ),
    (  # pandas took the first column as the index and shifted every column by one
        "first-row-longer-than-header", "a.csv", "a,b,label\n1,2,0,9\n3,4,1,8\n", {},
        r"a\.csv: line 2 has more fields than the header; check for a missing column name",
    ),
    (  # "no label column (columns are a;b;label)"
        "semicolon-separated", "a.csv", "a;b;label\n1;2;0\n3;4;1\n", {},
        r"a\.csv: the header 'a;b;label' is one column; the values seem separated by ';'",
    ),
    (  # empty ids became one recording called 'nan'
        "empty-group-id", "a.csv", "rec,a,label\nr1,1,0\n,2,1\nr2,3,0\n", {"group": "rec"},
        r"a\.csv: group column 'rec' is empty at row 1 \(line 3\).*fill in the recording id",
    ),
    (  # "bad byte at position 3": pandas' offset into its buffer, not the file
        "non-utf8-position", "a.csv", "a,label\n1,0\n2,caf\xe9\n".encode("latin-1"), {},
        r"a\.csv: not UTF-8 text \(byte 0xe9 on line 3\)",
    ),
    (  # pyarrow's message only: nothing said how to fix it
        "parquet-repeated-names", "a.parquet",
        parquet_bytes(["a", "a", "label"], [[1.0, 2.0], [3.0, 4.0], [0, 1]]), {},
        r"a\.parquet: not a readable Parquet file .*save it again as Parquet \(unique column",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "content", "options", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in FOUND_ERRORS],
)
def test_found_bad_input_raises_a_data_error(tmp_path, name, content, options, message):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(DataError, match=message):
        load_table(path, **options)


FOUND_CRASHES = [
    # ValueError: setting an array element with a sequence
    ("list-labels", "a.parquet", parquet_of({"a": EIGHT, "label": [[1]] * 4 + [[2]] * 4})),
    # UnicodeDecodeError from labels.astype(str)
    ("bytes-labels", "a.parquet", parquet_of({"a": EIGHT, "label": [b"a"] * 4 + [b"\xff"] * 4})),
    # ValueError: Mixed timezones detected
    (
        "mixed-time-zones", "a.csv",
        "time,a,label\n2024-01-01T10:00:00+01:00,1,0\n2024-01-01T09:00:01Z,2,0\n"
        "2024-01-01T09:00:02,3,1\n2024-01-01T09:00:03,4,1\n",
    ),
    # TypeError: float() argument must be ... not 'Timestamp'
    (
        "one-time-zone", "a.csv",
        "time,a,label\n2024-01-01T10:00:00+01:00,1,0\n2024-01-01T10:00:01+01:00,2,0\n"
        "2024-01-01T10:00:02+01:00,3,1\n2024-01-01T10:00:03+01:00,4,1\n",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "content"), [pytest.param(*case[1:], id=case[0]) for case in FOUND_CRASHES]
)
def test_found_crashes_now_load(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    rec = load_table(path)
    check_recordings(rec, "error")
    assert rec.n_rows == (8 if name.endswith(".parquet") else 4)
    assert rec.n_recordings == 1  # time in any zone, once converted, never goes back
    assert len(rec.classes) == 2


def test_stride_longer_than_every_recording_is_refused(tmp_path):
    # each recording gave one window, silently, before
    path = tmp_path / "a.csv"
    pd.DataFrame({"a": np.arange(40.0), "label": [0] * 20 + [1] * 20}).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"a\.csv: stride=41 is longer than every recording"):
        prepare_splits(path, window=5, stride=41)


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__, "-q", "--hypothesis-show-statistics"])
