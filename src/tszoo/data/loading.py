"""Load long-format tables (CSV, Parquet), UCR/UEA ``.ts`` files and bundled datasets.

Two shapes of data come out of here:

- :class:`Recordings`: long recordings, one row per time step, to be cut into windows.
  Rows of all recordings are stacked in one ``(n_rows, n_channels)`` float32 array, so
  windows can be strided views of it.
- :class:`CaseDataset`: ready-made cases ``(n_cases, n_channels, n_timepoints)`` (or a list
  of ``(n_channels, n_timepoints_i)`` arrays when lengths differ), with an optional given
  test split, as UCR/UEA archives ship them.

Row numbers everywhere are 0-based data rows of the source file (the header is not a row).
"""

from __future__ import annotations

import csv
import itertools
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from tszoo.errors import DataError, closest

logger = logging.getLogger(__name__)

NanPolicy = Literal["error", "drop", "interpolate"]

LABEL_NAMES = ("label", "target", "class")
TIME_NAMES = ("time", "timestamp")
TABLE_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}

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


@dataclass
class Recordings:
    """Long multichannel recordings, stacked row-wise.

    Attributes
    ----------
    values : ndarray of shape (n_rows, n_channels), float32
        All rows of all recordings; recording ``i`` is ``values[bounds[i]:bounds[i + 1]]``.
    labels : ndarray of shape (n_rows,)
        The label of every row, as found in the file.
    bounds : ndarray of shape (n_recordings + 1,), int64
        Row offsets of the recordings in ``values``.
    ids : list of str
        One id per recording (the group value, or its position in the file).
    channels : list of str
        Channel names, one per column of ``values``.
    source_rows : ndarray of shape (n_rows,), int64
        The source-file row of each row of ``values`` (rows can be dropped or regrouped).
    time : ndarray of shape (n_rows,) or None
        The time column, if the file has one.
    source : str
        Where the data came from, for messages.
    breaks : ndarray of int64
        Stacked rows where a recording is interrupted because the rows before them were
        dropped; windows never span a break.
    """

    values: np.ndarray
    labels: np.ndarray
    bounds: np.ndarray
    ids: list[str]
    channels: list[str]
    source_rows: np.ndarray
    time: np.ndarray | None = None
    source: str = "<memory>"
    breaks: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n_recordings(self) -> int:
        return len(self.ids)

    @property
    def n_rows(self) -> int:
        return len(self.values)

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.bounds)

    @property
    def classes(self) -> np.ndarray:
        return np.unique(self.labels)

    def recording_of_row(self, rows: np.ndarray) -> np.ndarray:
        """Index of the recording that holds each (stacked) row."""
        return np.searchsorted(self.bounds, rows, side="right") - 1

    @classmethod
    def from_arrays(
        cls,
        recordings: list[np.ndarray],
        labels: list[np.ndarray],
        *,
        ids: list[str] | None = None,
        channels: list[str] | None = None,
    ) -> Recordings:
        """Build from per-recording arrays of shape ``(n_rows_i, n_channels)`` and labels."""
        values = np.ascontiguousarray(np.concatenate(recordings), dtype=np.float32)
        bounds = np.concatenate([[0], np.cumsum([len(r) for r in recordings])]).astype(np.int64)
        return cls(
            values=values,
            labels=np.concatenate(labels),
            bounds=bounds,
            ids=ids or [str(i) for i in range(len(recordings))],
            channels=channels or [f"ch{i}" for i in range(values.shape[1])],
            source_rows=np.arange(len(values), dtype=np.int64),
        )


@dataclass
class Cases:
    """Ready-made cases: ``X`` is ``(n_cases, n_channels, n_timepoints)`` or a list of
    ``(n_channels, n_timepoints_i)`` arrays when lengths differ; ``y`` has one label a case."""

    X: np.ndarray | list[np.ndarray]
    y: np.ndarray
    channels: list[str]
    index: np.ndarray = field(default=None)  # position of each case in its source file

    def __post_init__(self):
        if self.index is None:
            self.index = np.arange(len(self.y))

    def __len__(self) -> int:
        return len(self.y)

    @property
    def equal_length(self) -> bool:
        return isinstance(self.X, np.ndarray)

    @property
    def lengths(self) -> np.ndarray:
        if isinstance(self.X, np.ndarray):
            return np.full(len(self.X), self.X.shape[-1])
        return np.array([x.shape[-1] for x in self.X])

    def subset(self, idx: np.ndarray) -> Cases:
        X = self.X[idx] if isinstance(self.X, np.ndarray) else [self.X[i] for i in idx]
        return Cases(X=X, y=self.y[idx], channels=self.channels, index=self.index[idx])


@dataclass
class CaseDataset:
    """Cases with the split the dataset ships with (``test`` is None when it has none)."""

    name: str
    train: Cases
    test: Cases | None = None


# ----------------------------------------------------------------------------- tables


def load_table(
    path: str | Path,
    *,
    label: str | None = None,
    time: str | None = None,
    channels: list[str] | None = None,
    group: str | None = None,
    nan: NanPolicy = "error",
    labelled: bool = True,
) -> Recordings:
    """Load a long-format CSV or Parquet table into :class:`Recordings`.

    Parameters
    ----------
    path : str or Path
        A ``.csv``/``.tsv`` or ``.parquet`` file with one row per time step.
    label : str, optional
        Label column; default: the one column named label, target or class (any case).
    time : str, optional
        Time column; default: a column named time or timestamp (any case), if present.
    channels : list of str, optional
        Channel columns; default: every other numeric column.
    group : str, optional
        Recording id column. Without it, a new recording starts wherever time goes
        backwards; without a time column, the file is one recording.
    nan : {"error", "drop", "interpolate"}
        What to do with missing or infinite channel values. Windows never span dropped rows.
    labelled : bool
        False for data to predict: a label column is optional, kept out of the channels
        and otherwise ignored (every row gets the label 0).
    """
    path = Path(path)
    df, lines = _read_table(path)
    where = f"{path.name}"
    df.columns = [str(c) for c in df.columns]
    cols = table_columns(
        where, df, label=label, time=time, channels=channels, group=group, labelled=labelled
    )
    label_col, channel_cols = cols.label, cols.channels
    values, time_values, groups = table_arrays(where, df, cols, lines)
    labels = _label_values(df[label_col]) if labelled else np.zeros(len(df), dtype=np.int64)
    source_rows = np.arange(len(df), dtype=np.int64)

    if labelled:
        missing_label = _missing_labels(where, df[label_col], label_col, lines, nan)
    else:
        missing_label = np.zeros(len(df), dtype=bool)

    # 1. recordings: by group, else where time goes backwards, else one
    if groups is not None:
        order = np.argsort(pd.factorize(groups)[0], kind="stable")
        if not np.array_equal(order, source_rows):
            values, labels, source_rows = values[order], labels[order], source_rows[order]
            missing_label = missing_label[order]
            groups = groups[order]
            time_values = None if time_values is None else time_values[order]
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        ids = [str(g) for g in groups[starts]]
    elif time_values is not None and len(time_values) > 1:
        back = np.flatnonzero(np.diff(time_values.astype("float64")) < 0) + 1
        starts = np.r_[0, back]
        ids = [str(i) for i in range(len(starts))]
    else:
        starts = np.array([0])
        ids = ["0"]
    bounds = np.r_[starts, len(values)].astype(np.int64)
    breaks = np.zeros(0, dtype=np.int64)

    # 2. missing values
    bad = ~np.isfinite(values)
    if nan == "interpolate":
        values = _interpolate(where, values, bounds, ids, channel_cols)
        bad[:] = False
    drop = bad.any(axis=1) | missing_label
    if drop.any():
        if nan == "error":
            check_finite(where, bad, channel_cols, source_rows, lines)
        keep = ~drop
        if not keep.any():
            raise nothing_left_error(where, len(keep))
        logger.info("%s: dropped %d rows with missing values", where, int(drop.sum()))
        kept = np.flatnonzero(keep)
        breaks = np.flatnonzero(np.diff(kept) != 1) + 1
        new_bounds = np.r_[0, np.cumsum([keep[a:b].sum() for a, b in itertools.pairwise(bounds)])]
        nonempty = np.diff(new_bounds) > 0
        ids = [i for i, ok in zip(ids, nonempty) if ok]
        bounds = np.r_[0, new_bounds[1:][nonempty]].astype(np.int64)
        values, labels, source_rows = values[keep], labels[keep], source_rows[keep]
        time_values = None if time_values is None else time_values[keep]

    recordings = Recordings(
        values=np.ascontiguousarray(values),
        labels=labels,
        bounds=bounds,
        ids=ids,
        channels=channel_cols,
        source_rows=source_rows,
        time=time_values,
        source=str(path),
        breaks=breaks.astype(np.int64),
    )
    if labelled:
        _check_classes(where, recordings.labels, label_col)
    logger.info(
        "%s: %d rows, %d channels, %d recordings, %d classes",
        where,
        recordings.n_rows,
        len(channel_cols),
        recordings.n_recordings,
        len(recordings.classes),
    )
    return recordings


@dataclass(frozen=True)
class TableColumns:
    """Which columns of a table are the label, time, recording id and channels."""

    label: str | None
    time: str | None
    group: str | None
    channels: list[str]


def table_columns(
    where: str,
    df: pd.DataFrame,
    *,
    label: str | None,
    time: str | None,
    channels: list[str] | None,
    group: str | None,
    labelled: bool,
) -> TableColumns:
    """Find the label, time, group and channel columns of ``df`` (see :func:`load_table`)."""
    columns = list(df.columns)
    label_col = _find_column(
        where, columns, label, LABEL_NAMES, "label", "--label", required=labelled
    )
    time_col = _find_column(where, columns, time, TIME_NAMES, "time", "--time", required=False)
    if group is not None and group not in columns:
        raise DataError(
            f"{where}: no group column '{group}'{closest(group, columns)}; "
            f"columns are {', '.join(columns)}; pass one of them with --group COL"
        )
    reserved = {label_col, time_col, group}
    channel_cols = _channel_columns(where, df, channels, reserved)
    return TableColumns(label_col, time_col, group, channel_cols)


def table_arrays(
    where: str, df: pd.DataFrame, cols: TableColumns, lines: np.ndarray | None, first: int = 0
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Channel values ``(n_rows, n_channels)`` float32, time values and recording ids.

    ``first`` is the source-file row of ``df``'s first row (for messages); ``lines`` the
    file line of each row of ``df``, for text files.
    """
    values = np.empty((len(df), len(cols.channels)), dtype=np.float32)
    for j, col in enumerate(cols.channels):
        values[:, j] = _numeric_column(where, df[col], col, lines, first)
    time_values = _time_column(where, df[cols.time], cols.time, lines, first) if cols.time else None
    groups = _group_column(where, df[cols.group], cols.group, lines, first) if cols.group else None
    return values, time_values, groups


def check_finite(
    where: str,
    bad: np.ndarray,
    channels: list[str],
    source_rows: np.ndarray,
    lines: np.ndarray | None,
    first: int = 0,
    scope: str = "in all",
) -> None:
    """Refuse missing or infinite values: ``bad`` is ``(n_rows, n_channels)``, True where one is."""
    rows, cols = np.nonzero(bad)
    if len(rows):
        raise DataError(
            f"{where}: column '{channels[cols[0]]}' has a missing or infinite value at "
            f"{_row(int(source_rows[rows[0]]) - first, lines, first)} ({len(rows)} such values "
            f"{scope}); clean the file or pass --nan drop or --nan interpolate"
        )


def nothing_left_error(where: str, n_rows: int) -> DataError:
    return DataError(
        f"{where}: every one of the {n_rows} rows has a missing or infinite value "
        "or an empty label, so --nan drop leaves nothing; fill in the file or leave "
        "the empty columns out with --channels"
    )


def _table_kind(path: Path) -> str:
    return TABLE_SUFFIXES.get(path.suffix.lower(), "csv")


def _read_table(path: Path) -> tuple[pd.DataFrame, np.ndarray | None]:
    """The table, and for text files the file line of each data row (for messages)."""
    check_table_file(path)
    if _table_kind(path) == "parquet":
        with parquet_errors(path):
            df = pd.read_parquet(path)
        lines = None
    else:
        sep = csv_separator(path)
        with csv_errors(path, sep):
            df = pd.read_csv(path, sep=sep, **CSV_OPTIONS)
        check_csv_header(path, df, sep)
        df, lines = drop_blank_rows(df)
    if len(df) == 0:
        raise no_rows_error(path)
    return df, lines


# Shared with tszoo.data.streaming, which reads the same files a chunk of rows at a time.
# index_col=False: a first row longer than the header must not silently become the index
# (and shift every column); pandas warns instead, and csv_errors makes that an error.
CSV_OPTIONS = {"encoding": "utf-8", "skip_blank_lines": False, "index_col": False}


def check_table_file(path: Path) -> None:
    """Refuse a missing or empty file, and binary data under a text table's name."""
    if not path.is_file():
        raise DataError(f"{path}: no such file; check the path")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty; give a table with a header row and data rows")
    if _table_kind(path) == "csv":
        with open(path, "rb") as f:
            head = f.read(8192)
        if b"\x00" in head:
            raise DataError(
                f"{path}: looks like a binary file, not a CSV text table; pass a CSV, or a "
                "Parquet file named .parquet"
            )


def csv_separator(path: Path) -> str:
    return "\t" if path.suffix.lower() == ".tsv" else ","


@contextmanager
def parquet_errors(path: Path) -> Iterator[None]:
    """Turn whatever pyarrow raises on a broken file into one DataError."""
    try:
        yield
    except DataError:
        raise
    except Exception as exc:  # pyarrow raises several unrelated types
        raise DataError(
            f"{path}: not a readable Parquet file ({_first_line(exc)}); check the file, "
            "or save it again as Parquet (unique column names) or CSV"
        ) from exc


@contextmanager
def csv_errors(path: Path, sep: str) -> Iterator[None]:
    """Turn pandas' CSV parsing errors (and warnings about shifted columns) into DataErrors."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            yield
    except pd.errors.ParserWarning:
        raise DataError(
            f"{path}: {_first_long_line(path, sep)} has more fields than the header; "
            f"check for a missing column name or a stray {sep!r}"
        ) from None
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}: not UTF-8 text ({_first_bad_byte(path)}); save the file as UTF-8 CSV"
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise DataError(
            f"{path}: the file has no columns; add a header row of column names"
        ) from exc
    except pd.errors.ParserError as exc:
        raise DataError(
            f"{path}: not a valid CSV table ({_first_line(exc)}); check the quotes and "
            "that every line has as many fields as the header"
        ) from exc


def check_csv_header(path: Path, df: pd.DataFrame, sep: str) -> None:
    """Refuse a first line without column names, and headers pandas would quietly repair."""
    if all(str(c).strip() == "" or str(c).startswith("Unnamed: ") for c in df.columns):
        raise DataError(
            f"{path}: the first line holds no column names; add a header row of column names"
        )
    _check_header(path, df, sep)


def drop_blank_rows(df: pd.DataFrame, first_line: int = 2) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows that are not blank, renumbered from 0, and the file line of each (1-based).

    ``first_line`` is the file line of ``df``'s first row (2: just after the header).
    """
    blank = df.isna().all(axis=1).to_numpy()
    lines = np.flatnonzero(~blank) + first_line
    return df[~blank].reset_index(drop=True), lines


def no_rows_error(path: Path) -> DataError:
    return DataError(f"{path}: the file has a header but no data rows; add data rows")


def _first_bad_byte(path: Path) -> str:
    """``byte 0xe9 on line 3``: where UTF-8 decoding first fails (pandas' own position is
    relative to a buffer, not the file)."""
    line, pending = 1, b""
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            data = pending + chunk
            try:
                data.decode("utf-8")
                pending = b""
            except UnicodeDecodeError as exc:
                if exc.end < len(data) or exc.reason != "unexpected end of data":
                    line += data.count(b"\n", 0, exc.start)
                    return f"byte 0x{data[exc.start]:02x} on line {line}"
                pending = data[exc.start :]  # a character cut by the chunk's end
                data = data[: exc.start]
            line += data.count(b"\n")
    return f"byte 0x{pending[0]:02x} on line {line}" if pending else "a byte it cannot decode"


def _first_long_line(path: Path, sep: str) -> str:
    """``line N``: the first line with more fields than the header (for messages)."""
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        rows = csv.reader(f, delimiter=sep)
        header = next(rows, [])
        for row in rows:
            if len(row) > len(header):
                return f"line {rows.line_num}"
    return "a line"


def _check_header(path: Path, df: pd.DataFrame, sep: str) -> None:
    """Refuse headers pandas would quietly repair: repeated names, another separator."""
    columns = [str(c) for c in df.columns]
    if len(columns) == 1:
        other = next((s for s in ",;\t|" if s in columns[0] and s != sep), None)
        if other is not None:
            raise DataError(
                f"{path}: the header {columns[0]!r} is one column; the values seem separated "
                f"by {other!r}: save the file with {sep!r} between values"
            )
    # pandas renames a repeated 'a' to 'a.1': a second label column would become a channel
    if any(c.rpartition(".")[2].isdigit() for c in columns):
        header = pd.read_csv(
            path, sep=sep, header=None, nrows=1, dtype=str, encoding="utf-8", index_col=False
        )
        names = [n for n in header.iloc[0].tolist() if isinstance(n, str)]
        twice = next((n for n in names if names.count(n) > 1), None)
        if twice is not None:
            raise DataError(
                f"{path}: column '{twice}' appears more than once in the header; rename the repeats"
            )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _row(row: int, lines: np.ndarray | None, first: int = 0) -> str:
    """``row N (line L)`` for row ``row`` of a table whose first row is source row ``first``."""
    return f"row {first + row} (line {lines[row]})" if lines is not None else f"row {first + row}"


def _find_column(
    where: str,
    columns: list[str],
    given: str | None,
    names: tuple[str, ...],
    what: str,
    option: str,
    required: bool = True,
) -> str | None:
    if given is not None:
        if given not in columns:
            raise DataError(
                f"{where}: no {what} column '{given}'{closest(given, columns)}; "
                f"columns are {', '.join(columns)}; pass one of them with {option} COL"
            )
        return given
    found = [c for c in columns if c.lower() in names]
    if len(found) > 1:
        raise DataError(
            f"{where}: several columns could be the {what} ({', '.join(found)}); "
            f"choose one with {option} COL"
        )
    if not found:
        if required:
            raise DataError(
                f"{where}: no {what} column; expected one named {'/'.join(names)} "
                f"or pass {option} COL (columns are {', '.join(columns)})"
            )
        return None
    return found[0]


def _channel_columns(
    where: str, df: pd.DataFrame, channels: list[str] | None, reserved: set
) -> list[str]:
    columns = list(df.columns)
    if channels:
        twice = next((c for c in channels if channels.count(c) > 1), None)
        if twice is not None:
            raise DataError(
                f"{where}: channel '{twice}' is named twice; remove the repeat from --channels"
            )
        for c in channels:
            if c not in columns:
                raise DataError(
                    f"{where}: no channel column '{c}'{closest(c, columns)}; "
                    f"columns are {', '.join(columns)}; fix the name in --channels"
                )
            if c in reserved:
                raise DataError(
                    f"{where}: '{c}' is the label, time or group column, not a channel; "
                    "leave it out of --channels"
                )
        return list(channels)
    picked = []
    for c in columns:
        if c in reserved:
            continue
        col = df[c]
        if c.startswith("Unnamed: "):
            # a column without a header, such as a saved DataFrame index: a row counter
            # would leak position into the model
            logger.warning(
                "%s: column %d has no header; not used as a channel", where, columns.index(c)
            )
            continue
        if pd.api.types.is_bool_dtype(col):
            continue
        if pd.api.types.is_numeric_dtype(col):
            picked.append(c)
            continue
        # A text column where some values are numbers is a channel with a typo in it,
        # not an id column: let the numeric check name the bad value.
        parsed = pd.to_numeric(col, errors="coerce")
        if parsed.notna().any():
            picked.append(c)
        else:
            logger.info("%s: column '%s' is not numeric; not used as a channel", where, c)
    if not picked:
        raise DataError(
            f"{where}: no numeric channel columns besides label/time/group (columns are "
            f"{', '.join(columns)}); pass the channels with --channels a,b,c"
        )
    return picked


def _numeric_column(
    where: str, col: pd.Series, name: str, lines: np.ndarray | None, first: int = 0
) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return col.to_numpy(dtype=np.float64, na_value=np.nan)
    parsed = pd.to_numeric(col, errors="coerce")
    bad = parsed.isna().to_numpy() & col.notna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{where}: column '{name}' has a non-numeric value {col.iloc[row]!r} at "
            f"{_row(row, lines, first)}; fix the value or leave '{name}' out with --channels"
        )
    return parsed.to_numpy(dtype=np.float64, na_value=np.nan)


def _group_column(where: str, col: pd.Series, name: str, lines, first: int = 0) -> np.ndarray:
    empty = pd.isna(col).to_numpy()
    if empty.any():
        row = int(np.flatnonzero(empty)[0])
        raise DataError(
            f"{where}: group column '{name}' is empty at {_row(row, lines, first)} "
            f"({int(empty.sum())} rows in all); fill in the recording id of every row"
        )
    return _as_text(col.to_numpy())


def _missing_labels(where: str, col: pd.Series, name: str, lines, nan: NanPolicy) -> np.ndarray:
    """Rows without a class (empty or infinite); an error unless they are to be dropped."""
    missing = pd.isna(col).to_numpy()
    if pd.api.types.is_float_dtype(col):
        missing = missing | np.isinf(col.to_numpy(dtype=np.float64, na_value=np.nan))
    if missing.any() and nan != "drop":
        row = int(np.flatnonzero(missing)[0])
        value = col.iloc[row]
        what = "empty" if pd.isna(value) else f"'{value}', not a class,"
        raise DataError(
            f"{where}: label column '{name}' is {what} at {_row(row, lines)} "
            f"({int(missing.sum())} rows in all); fill it in or pass --nan drop"
        )
    return missing


def _time_column(where: str, col: pd.Series, name: str, lines, first: int = 0) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(col):
        return col.to_numpy(dtype=np.float64, na_value=np.nan)
    # numbers or dates, whichever reads more of the column; the rest are the bad values
    as_numbers = pd.to_numeric(col, errors="coerce")
    as_dates = _parse_dates(col)
    parsed = as_numbers if as_numbers.notna().sum() >= as_dates.notna().sum() else as_dates
    bad = parsed.isna().to_numpy() & col.notna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{where}: time column '{name}' has {col.iloc[row]!r} at {_row(row, lines, first)}, "
            "neither a number nor a date; fix it or pass --time COL for another column"
        )
    return parsed.to_numpy()


def _parse_dates(col: pd.Series) -> pd.Series:
    """Dates as time-zone-naive UTC (mixed zones compare correctly); NaT where unreadable."""
    try:
        dates = pd.to_datetime(col, errors="coerce", format="mixed", utc=True)
    except (ValueError, TypeError, OverflowError):  # values pandas cannot even coerce
        return pd.Series(pd.NaT, index=col.index, dtype="datetime64[ns]")
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_convert(None)
    return dates


def _as_text(values: np.ndarray) -> np.ndarray:
    """Labels or ids as strings, whatever objects a Parquet file held (bytes, lists)."""
    try:
        return values.astype(str)
    except (ValueError, UnicodeDecodeError):
        return np.array([str(v) for v in values])


def _label_values(col: pd.Series) -> np.ndarray:
    """The label column as a numpy array, text labels as fixed-width strings.

    Text goes through its distinct values (``pd.factorize``), never one Python string per
    row: for 10 million rows that is 160 MB of 4-letter labels instead of 850 MB. Missing
    labels become "" here; they are refused or dropped by the missing-label check.
    """
    if pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col):
        try:
            codes, uniques = pd.factorize(col)  # missing -> -1
        except TypeError:  # unhashable values (lists in a Parquet column)
            return _normalise_labels(col.to_numpy())
        names = _as_text(np.asarray(uniques, dtype=object))
        return np.append(names, "")[codes]
    return _normalise_labels(col.to_numpy())


def _normalise_labels(labels: np.ndarray) -> np.ndarray:
    """Integer-valued float labels (from a column with gaps) become ints; text stays text."""
    if labels.dtype.kind == "f":
        finite = labels[np.isfinite(labels)]
        if np.all(finite == np.round(finite)):
            out = np.zeros(len(labels), dtype=np.int64)
            ok = np.isfinite(labels)
            out[ok] = labels[ok].astype(np.int64)
            return out
    if labels.dtype.kind == "O":
        return _as_text(labels)
    return labels


def _check_classes(where: str, labels: np.ndarray, column: str) -> None:
    classes = np.unique(labels)
    if len(classes) < 2:
        found = f"'{classes[0]}'" if len(classes) else "none"
        raise DataError(
            f"{where}: label column '{column}' holds one class only ({found}); "
            "a classifier needs at least two: add data of another class, or check --label"
        )


def _interpolate(
    where: str, values: np.ndarray, bounds: np.ndarray, ids: list[str], channels: list[str]
) -> np.ndarray:
    values = values.copy()
    values[~np.isfinite(values)] = np.nan
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        block = values[a:b]
        if not np.isnan(block).any():
            continue
        check_interpolable(where, block, ids[i], channels)
        values[a:b] = interpolate_gaps(block)
    return values


def interpolate_gaps(block: np.ndarray) -> np.ndarray:
    """Fill the NaNs of each column of ``block`` (rows of one recording) linearly between
    its neighbours; leading and trailing NaNs take the nearest value."""
    return pd.DataFrame(block).interpolate(limit_direction="both").to_numpy()


def check_interpolable(where: str, block: np.ndarray, rec_id: str, channels: list[str]) -> None:
    """Refuse a channel with no value at all in a recording: nothing to interpolate from."""
    empty = np.isnan(block).all(axis=0)
    if empty.any():
        raise DataError(
            f"{where}: channel '{channels[int(np.flatnonzero(empty)[0])]}' has no values "
            f"in recording '{rec_id}' to interpolate from; use --nan drop"
        )


# ----------------------------------------------------------------------------- .ts


def load_ts(
    path: str | Path, test_path: str | Path | None = None, *, nan: NanPolicy = "error"
) -> CaseDataset:
    """Load a UCR/UEA ``.ts`` file (equal or unequal length) and an optional test file."""
    path = Path(path)
    train = _read_ts(path, nan)
    test = None
    if test_path is not None:
        test = _read_ts(Path(test_path), nan)
        if test.X[0].shape[0] != train.X[0].shape[0]:
            raise DataError(
                f"{Path(test_path).name}: {test.X[0].shape[0]} channels, but the training "
                f"file {path.name} has {train.X[0].shape[0]}; pass the test file of the same "
                "dataset"
            )
    _check_classes(path.name, train.y, "class")
    return CaseDataset(name=path.stem.removesuffix("_TRAIN"), train=train, test=test)


def _read_ts(path: Path, nan: NanPolicy) -> Cases:
    from aeon.datasets import load_from_ts_file

    if not path.is_file():
        raise DataError(f"{path}: no such file; check the path")
    try:
        X, y = load_from_ts_file(str(path))
    except Exception as exc:  # aeon raises IOError/ValueError/IndexError on malformed files
        raise DataError(
            f"{path}: not a readable .ts file ({_first_line(exc)}); check it follows the "
            "UCR/UEA .ts format"
        ) from exc
    if len(y) == 0:
        raise DataError(
            f"{path}: the .ts file holds no cases; check it is a UCR/UEA .ts file with "
            "cases after @data"
        )
    series = [np.asarray(x, dtype=np.float32) for x in X]
    for i, x in enumerate(series):
        if not np.isfinite(x).all():
            if nan == "error":
                raise DataError(
                    f"{path.name}: case {i} has missing or infinite values; "
                    "pass --nan interpolate or --nan drop"
                )
            if nan == "interpolate":
                series[i] = (
                    pd.DataFrame(np.where(np.isfinite(x), x, np.nan).T)
                    .interpolate(limit_direction="both")
                    .to_numpy(np.float32)
                    .T.copy()
                )
    keep = np.array([np.isfinite(x).all() for x in series])
    if not keep.all():
        logger.info("%s: dropped %d cases with missing values", path.name, int((~keep).sum()))
    series = [x for x, k in zip(series, keep) if k]
    y = np.asarray(y)[keep]
    if len(y) == 0:
        raise DataError(
            f"{path.name}: every case has missing values; fill them in or pass --nan interpolate"
        )
    lengths = {x.shape[-1] for x in series}
    Xout = np.stack(series) if len(lengths) == 1 else series
    channels = [f"dim_{i}" for i in range(series[0].shape[0])]
    return Cases(X=Xout, y=y.astype(str), channels=channels, index=np.flatnonzero(keep))


# ----------------------------------------------------------------------------- bundled


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


# ----------------------------------------------------------------------------- dispatch


def load_data(
    source: str | Path,
    *,
    test: str | Path | None = None,
    label: str | None = None,
    time: str | None = None,
    channels: list[str] | None = None,
    group: str | None = None,
    nan: NanPolicy = "error",
) -> Recordings | CaseDataset:
    """Load a bundled dataset by name, a ``.ts`` file, or a CSV/Parquet table."""
    path = Path(source)
    suffix = path.suffix.lower()
    if suffix == ".ts":
        return load_ts(path, test, nan=nan)
    if suffix in TABLE_SUFFIXES or path.exists():
        if test is not None:
            raise DataError(
                "--test is for .ts files; a table is split leak-free by tszoo itself "
                "(use --split to set the fractions)"
            )
        return load_table(path, label=label, time=time, channels=channels, group=group, nan=nan)
    return load_bundled(str(source))
