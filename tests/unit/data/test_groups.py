"""Splits and folds of whole groups (``--split-by``, ``--cv``): the leak properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tszoo.data import load_table, plan_folds, prepare_splits
from tszoo.data.pipeline import prepare_folds
from tszoo.data.splits import SPLITS
from tszoo.errors import DataError

WINDOW, STRIDE = 10, 5


def rows_of(windows) -> set[int]:
    return set(np.flatnonzero(windows.row_mask()).tolist())


def assert_disjoint(parts: dict) -> None:
    covered = {name: rows_of(w) for name, w in parts.items()}
    for i, a in enumerate(SPLITS):
        for b in SPLITS[i + 1 :]:
            assert not covered[a] & covered[b], f"rows in {a} and {b}"


def groups_in(table: pd.DataFrame, column: str) -> dict[str, set]:
    return {s: set(table.loc[table["split"] == s, column]) for s in SPLITS}


# ----------------------------------------------------------------------------- folds


def test_kfold_by_recordings_tests_each_recording_once(recordings_factory):
    rec = recordings_factory([60] * 10)  # 5 recordings per class
    plans = plan_folds(rec, WINDOW, STRIDE, 5, seed=0)
    tested = []
    for plan in plans:
        parts = plan.windows(rec, WINDOW, STRIDE)
        assert_disjoint(parts)
        tested += sorted(set(parts["test"].recording.tolist()))
        assert not set(parts["test"].recording) & set(parts["train"].recording)
    assert sorted(tested) == list(range(10))


def test_kfold_by_blocks_tests_every_class_in_every_fold(four_recordings):
    plans = plan_folds(four_recordings, WINDOW, STRIDE, 4, seed=0)
    assert len(plans) == 4
    test_rows = []
    for plan in plans:
        parts = plan.windows(four_recordings, WINDOW, STRIDE)
        assert_disjoint(parts)
        assert set(parts["test"].y.tolist()) == {0, 1}
        test_rows.append(rows_of(parts["test"]))
    for i in range(4):
        for j in range(i + 1, 4):
            assert not test_rows[i] & test_rows[j]


def test_session_ids_shared_by_subjects_name_one_recording_each(tmp_path, subject_sessions):
    path = subject_sessions(tmp_path / "s.csv", subjects=3, sessions=2, labels=[0, 1])
    rec = load_table(path, group="session", split_by="subject")
    assert rec.n_recordings == 6
    assert sorted(rec.ids) == sorted(f"P{s}/s{j}" for s in range(3) for j in range(2))
    assert [i.split("/")[0] for i in rec.ids] == rec.split_groups


def test_windows_table_names_the_split_group_and_the_fold(tmp_path, subject_sessions):
    path = subject_sessions(tmp_path / "s.csv", subjects=4, sessions=2, labels=[0, 1])
    folds = prepare_folds(path, group="session", split_by="subject", cv="loo", window=WINDOW)
    table = folds[2].windows_table()
    assert list(table.columns) == [
        "recording", "subject", "start_row", "end_row", "split", "label", "fold",
    ]  # fmt: skip
    assert set(table["fold"]) == {2}
    assert groups_in(table, "subject")["test"] == {folds[2].fold_name}


def test_a_class_in_one_group_cannot_reach_every_split(tmp_path, subject_sessions):
    # class c1 only in subject P0: it cannot be in train, val and test at once
    path = subject_sessions(tmp_path / "s.csv", subjects=4, sessions=1, labels=[1, 0, 0, 0])
    with pytest.raises(DataError, match=r"class 'c1' is in 1 of 4 'subject' groups.*--cv K"):
        prepare_splits(path, group="session", split_by="subject", window=WINDOW)


def test_fewer_groups_than_folds_is_refused(tmp_path, subject_sessions):
    path = subject_sessions(tmp_path / "s.csv", subjects=3, sessions=2, labels=[0, 1])
    with pytest.raises(DataError, match=r"3 'subject' groups for --cv 5; use --cv 3 or fewer"):
        prepare_folds(path, group="session", split_by="subject", cv=5, window=WINDOW)


@pytest.mark.parametrize("cv", [1, 0, "2.5", "all"])
def test_a_bad_cv_is_refused(four_recordings, cv):
    with pytest.raises(DataError, match=r"--cv .*at least 2 or 'loo'"):
        plan_folds(four_recordings, WINDOW, STRIDE, cv)


def test_cv_refuses_a_given_test_split():
    with pytest.raises(DataError, match=r"GunPoint cannot be cross-validated.*own test split"):
        prepare_folds("GunPoint", cv=3)


# ----------------------------------------------------------------------------- properties

designs = st.tuples(
    st.integers(2, 6),  # subjects
    st.integers(1, 3),  # sessions per subject
    st.lists(st.integers(0, 2), min_size=2, max_size=6),  # label of each session, cycled
    st.integers(0, 2**16),  # seed
).filter(lambda d: len(set((d[2] * 36)[: d[0] * d[1]])) >= 2)  # two classes at least
PROPERTY = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(design=designs)
def test_no_subject_is_in_two_splits(tmp_path, subject_sessions, design):
    subjects, sessions, labels, seed = design
    path = subject_sessions(tmp_path / "p.csv", subjects, sessions, labels)
    try:
        splits = prepare_splits(
            path, group="session", split_by="subject", window=WINDOW, stride=STRIDE, seed=seed
        )
    except DataError as exc:  # too few subjects for a class: the message says what to do
        assert "--cv K" in str(exc) or "fewer splits" in str(exc)
        return
    found = groups_in(splits.windows_table(), "subject")
    for i, a in enumerate(SPLITS):
        for b in SPLITS[i + 1 :]:
            assert not found[a] & found[b]
    assert_disjoint({s: splits.get(s) for s in SPLITS})


@PROPERTY
@given(design=designs)
def test_leave_one_out_tests_every_subject_exactly_once(tmp_path, subject_sessions, design):
    subjects, sessions, labels, seed = design
    path = subject_sessions(tmp_path / "p.csv", subjects, sessions, labels)
    options = dict(group="session", split_by="subject", window=WINDOW, stride=STRIDE)
    try:
        folds = prepare_folds(path, cv="loo", seed=seed, **options)
    except DataError as exc:  # a class held by one subject alone cannot be trained on
        assert "training split has none" in str(exc) or "fewer splits" in str(exc)
        return
    tested = []
    for fold in folds:
        found = groups_in(fold.windows_table(), "subject")
        assert len(found["test"]) == 1
        assert not found["test"] & (found["train"] | found["val"])
        tested += sorted(found["test"])
    assert sorted(tested) == [f"P{s}" for s in range(subjects)]
    again = prepare_folds(path, cv="loo", seed=seed, **options)
    for a, b in zip(folds, again, strict=True):  # the same seed, the same folds
        assert a.windows_table().equals(b.windows_table())


@PROPERTY
@given(design=designs)
def test_no_window_spans_a_time_reset(tmp_path, subject_sessions, design):
    subjects, sessions, labels, _ = design
    path = subject_sessions(tmp_path / "p.csv", subjects, sessions, labels)
    time = pd.read_csv(path)["time"].to_numpy()
    for group in (None, "subject"):  # sessions found by time alone, or inside subjects
        rec = load_table(path, group=group)
        splits = prepare_splits(rec, window=WINDOW, stride=STRIDE, fractions=(1.0, 0.0, 0.0))
        windows = splits.train
        rows = rec.source_rows[windows.starts[:, None] + np.arange(WINDOW)]
        assert (np.diff(time[rows], axis=1) > 0).all()
