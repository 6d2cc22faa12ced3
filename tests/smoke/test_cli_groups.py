"""Subject-wise evaluation from the command line: ``--split-by`` and ``--cv``, end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tszoo.cli import app

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
DATA = ["--group", "session", "--split-by", "subject", "--window", "10", "--stride", "5"]
MODELS = ["--models", "random_forest,svm", "--set", "random_forest.n_estimators=10"]


def invoke(*args) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


def error_of(result) -> str:
    try:
        text = result.stderr
    except ValueError:
        text = result.output
    return ANSI.sub("", text).strip()


@pytest.fixture(scope="module")
def watch(tmp_path_factory, subject_sessions) -> Path:
    path = tmp_path_factory.mktemp("data") / "watch.csv"
    return subject_sessions(path, subjects=5, sessions=4, labels=[0, 1, 2, 3])


@pytest.fixture(scope="module")
def loo_run(watch, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "loo"
    result = invoke("compare", "--data", watch, *DATA, "--cv", "loo", *MODELS, "--out", out, "-q")
    assert result.exit_code == 0, result.output
    return out


def test_a_subject_wise_compare_keeps_each_subject_in_one_split(watch, tmp_path):
    out = tmp_path / "run"
    result = invoke("compare", "--data", watch, *DATA, *MODELS, "--seeds", "0,1", "--out", out)
    assert result.exit_code == 0, result.output
    windows = pd.read_csv(out / "windows.csv")
    assert list(windows.columns) == [
        "recording", "subject", "start_row", "end_row", "split", "label",
    ]  # fmt: skip
    assert (windows.groupby("subject")["split"].nunique() == 1).all()
    results = pd.read_csv(out / "results.csv")
    assert len(results) == 4 and results["fold"].isna().all()
    assert "split-groups" in json.loads((out / "manifest.json").read_text())["split_mode"]


def test_leave_one_subject_out_tests_each_subject_once_per_model(loo_run):
    results = pd.read_csv(loo_run / "results.csv")
    assert sorted(results["fold"].unique()) == [0, 1, 2, 3, 4]
    assert len(results) == 2 * 5  # models x folds
    windows = pd.read_csv(loo_run / "windows.csv")
    tested = windows[windows["split"] == "test"].groupby("fold")["subject"].unique()
    assert sorted(s for subjects in tested for s in subjects) == [f"P{i}" for i in range(5)]
    for fold, part in windows.groupby("fold"):  # no subject in two splits of a fold
        assert (part.groupby("subject")["split"].nunique() == 1).all(), fold
    manifest = json.loads((loo_run / "manifest.json").read_text())
    assert manifest["folds"] == {"watch.csv": [f"P{i}" for i in range(5)]}
    assert (loo_run / "predictions" / "svm-seed0-fold4.csv").is_file()
    assert (loo_run / "models" / "svm-seed0-fold4" / "model.json").is_file()


def test_the_report_shows_folds_and_the_per_fold_figure(loo_run):
    html = (loo_run / "report.html").read_text(encoding="utf-8")
    assert "over 5 folds, one seed" in html
    assert "Test accuracy of each model on each fold" in html
    assert (loo_run / "plots" / "fold-accuracy.png").is_file()


def test_a_cross_validated_run_resumes_the_missing_folds(watch, tmp_path):
    out = tmp_path / "run"
    result = invoke("compare", "--data", watch, *DATA, "--cv", "3", *MODELS, "--out", out, "-q")
    assert result.exit_code == 0, result.output
    results = pd.read_csv(out / "results.csv")
    kept = results[results["fold"] != 2]
    kept.to_csv(out / "results.csv", index=False)
    result = invoke("compare", "--resume", out, "-q")
    assert result.exit_code == 0, result.output
    again = pd.read_csv(out / "results.csv")
    assert again[["model", "seed", "fold"]].equals(results[["model", "seed", "fold"]])
    assert again["accuracy"].tolist() == results["accuracy"].tolist()  # same folds again


def test_a_benchmark_cross_validates_each_dataset(watch, tmp_path):
    out = tmp_path / "bench"
    result = invoke(
        "benchmark", "--datasets", watch, *DATA, "--cv", "loo", "--models", "svm",
        "--workers", "1", "--out", out, "-q",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    results = pd.read_csv(out / "results.csv")
    assert sorted(results["fold"]) == [0, 1, 2, 3, 4]


BAD = [
    ("missing-column", ["--split-by", "person"], r"no split-by column 'person'"),
    ("cv-1", ["--split-by", "subject", "--cv", "1"], r"--cv 1: expected a number of folds"),
    ("cv-text", ["--cv", "all"], r"--cv 'all': expected a number of folds"),
    ("too-many-folds", ["--split-by", "subject", "--cv", "9"], r"5 'subject' groups for --cv 9"),
]


@pytest.mark.parametrize(("args", "message"), [pytest.param(*c[1:], id=c[0]) for c in BAD])
def test_bad_group_options_are_one_line_exit_2_nothing_written(watch, tmp_path, args, message):
    out = tmp_path / "run"
    base = ["--group", "session", "--window", "10", "--stride", "5"]
    result = invoke("compare", "--data", watch, *base, *args, *MODELS, "--out", out, "-q")
    err = error_of(result)
    assert result.exit_code == 2, (result.exit_code, err)
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    assert re.search(message, err), err
    assert not out.exists()


def test_train_refuses_cv(watch, tmp_path):
    out = tmp_path / "run"
    result = invoke("train", "svm", "--data", watch, *DATA, "--cv", "3", "--out", out)
    assert result.exit_code == 2
    assert "cross-validate with compare --cv" in error_of(result)
    assert not out.exists()


def test_cv_on_a_dataset_with_its_own_test_split_is_refused(tmp_path):
    out = tmp_path / "run"
    result = invoke("compare", "--data", "GunPoint", "--cv", "3", "--models", "svm", "--out", out)
    assert result.exit_code == 2
    assert re.search(r"GunPoint cannot be cross-validated.*own test split", error_of(result))
    assert not out.exists()


def test_an_empty_subject_and_a_one_row_subject_are_named(watch, tmp_path):
    table = pd.read_csv(watch)
    table.loc[7, "subject"] = None
    table.to_csv(tmp_path / "empty.csv", index=False)
    result = invoke("prepare", "--data", tmp_path / "empty.csv", *DATA, "-q")
    assert result.exit_code == 2
    assert re.search(r"split-by column 'subject' is empty at row 7 \(line 9\)", error_of(result))
    one = pd.concat([table.dropna(), table.iloc[[0]].assign(subject="P9")], ignore_index=True)
    one.to_csv(tmp_path / "one.csv", index=False)
    result = invoke("prepare", "--data", tmp_path / "one.csv", *DATA, "-q")
    assert result.exit_code == 2
    assert re.search(r"recording 'P9/s\d' has 1 rows, fewer than window=10", error_of(result))
