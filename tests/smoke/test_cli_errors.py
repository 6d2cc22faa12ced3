"""``tszoo prepare`` and ``tszoo datasets`` on bad and good input, as a user runs them.

A problem the user can fix must end in exit code 2 and exactly one line ``error: ...`` on
stderr, never a traceback; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tszoo.cli import app
from tszoo.data import BUNDLED_DATASETS
from tszoo.errors import DataError, TszooError

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
SMALL_ROWS = "1,2,0\n3,4,1\n5,6,0\n7,8,1\n"


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def small_csv(path: Path) -> Path:
    """Four recordings of 60 rows (time restarts), two classes, two channels."""
    rng = np.random.default_rng(0)
    frames = [
        pd.DataFrame(
            {
                "time": np.arange(60) * 0.1,
                "a": rng.normal(size=60),
                "b": rng.normal(size=60),
                "label": i % 2,
            }
        )
        for i in range(4)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.concat(frames).to_csv(path, index=False)
    return path


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def stderr_of(result) -> str:
    """stderr of a CliRunner result (the mixed output where it is not kept apart)."""
    try:
        text = result.stderr
    except ValueError:
        text = result.output
    return ANSI.sub("", text)


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def tszoo_exe() -> str:
    exe = Path(sys.executable).parent / "tszoo"
    if exe.is_file():
        return str(exe)
    found = shutil.which("tszoo")
    if found is None:
        pytest.skip("the tszoo console script is not installed next to this Python")
    return found


def run_tszoo(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "CLICOLOR_FORCE")}
    env["NO_COLOR"] = "1"
    return subprocess.run(
        [tszoo_exe(), *map(str, args)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# ----------------------------------------------------------------------------- bad input table

# id, files to create (name -> content), arguments after `prepare`, regex of the message
BAD_INPUTS = [
    (
        "empty-file",
        {"empty.csv": b""},
        ["--data", "{d}/empty.csv"],
        r"empty\.csv: the file is empty",
    ),
    (
        "header-only",
        {"header.csv": "a,b,label\n"},
        ["--data", "{d}/header.csv"],
        r"header\.csv: the file has a header but no data rows",
    ),
    (
        "binary-file",
        {"binary.csv": b"\x00\x01\x02\xff" * 20},
        ["--data", "{d}/binary.csv"],
        r"binary\.csv: looks like a binary file",
    ),
    (
        "not-utf8",
        {"latin1.csv": "a,caf\xe9,label\n1,2,0\n".encode("latin-1")},
        ["--data", "{d}/latin1.csv"],
        r"latin1\.csv: not UTF-8 text",
    ),
    (
        "unclosed-quote",
        {"quote.csv": 'a,b,label\n1,"2,0\n3,4,1\n'},
        ["--data", "{d}/quote.csv"],
        r"quote\.csv: not a valid CSV table",
    ),
    (
        "missing-file",
        {},
        ["--data", "{d}/nothere.csv"],
        r"nothere\.csv: no such file; check the path",
    ),
    (
        "unknown-dataset",
        {},
        ["--data", "basicmotion"],
        r"unknown dataset 'basicmotion' \(did you mean 'BasicMotions'\?\)",
    ),
    (
        "no-label-column",
        {"nolabel.csv": "a,b,kind\n" + SMALL_ROWS},
        ["--data", "{d}/nolabel.csv"],
        r"nolabel\.csv: no label column; .*--label COL",
    ),
    (
        "label-typo",
        {"typo.csv": "a,b,Label\n" + SMALL_ROWS},
        ["--data", "{d}/typo.csv", "--label", "lable"],
        r"no label column 'lable' \(did you mean 'Label'\?\)",
    ),
    (
        "text-in-channel",
        {"text.csv": "Feature1,Feature2,label\n1,2,0\n3,4,1\n5,6,0\n7,oops,1\n"},
        ["--data", "{d}/text.csv"],
        r"column 'Feature2' has a non-numeric value 'oops' at row 3",
    ),
    (
        "missing-value",
        {"missing.csv": "Feature1,Feature2,label\n1,2,0\n3,4,1\n5,6,0\n7,,1\n"},
        ["--data", "{d}/missing.csv"],
        r"column 'Feature2' has a missing or infinite value at row 3.*--nan",
    ),
    (
        "one-class",
        {"oneclass.csv": "a,b,label\n1,2,0\n3,4,0\n"},
        ["--data", "{d}/oneclass.csv"],
        r"holds one class only",
    ),
    (
        "window-zero",
        {"small.csv": None},
        ["--data", "{d}/small.csv", "--window", "0"],
        r"window=0 must be a positive number of rows",
    ),
    (
        "stride-negative",
        {"small.csv": None},
        ["--data", "{d}/small.csv", "--stride", "-3"],
        r"stride=-3 must be a positive number of rows",
    ),
    (
        "window-too-long",
        {"small.csv": None},
        ["--data", "{d}/small.csv", "--window", "61"],
        r"window=61 is longer than every recording \(the longest has 60 rows\)",
    ),
    (
        "split-not-summing-to-one",
        {"small.csv": None},
        ["--data", "{d}/small.csv", "--split", "0.5,0.2,0.2"],
        r"sum to 0\.9, not 1",
    ),
    (
        "split-two-numbers",
        {"small.csv": None},
        ["--data", "{d}/small.csv", "--split", "0.8,0.2"],
        r"must be three non-negative numbers",
    ),
    (
        "split-negative",
        {"small.csv": None},
        ["--data", "{d}/small.csv", "--split", "1.2,-0.1,-0.1"],
        r"must be three non-negative numbers",
    ),
    (
        "split-not-numbers",
        {"small.csv": None},
        ["--data", "{d}/small.csv", "--split", "a,b,c"],
        r"--split 'a,b,c': expected three numbers",
    ),
    (
        "bad-nan-policy",
        {"small.csv": None},
        ["--data", "{d}/small.csv", "--nan", "zero"],
        r"--nan 'zero': use one of error, drop, interpolate",
    ),
    (
        "bad-label-rule",
        {"small.csv": None},
        ["--data", "{d}/small.csv", "--label-rule", "mode"],
        r"--label-rule 'mode': use one of drop, last, majority",
    ),
    (
        "bad-normalise",
        {"small.csv": None},
        ["--data", "{d}/small.csv", "--normalise", "minmax"],
        r"--normalise 'minmax': use one of zscore, window, none",
    ),
    (
        "test-with-table",
        {"small.csv": None},
        ["--data", "{d}/small.csv", "--test", "{d}/small.csv"],
        r"--test is for \.ts files",
    ),
    (
        "channel-typo",
        {"small.csv": None},
        ["--data", "{d}/small.csv", "--channels", "a,bb"],
        r"no channel column 'bb'",
    ),
    (
        "group-typo",
        {"small.csv": None},
        ["--data", "{d}/small.csv", "--group", "recording"],
        r"no group column 'recording'",
    ),
    (
        "garbage-ts",
        {"garbage.ts": "this is not a ts file\n"},
        ["--data", "{d}/garbage.ts"],
        r"garbage\.ts: the \.ts file holds no cases",
    ),
]


def make_files(tmp_path: Path, files: dict) -> Path:
    d = tmp_path / "data"
    d.mkdir(exist_ok=True)
    for name, content in files.items():
        if content is None:
            small_csv(d / name)
        else:
            write(d / name, content)
    return d


def fill(args: list[str], d: Path) -> list[str]:
    return [a.replace("{d}", str(d)) for a in args]


@pytest.mark.parametrize(
    ("files", "args", "message"), [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUTS]
)
def test_bad_input_is_one_error_line_and_exit_2(tmp_path, files, args, message):
    d = make_files(tmp_path, files)
    result = invoke("prepare", *fill(args, d), "-q")
    err = stderr_of(result)
    assert result.exit_code == 2, (result.exit_code, err, result.exception)
    assert "Traceback" not in err and "Traceback" not in result.output
    assert len(lines(err)) == 1, err
    assert err.startswith("error: ")
    assert re.search(message, err), err
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an escaped error


@pytest.mark.parametrize(
    ("files", "args", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD_INPUTS[:3] + BAD_INPUTS[-5:]],
)
def test_bad_input_without_quiet_has_one_error_line(tmp_path, files, args, message):
    d = make_files(tmp_path, files)
    result = invoke("prepare", *fill(args, d))
    err = stderr_of(result)
    assert result.exit_code == 2, err
    assert "Traceback" not in err
    error_lines = [line for line in lines(err) if "error:" in line]
    assert len(error_lines) == 1, err
    assert error_lines[0].startswith("error: ")
    assert re.search(message, error_lines[0]), err


@pytest.mark.parametrize(
    ("files", "args", "error"),
    [
        ({"empty.csv": b""}, ["--data", "{d}/empty.csv"], DataError),
        ({}, ["--data", "basicmotion"], DataError),
        ({"small.csv": None}, ["--data", "{d}/small.csv", "--window", "0"], DataError),
        ({"small.csv": None}, ["--data", "{d}/small.csv", "--nan", "zero"], TszooError),
    ],
)
def test_debug_raises_the_error_instead(tmp_path, files, args, error):
    d = make_files(tmp_path, files)
    result = invoke("prepare", *fill(args, d), "--debug")
    assert result.exit_code != 2
    assert isinstance(result.exception, error)
    assert "error: " not in stderr_of(result)


@pytest.mark.parametrize("column", ["x[/]", "x[red]"])
def test_error_message_is_printed_verbatim(tmp_path, column):
    path = write(tmp_path / f"markup{len(column)}.csv", f"{column},y\n1,2\n3,4\n")
    result = invoke("prepare", "--data", path, "-q")
    err = stderr_of(result)
    assert result.exit_code == 2, (result.exit_code, result.exception)
    assert f"columns are {column}, y" in err


# ----------------------------------------------------------------------------- real process


def test_console_script_bad_input_exits_2_with_one_line(tmp_path):
    d = make_files(tmp_path, {"text.csv": "Feature1,Feature2,label\n1,2,0\n3,x,1\n"})
    proc = run_tszoo("prepare", "--data", d / "text.csv", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert lines(proc.stderr) == [
        "error: text.csv: column 'Feature2' has a non-numeric value 'x' at row 1 (line 3); "
        "fix the value or leave 'Feature2' out with --channels"
    ]


def test_console_script_unknown_dataset_exits_2(tmp_path):
    proc = run_tszoo("prepare", "--data", "gunpiont", "-q", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    err = lines(proc.stderr)
    assert len(err) == 1 and err[0].startswith("error: unknown dataset 'gunpiont'")
    assert "did you mean 'GunPoint'?" in err[0]


def test_console_script_debug_shows_the_traceback(tmp_path):
    d = make_files(tmp_path, {"empty.csv": b""})
    proc = run_tszoo("prepare", "--data", d / "empty.csv", "--debug", cwd=tmp_path)
    assert proc.returncode == 1
    assert "Traceback (most recent call last)" in proc.stderr
    assert "tszoo.errors.DataError" in proc.stderr
    assert "the file is empty" in proc.stderr


# ----------------------------------------------------------------------------- happy paths


def test_prepare_writes_windows_csv_and_never_overwrites_it(tmp_path):
    data = small_csv(tmp_path / "small.csv")
    out = tmp_path / "tmp" / "w.csv"
    result = invoke("prepare", "--data", data, "--window", "10", "--stride", "5", "--out", out)
    assert result.exit_code == 0, stderr_of(result)
    assert out.is_file()
    table = pd.read_csv(out)
    assert list(table.columns) == ["recording", "start_row", "end_row", "split", "label"]
    assert len(table) > 0
    assert (table["end_row"] - table["start_row"] == 10).all()
    assert set(table["split"]) == {"train", "val", "test"}
    assert set(table["label"]) == {0, 1}
    assert "wrote" in result.stdout

    before = out.read_bytes()
    again = invoke(
        "prepare", "--data", data, "--window", "10", "--stride", "5", "--seed", "1", "--out", out
    )
    err = stderr_of(again)
    assert again.exit_code == 2, err
    assert lines(err) == [f"error: {out} already exists; choose a new --out file"]
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["w.csv"]  # no temporary left


def test_prepare_bundled_dataset_prints_the_counts(tmp_path):
    result = invoke("prepare", "--data", "BasicMotions", "-q")
    assert result.exit_code == 0, stderr_of(result)
    out = result.stdout
    assert "BasicMotions" in out
    for cls in ("badminton", "running", "standing", "walking"):
        assert cls in out
    total = next(line for line in out.splitlines() if "total" in line)
    # the given test split (40) is kept; validation is carved out of the 40 training cases
    assert [int(n) for n in re.findall(r"\d+", total)] == [36, 4, 40]
    assert lines(stderr_of(result)) == []


def test_datasets_lists_every_bundled_dataset():
    result = invoke("datasets")
    assert result.exit_code == 0, stderr_of(result)
    for name in BUNDLED_DATASETS:
        assert name in result.stdout
    assert len(BUNDLED_DATASETS) == 8
    basic = next(line for line in result.stdout.splitlines() if "BasicMotions" in line)
    assert [int(n) for n in re.findall(r"\d+", basic)] == [40, 40, 6, 100, 4]


def test_models_lists_every_registered_model_with_tags():
    from tszoo.models import model_names

    result = CliRunner().invoke(app, ["models"])
    assert result.exit_code == 0
    for name in model_names():
        assert name in result.stdout
    assert "attention" in result.stdout and "deep" in result.stdout
