"""Which columns of a table are the label, time, recording id and channels, and their
values as numbers, with errors that name the row and, for text files, the file line."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tszoo.data.containers import NanPolicy
from tszoo.errors import DataError, closest

logger = logging.getLogger(__name__)

LABEL_NAMES = ("label", "target", "class")
TIME_NAMES = ("time", "timestamp")


@dataclass(frozen=True)
class TableColumns:
    """Which columns of a table are the label, time, recording id and channels."""

    label: str | None
    time: str | None
    group: str | None
    channels: list[str]
    split_by: str | None = None


def table_columns(
    where: str,
    df: pd.DataFrame,
    *,
    label: str | None,
    time: str | None,
    channels: list[str] | None,
    group: str | None,
    labelled: bool,
    split_by: str | None = None,
) -> TableColumns:
    """Find the label, time, group, split-by and channel columns of ``df`` (see
    :func:`load_table`)."""
    columns = list(df.columns)
    label_col = _find_column(
        where, columns, label, LABEL_NAMES, "label", "--label", required=labelled
    )
    time_col = _find_column(where, columns, time, TIME_NAMES, "time", "--time", required=False)
    for name, option in ((group, "--group"), (split_by, "--split-by")):
        if name is not None and name not in columns:
            raise DataError(
                f"{where}: no {option.removeprefix('--')} column '{name}'{closest(name, columns)}; "
                f"columns are {', '.join(columns)}; pass one of them with {option} COL"
            )
    reserved = {label_col, time_col, group, split_by}
    channel_cols = _channel_columns(where, df, channels, reserved)
    return TableColumns(label_col, time_col, group, channel_cols, split_by)


def table_arrays(
    where: str,
    df: pd.DataFrame,
    cols: TableColumns,
    lines: np.ndarray | None,
    first: int = 0,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Channel values ``(n_rows, n_channels)`` float32 and time values of a chunk of rows.

    ``first`` is the source-file row of ``df``'s first row (for messages); ``lines`` the
    file line of each row of ``df``, for text files.
    """
    values = np.empty((len(df), len(cols.channels)), dtype=np.float32)
    for j, col in enumerate(cols.channels):
        values[:, j] = _numeric_column(where, df[col], col, lines, first, np.float32)
    time_values = _time_column(where, df[cols.time], cols.time, lines, first) if cols.time else None
    return values, time_values


def restart_id(group: str, k: int) -> str:
    """The id of the ``k``-th recording of a group (k >= 1), where time went back ``k - 1``
    times inside it: ``walk``, ``walk#2``, ``walk#3``..."""
    return group if k == 1 else f"{group}#{k}"


def time_goes_back(time: np.ndarray) -> np.ndarray:
    """Rows ``i`` (>= 1) whose time is before row ``i - 1``'s: where a recording restarts."""
    t = time.astype("datetime64[ns]") if time.dtype.kind == "M" else time
    t = t.astype("float64", copy=False)
    # t[i] < t[i - 1] is diff(t) < 0 for floats, without a float64 array of the differences
    return np.flatnonzero(t[1:] < t[:-1]) + 1


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
            f"{row_label(int(source_rows[rows[0]]) - first, lines, first)} "
            f"({len(rows)} such values "
            f"{scope}); clean the file or pass --nan drop or --nan interpolate"
        )


def nothing_left_error(where: str, n_rows: int) -> DataError:
    return DataError(
        f"{where}: every one of the {n_rows} rows has a missing or infinite value "
        "or an empty label, so --nan drop leaves nothing; fill in the file or leave "
        "the empty columns out with --channels"
    )


def row_label(row: int, lines: np.ndarray | None, first: int = 0) -> str:
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
    where: str,
    col: pd.Series,
    name: str,
    lines: np.ndarray | None,
    first: int = 0,
    dtype: type = np.float64,
) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        if col.dtype.kind == "f":  # straight to ``dtype``: the same numbers as via float64
            return col.to_numpy(dtype=dtype, na_value=np.nan)
        return col.to_numpy(dtype=np.float64, na_value=np.nan)
    parsed = pd.to_numeric(col, errors="coerce")
    bad = parsed.isna().to_numpy() & col.notna().to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{where}: column '{name}' has a non-numeric value {col.iloc[row]!r} at "
            f"{row_label(row, lines, first)}; fix the value or leave '{name}' out with --channels"
        )
    return parsed.to_numpy(dtype=np.float64, na_value=np.nan)


ID_ROLES = {"group": "the recording id", "split-by": "the group (subject, machine, ...)"}


def id_codes(
    where: str,
    col: pd.Series,
    name: str,
    lines,
    first: int = 0,
    scope: str = "in all",
    role: str = "group",
) -> tuple[np.ndarray, np.ndarray]:
    """An id column (``--group`` or ``--split-by``) as codes into its distinct values (as
    text), in order of first sight; an empty id is an error."""
    empty = pd.isna(col).to_numpy()
    if empty.any():
        row = int(np.flatnonzero(empty)[0])
        raise DataError(
            f"{where}: {role} column '{name}' is empty at {row_label(row, lines, first)} "
            f"({int(empty.sum())} rows {scope}); fill in {ID_ROLES[role]} of every row"
        )
    try:
        codes, uniques = pd.factorize(col)
    except TypeError:  # unhashable values (lists in a Parquet column)
        uniques, codes = np.unique(_as_text(col.to_numpy()), return_inverse=True)
    return codes, _as_text(np.asarray(uniques, dtype=object))


def missing_labels(
    where: str,
    col: pd.Series,
    name: str,
    lines,
    nan: NanPolicy,
    first: int = 0,
    scope: str = "in all",
) -> np.ndarray:
    """Rows without a class (empty or infinite); an error unless they are to be dropped."""
    missing = pd.isna(col).to_numpy()
    if pd.api.types.is_float_dtype(col):
        missing = missing | np.isinf(col.to_numpy(dtype=np.float64, na_value=np.nan))
    if missing.any() and nan != "drop":
        row = int(np.flatnonzero(missing)[0])
        value = col.iloc[row]
        what = "empty" if pd.isna(value) else f"'{value}', not a class,"
        raise DataError(
            f"{where}: label column '{name}' is {what} at {row_label(row, lines, first)} "
            f"({int(missing.sum())} rows {scope}); fill it in or pass --nan drop"
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
            f"{where}: time column '{name}' has {col.iloc[row]!r} at "
            f"{row_label(row, lines, first)}, "
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


def label_codes(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The label column as codes into its distinct values: text as text, integer-valued
    floats (a column with gaps) as ints, other numbers as they are.

    Text goes through its distinct values (``pd.factorize``), never one Python string per
    row. A missing label gets some code here; the missing-label check refuses or drops it.
    """
    if pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col):
        try:
            codes, uniques = pd.factorize(col)  # missing -> -1
            return codes, _as_text(np.asarray(uniques, dtype=object))
        except TypeError:  # unhashable values (lists in a Parquet column)
            pass
    uniques, codes = np.unique(_normalise_labels(col.to_numpy()), return_inverse=True)
    return codes.reshape(-1), uniques


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


def check_classes(where: str, classes: np.ndarray, column: str) -> None:
    """Refuse fewer than two distinct labels (``classes``)."""
    if len(classes) < 2:
        found = f"'{classes[0]}'" if len(classes) else "none"
        raise DataError(
            f"{where}: label column '{column}' holds one class only ({found}); "
            "a classifier needs at least two: add data of another class, or check --label"
        )
