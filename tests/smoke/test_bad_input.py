"""Every bad input the reliability issue lists, through the real command line.

Each case must end in exit code 2 and exactly one line ``error: ...`` that names the file,
column, row or value at fault and says how to fix it, never a traceback; ``--debug`` shows
the traceback instead, and a bug in tszoo itself is one ``internal error:`` line, exit 1.
The table is the checklist: one row per case of the issue, in its order.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tszoo.cli import app
from tszoo.errors import DataError, TszooError

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Words that start a hint how to fix the problem.
HINT = re.compile(
    r"\b(use|choose|pass|did you mean|fix|check|save|fill|add|remove|rename|leave|give|e\.g\.)",
    re.I,
)
TRAIN = ["train", "random_forest", "--set", "random_forest.n_estimators=5"]
SMALL = ["--window", "10", "--stride", "5"]


def recordings(lengths: list[int], seed: int = 0) -> pd.DataFrame:
    """Recordings whose time restarts at 0, two channels, classes alternating by recording."""
    rng = np.random.default_rng(seed)
    return pd.concat(
        pd.DataFrame(
            {
                "time": np.arange(n) * 0.1,
                "a": rng.normal(size=n) + 2 * (i % 2),
                "b": rng.normal(size=n),
                "label": ["still", "walk"][i % 2],
            }
        )
        for i, n in enumerate(lengths)
    )


def small_csv(path: Path) -> None:
    """Six recordings of 60 rows, two classes."""
    recordings([60] * 6).to_csv(path, index=False)


def invoke(*args: str | Path):
    return CliRunner().invoke(app, [str(a) for a in args])


def output_of(result) -> str:
    """stderr of a CliRunner result, and stdout (where it is not kept apart, mixed)."""
    try:
        text = result.stderr + result.stdout
    except ValueError:
        text = result.output
    return ANSI.sub("", text)


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory) -> Path:
    """A `tszoo train` run of a small random forest on six recordings."""
    folder = tmp_path_factory.mktemp("trained")
    small_csv(folder / "small.csv")
    run = folder / "run"
    result = invoke(*TRAIN, "--data", folder / "small.csv", *SMALL, "--out", run, "-q")
    assert result.exit_code == 0, output_of(result)
    return run


# ----------------------------------------------------------------------------- the table


def without_b(path: Path) -> None:
    recordings([60] * 2).drop(columns="b").to_csv(path, index=False)


def too_short_to_predict(path: Path) -> None:
    recordings([5, 5]).to_csv(path, index=False)


def short_recording(path: Path) -> None:
    recordings([60, 60, 60, 5, 60, 60]).to_csv(path, index=False)


def rare_class(path: Path) -> None:
    """Class 'walk' has a single recording of exactly one window."""
    recordings([200, 10]).to_csv(path, index=False)


# id, files (name -> text, bytes or a writer), arguments, what the message must say
CASES: list[tuple[str, dict[str, str | bytes | Callable[[Path], None]], list[str], str]] = [
    ("empty-file", {"empty.csv": b""}, [*TRAIN, "--data", "{d}/empty.csv"],
     r"empty\.csv: the file is empty"),
    ("header-only", {"header.csv": "time,a,b,label\n"}, [*TRAIN, "--data", "{d}/header.csv"],
     r"header\.csv: the file has a header but no data rows"),
    ("binary-file", {"binary.csv": bytes(range(256)) * 4}, [*TRAIN, "--data", "{d}/binary.csv"],
     r"binary\.csv: looks like a binary file"),
    ("non-utf8-file", {"latin1.csv": "a,caf\xe9,label\n1,2,0\n".encode("latin-1")},
     [*TRAIN, "--data", "{d}/latin1.csv"],
     r"latin1\.csv: not UTF-8 text \(byte 0xe9 on line 1\)"),
    ("broken-csv-quoting", {"quote.csv": 'a,b,label\n1,"2,0\n3,4,1\n'},
     [*TRAIN, "--data", "{d}/quote.csv"], r"quote\.csv: not a valid CSV table"),
    ("missing-label-column", {"nolabel.csv": "a,b,kind\n1,2,0\n3,4,1\n"},
     [*TRAIN, "--data", "{d}/nolabel.csv"], r"nolabel\.csv: no label column.*--label COL"),
    ("text-in-channel", {"text.csv": "a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,oops,1\n"},
     [*TRAIN, "--data", "{d}/text.csv"],
     r"text\.csv: column 'b' has a non-numeric value 'oops' at row 3 \(line 5\)"),
    ("missing-value", {"missing.csv": "a,b,label\n1,2,0\n3,4,1\n5,6,0\n7,,1\n"},
     [*TRAIN, "--data", "{d}/missing.csv"],
     r"missing\.csv: column 'b' has a missing or infinite value at row 3 \(line 5\).*--nan"),
    ("infinite-value", {"infinite.csv": "a,b,label\n1,2,0\n-inf,4,1\n"},
     [*TRAIN, "--data", "{d}/infinite.csv"],
     r"infinite\.csv: column 'a' has a missing or infinite value at row 1 \(line 3\).*--nan"),
    ("one-class", {"oneclass.csv": "a,b,label\n1,2,walk\n3,4,walk\n"},
     [*TRAIN, "--data", "{d}/oneclass.csv"],
     r"oneclass\.csv: label column 'label' holds one class only \('walk'\)"),
    ("recording-shorter-than-window", {"short.csv": short_recording},
     [*TRAIN, "--data", "{d}/short.csv", *SMALL],
     r"short\.csv: recording '3' has 5 rows, fewer than window=10"),
    ("predict-recordings-shorter-than-window", {"short.csv": too_short_to_predict},
     ["predict", "{run}", "--data", "{d}/short.csv"],
     r"short\.csv: every recording is shorter than the model's window \(10 rows\)"),
    ("window-zero", {"small.csv": small_csv}, [*TRAIN, "--data", "{d}/small.csv", "--window", "0"],
     r"window=0 must be a positive number of rows"),
    ("stride-negative", {"small.csv": small_csv},
     [*TRAIN, "--data", "{d}/small.csv", "--stride", "-3"], r"stride=-3 must be a positive number"),
    ("window-larger-than-every-recording", {"small.csv": small_csv},
     [*TRAIN, "--data", "{d}/small.csv", "--window", "61"],
     r"small\.csv: window=61 is longer than every recording \(the longest has 60 rows\); "
     r"use --window <= 60"),
    ("stride-larger-than-every-recording", {"small.csv": small_csv},
     [*TRAIN, "--data", "{d}/small.csv", "--window", "10", "--stride", "100"],
     r"small\.csv: stride=100 is longer than every recording .*use --stride <= 60"),
    ("split-not-summing-to-one", {"small.csv": small_csv},
     [*TRAIN, "--data", "{d}/small.csv", *SMALL, "--split", "0.5,0.2,0.2"],
     r"split fractions 0\.5,0\.2,0\.2 sum to 0\.9, not 1"),
    ("too-few-windows-of-a-class", {"rare.csv": rare_class},
     [*TRAIN, "--data", "{d}/rare.csv", *SMALL],
     r"rare\.csv: class 'walk' has too few windows for the requested splits"),
    ("unknown-dataset", {}, [*TRAIN, "--data", "basicmotion"],
     r"unknown dataset 'basicmotion' \(did you mean 'BasicMotions'\?\)"),
    ("unknown-model", {"small.csv": small_csv},
     ["train", "random_forrest", "--data", "{d}/small.csv", *SMALL],
     r"unknown model 'random_forrest' \(did you mean 'random_forest'\?\)"),
    ("unknown-model-in-compare", {"small.csv": small_csv},
     ["compare", "--models", "svm,minirocet", "--data", "{d}/small.csv", *SMALL],
     r"unknown model 'minirocet' \(did you mean 'minirocket'\?\)"),
    ("garbage-ts-file", {"garbage.ts": "this is not a ts file\n"},
     [*TRAIN, "--data", "{d}/garbage.ts"], r"garbage\.ts: the \.ts file holds no cases"),
    ("unreadable-ts-file", {"broken.ts": b"@data\n\x00\x01\xff\xfe:a\n"},
     [*TRAIN, "--data", "{d}/broken.ts"], r"broken\.ts: not a readable \.ts file"),
    ("missing-model-directory", {"small.csv": small_csv},
     ["predict", "{d}/no_such_run", "--data", "{d}/small.csv"],
     r"no_such_run: no saved model here"),
    ("predict-missing-channel", {"new.csv": without_b},
     ["predict", "{run}", "--data", "{d}/new.csv"],
     r"new\.csv: channel 'b' the model was trained on is missing"),
    ("out-holds-a-run-train", {"small.csv": small_csv},
     [*TRAIN, "--data", "{d}/small.csv", *SMALL, "--out", "{run}"],
     r"run already holds a run; choose a new --out"),
    ("out-holds-a-run-compare", {"small.csv": small_csv},
     ["compare", "--models", "random_forest", "--data", "{d}/small.csv", *SMALL, "--out", "{run}"],
     r"run already holds a run; choose a new --out"),
]  # fmt: skip


def as_param(case: tuple) -> pytest.param:
    return pytest.param(*case[1:], id=case[0])


def make_files(folder: Path, files: dict) -> None:
    for name, content in files.items():
        path = folder / name
        if callable(content):
            content(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def check_one_error_line(text: str, message: str) -> str:
    """The whole output is one line ``error: ...`` that matches ``message`` and has a hint."""
    assert "Traceback" not in text, text
    assert len(lines(text)) == 1, text
    line = lines(text)[0]
    assert line.startswith("error: "), line
    assert re.search(message, line), line
    assert HINT.search(line.removeprefix("error: ")), f"no hint how to fix: {line}"
    return line


@pytest.mark.parametrize(("files", "args", "message"), [as_param(case) for case in CASES])
def test_bad_input_is_one_error_line_and_exit_2(request, tmp_path, files, args, message):
    run = request.getfixturevalue("trained_run") if "{run}" in args else None
    before = snapshot(run) if run is not None else None
    make_files(tmp_path, files)
    filled = [a.replace("{d}", str(tmp_path)).replace("{run}", str(run)) for a in args]
    if filled[0] in ("train", "compare") and "--out" not in filled:
        filled += ["--out", str(tmp_path / "new_run")]
    result = invoke(*filled, "-q")
    text = output_of(result)
    assert result.exit_code == 2, (result.exit_code, text, result.exception)
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an escaped error
    check_one_error_line(text, message)
    assert not (tmp_path / "new_run").exists()  # a failed run leaves no directory behind
    if run is not None:
        assert snapshot(run) == before  # the earlier run is untouched, byte for byte


def test_the_table_covers_every_case_of_the_issue():
    ids = [case[0] for case in CASES]
    assert len(ids) == len(set(ids))
    for needed in ("empty-file", "header-only", "binary-file", "non-utf8-file",
                   "broken-csv-quoting", "missing-label-column", "text-in-channel",
                   "missing-value", "infinite-value", "one-class", "recording-shorter-than-window",
                   "predict-recordings-shorter-than-window",
                   "window-zero", "stride-negative", "window-larger-than-every-recording",
                   "split-not-summing-to-one", "too-few-windows-of-a-class", "unknown-dataset",
                   "unknown-model", "garbage-ts-file", "unreadable-ts-file",
                   "missing-model-directory", "predict-missing-channel", "out-holds-a-run-train",
                   "out-holds-a-run-compare"):  # fmt: skip
        assert needed in ids, needed


def test_bad_input_without_quiet_still_has_one_error_line(tmp_path):
    # progress and info logging are on: still no traceback, one error line
    make_files(tmp_path, {"text.csv": "a,b,label\n1,2,0\n3,x,1\n"})
    result = invoke(*TRAIN, "--data", tmp_path / "text.csv", "--out", tmp_path / "run")
    text = output_of(result)
    assert result.exit_code == 2, text
    assert "Traceback" not in text
    errors = [line for line in lines(text) if "error:" in line]
    assert len(errors) == 1 and errors[0].startswith("error: "), text
    assert "column 'b' has a non-numeric value 'x'" in errors[0]


# ----------------------------------------------------------------------------- --debug, bugs


def test_debug_raises_the_error_with_its_traceback(tmp_path):
    make_files(tmp_path, {"oneclass.csv": "a,b,label\n1,2,walk\n3,4,walk\n"})
    result = invoke(*TRAIN, "--data", tmp_path / "oneclass.csv", "--debug")
    assert result.exit_code != 2
    assert isinstance(result.exception, DataError)
    assert "holds one class only" in str(result.exception)
    assert result.exc_info[2] is not None  # the traceback is kept, not swallowed
    assert "error: " not in output_of(result)


def test_debug_shows_the_traceback_of_predict(trained_run, tmp_path):
    make_files(tmp_path, {"new.csv": without_b})
    result = invoke("predict", trained_run, "--data", tmp_path / "new.csv", "--debug")
    assert isinstance(result.exception, TszooError)
    assert "channel 'b'" in str(result.exception)


def explode(*args, **kwargs):
    raise RuntimeError("disk on fire")


def test_internal_error_is_one_line_and_exit_1(tmp_path, monkeypatch):
    # a bug deep in the loader, not a problem with the user's input
    monkeypatch.setattr("tszoo.data.tables.TableReader", explode)
    small_csv(tmp_path / "small.csv")
    result = invoke(*TRAIN, "--data", tmp_path / "small.csv", "--out", tmp_path / "run", "-q")
    text = output_of(result)
    assert result.exit_code == 1, (result.exit_code, text)
    assert "Traceback" not in text
    assert lines(text) == [
        "internal error: RuntimeError: disk on fire (rerun with --debug for the traceback)"
    ]
    debug = invoke(*TRAIN, "--data", tmp_path / "small.csv", "--debug")
    assert isinstance(debug.exception, RuntimeError)


# ----------------------------------------------------------------------------- real process


def tszoo_exe() -> str:
    exe = Path(sys.executable).parent / "tszoo"
    if exe.is_file():
        return str(exe)
    found = shutil.which("tszoo")
    if found is None:
        pytest.skip("the tszoo console script is not installed next to this Python")
    return found


def run_tszoo(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "CLICOLOR_FORCE")}
    env["NO_COLOR"] = "1"
    return subprocess.run(
        [tszoo_exe(), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def test_console_script_unknown_model_exits_2_with_one_line(tmp_path):
    small_csv(tmp_path / "small.csv")
    proc = run_tszoo("train", "random_forrest", "--data", tmp_path / "small.csv", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    check_one_error_line(proc.stderr, r"unknown model 'random_forrest' \(did you mean")
    assert not (tmp_path / "runs").exists()


def test_console_script_missing_model_directory_exits_2_and_debug_shows_traceback(tmp_path):
    small_csv(tmp_path / "small.csv")
    args = ("predict", tmp_path / "nothing_here", "--data", tmp_path / "small.csv")
    proc = run_tszoo(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    check_one_error_line(proc.stderr, r"nothing_here: no saved model here")
    debug = run_tszoo(*args, "--debug", cwd=tmp_path)
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert "tszoo.errors.TszooError" in debug.stderr
