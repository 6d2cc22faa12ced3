"""Reading a CSV or Parquet file into a table, with one-line errors naming what is wrong.

For text files the reader also returns the file line of each data row, so later messages
can name the line a user opens in an editor.
"""

from __future__ import annotations

import csv
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tszoo.errors import DataError

logger = logging.getLogger(__name__)

TABLE_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def table_kind(path: Path) -> str:
    return TABLE_SUFFIXES.get(path.suffix.lower(), "csv")


@dataclass
class Chunk:
    """Raw rows of the file: a DataFrame, the file line of each row (text files) and the
    source row of the first one."""

    df: pd.DataFrame
    lines: np.ndarray | None
    first: int


def table_rows(path: Path) -> int | None:
    """Data rows in the file where its metadata says (Parquet), else None."""
    if table_kind(path) != "parquet":
        return None
    import pyarrow.parquet as pq

    with parquet_errors(path):
        return pq.ParquetFile(path).metadata.num_rows


def raw_chunks(path: Path, chunk_rows: int) -> Iterator[Chunk]:
    """The file's rows ``chunk_rows`` at a time, blank text rows left out (checked first by
    :func:`check_table_file`); a file whose header holds no data rows yields no rows."""
    if table_kind(path) == "parquet":
        yield from _parquet_chunks(path, chunk_rows)
    else:
        yield from _csv_chunks(path, chunk_rows)


def _parquet_chunks(path: Path, chunk_rows: int) -> Iterator[Chunk]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with parquet_errors(path):
        # pre_buffer=False: with pyarrow's default, every row group read stays cached
        # until the file is closed (+30 MB a million rows of 8 float32 channels)
        file = pq.ParquetFile(path, pre_buffer=False)
        # a pandas index stored in the file is no column of the data
        index = (file.schema_arrow.pandas_metadata or {}).get("index_columns", [])
        names = [n for n in file.schema_arrow.names if n not in index]
        twice = next((n for n in names if names.count(n) > 1), None)
        if twice is not None:
            raise DataError(
                f"{path}: not a readable Parquet file (column '{twice}' appears more than "
                "once); check the file, or save it again as Parquet (unique column names) or CSV"
            )
        batches = file.iter_batches(batch_size=chunk_rows, columns=names)
    first, pool = 0, pa.default_memory_pool()
    while True:
        # Arrow's allocator keeps the pages of freed batches for reuse: hand them back, or
        # they add up to 140 MB over a 10M-row file, all of it beside the loaded rows
        pool.release_unused()
        with parquet_errors(path):
            batch = next(batches, None)
            if batch is None:
                return
            df = batch.to_pandas()
        df.columns = [str(c) for c in df.columns]
        yield Chunk(df, None, first)
        first += len(df)


def _csv_chunks(path: Path, chunk_rows: int) -> Iterator[Chunk]:
    sep, first = csv_separator(path), 0
    with csv_errors(path, sep):
        reader = pd.read_csv(path, sep=sep, chunksize=chunk_rows, **CSV_OPTIONS)
    with reader:
        while True:
            with csv_errors(path, sep):
                df = next(reader, None)
            if df is None:
                return
            if first == 0:
                check_csv_header(path, df, sep)
            line = int(df.index[0]) + 2 if len(df) else 2  # the index counts data lines
            df, lines = drop_blank_rows(df, first_line=line)
            df.columns = [str(c) for c in df.columns]
            yield Chunk(df, lines, first)
            first += len(df)


# index_col=False: a first row longer than the header must not silently become the index
# (and shift every column); pandas warns instead, and csv_errors makes that an error.
CSV_OPTIONS = {"encoding": "utf-8", "skip_blank_lines": False, "index_col": False}


def check_table_file(path: Path) -> None:
    """Refuse a missing or empty file, and binary data under a text table's name."""
    if not path.is_file():
        raise DataError(f"{path}: no such file; check the path")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty; give a table with a header row and data rows")
    if table_kind(path) == "csv":
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
            f"{path}: not a readable Parquet file ({first_line(exc)}); check the file, "
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
            f"{path}: not a valid CSV table ({first_line(exc)}); check the quotes and "
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


def first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
