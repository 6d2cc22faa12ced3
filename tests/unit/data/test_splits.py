import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tszoo.data import Cases, Recordings, load_bundled, plan_split, split_cases
from tszoo.data.containers import CaseDataset
from tszoo.data.splits import SPLITS, allocate
from tszoo.errors import DataError


def rows_of(windows) -> set[int]:
    return set(np.flatnonzero(windows.row_mask()).tolist())


def assert_leak_free(parts: dict):
    """No stacked row is covered by windows of two splits."""
    covered = {name: rows_of(w) for name, w in parts.items()}
    for i, a in enumerate(SPLITS):
        for b in SPLITS[i + 1 :]:
            assert not covered[a] & covered[b], f"rows shared by {a} and {b}"


@pytest.mark.parametrize(
    ("n", "fractions", "expected"),
    [
        (10, (0.8, 0.1, 0.1), [8, 1, 1]),
        (3, (0.8, 0.1, 0.1), [1, 1, 1]),
        (5, (0.6, 0.4, 0), [3, 2, 0]),
    ],
)
def test_allocate(n, fractions, expected):
    assert allocate(n, fractions).tolist() == expected


def test_enough_recordings_split_whole_recordings(recordings_factory):
    rec = recordings_factory([100] * 12)  # 6 recordings per class
    plan = plan_split(rec, 10, 5, seed=1)
    assert plan.mode == "recordings"
    parts = plan.windows(rec, 10, 5)
    assert_leak_free(parts)
    recs = {name: set(w.recording.tolist()) for name, w in parts.items()}
    assert not recs["train"] & recs["test"] and not recs["val"] & recs["test"]
    for w in parts.values():
        assert set(w.y.tolist()) == {0, 1}


def test_few_recordings_split_by_blocks(four_recordings):
    plan = plan_split(four_recordings, 10, 5, seed=0)
    assert plan.mode == "blocks"
    parts = plan.windows(four_recordings, 10, 5)
    assert_leak_free(parts)
    assert all(set(w.y.tolist()) == {0, 1} for w in parts.values())
    # neighbouring blocks of one split are merged, so train keeps most windows
    assert len(parts["train"]) > 0.6 * (4 * ((200 - 10) // 5 + 1))


def test_one_long_recording_of_many_activities_is_split_at_its_label_changes(
    recordings_factory,
):
    # one recording, three classes in runs of 500 rows: 10 equal blocks would each hold
    # every class, and a class would be the main one of no block
    labels = (np.arange(30_000) // 500) % 3
    rec = recordings_factory([30_000], [labels])
    plan = plan_split(rec, 50, 10, seed=0)
    assert plan.mode == "blocks"
    parts = plan.windows(rec, 50, 10)
    assert_leak_free(parts)
    assert all(set(w.y.tolist()) == {0, 1, 2} for w in parts.values())
    rows = {name: (seg[:, 1] - seg[:, 0]).sum() for name, seg in plan.segments.items()}
    assert sum(rows.values()) == 30_000  # every row is dealt to one split
    for name, share in zip(SPLITS, (0.8, 0.1, 0.1)):
        assert abs(rows[name] / 30_000 - share) < 0.03, rows
    # no segment of a split crosses a label change except where neighbours merged: the
    # windows of each split are pure (none was dropped for a mixed label at a block edge)
    n_pure = sum(len(w) for w in parts.values())
    assert n_pure > 0.85 * ((30_000 - 50) // 10 + 1)


def test_a_long_stretch_of_one_label_is_cut_to_keep_the_shares(recordings_factory):
    # one activity fills 90 % of the recording: cut only at the label change, it would be
    # one block, and whichever split drew it would get 90 % of the rows
    labels = np.r_[np.zeros(9_000, dtype=int), np.ones(1_000, dtype=int)]
    rec = recordings_factory([10_000], [labels])
    plan = plan_split(rec, 20, 5, (0.6, 0.2, 0.2), seed=0)
    rows = {name: (seg[:, 1] - seg[:, 0]).sum() for name, seg in plan.segments.items()}
    assert rows["train"] / 10_000 > 0.4 and rows["val"] > 0 and rows["test"] > 0, rows
    assert_leak_free(plan.windows(rec, 20, 5))


def test_same_seed_same_plan_other_seed_other_plan(four_recordings):
    a = plan_split(four_recordings, 10, 5, seed=3).segments["test"]
    b = plan_split(four_recordings, 10, 5, seed=3).segments["test"]
    others = [plan_split(four_recordings, 10, 5, seed=s).segments["test"] for s in range(4, 8)]
    np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, o) for o in others)


def test_forced_recording_split_refuses_too_few(four_recordings):
    with pytest.raises(DataError, match="too few recordings"):
        plan_split(four_recordings, 10, 5, strategy="recordings")


def test_zero_fraction_gives_empty_split(four_recordings):
    parts = plan_split(four_recordings, 10, 5, (0.8, 0.2, 0.0)).windows(four_recordings, 10, 5)
    assert len(parts["test"]) == 0 and len(parts["val"]) > 0


def test_sample_file_split_is_leak_free(sample_csv):
    from tszoo.data import load_table

    rec = load_table(sample_csv)
    for seed in range(3):
        parts = plan_split(rec, 50, 10, seed=seed).windows(rec, 50, 10)
        assert_leak_free(parts)
        assert sum(len(w) for w in parts.values()) <= 384


# ----------------------------------------------------------------------------- property


@st.composite
def recordings_and_split(draw):
    n_rec = draw(st.integers(1, 5))
    n_classes = draw(st.integers(2, 3))
    arrays, labels = [], []
    for _ in range(n_rec):
        n = draw(st.integers(15, 160))
        arrays.append(
            np.asarray(draw(st.lists(st.integers(-99, 99), min_size=n * 2, max_size=n * 2)))
            .reshape(n, 2)
            .astype(np.float32)
        )
        # labels in contiguous runs, as activities in a recording
        cuts = sorted(draw(st.lists(st.integers(1, n - 1), max_size=3)))
        runs = np.split(np.arange(n), cuts)
        labels.append(
            np.concatenate([np.full(len(r), draw(st.integers(0, n_classes - 1))) for r in runs])
        )
    window = draw(st.integers(1, 20))
    stride = draw(st.integers(1, 12))
    train = draw(st.floats(0.4, 0.9))
    val = draw(st.floats(0.0, 1.0 - train))
    fractions = (train, val, 1.0 - train - val)
    seed = draw(st.integers(0, 2**16))
    rule = draw(st.sampled_from(["drop", "last", "majority"]))
    return Recordings.from_arrays(arrays, labels), window, stride, fractions, seed, rule


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recordings_and_split())
def test_property_no_row_in_two_splits_and_windows_match_rows(case):
    rec, window, stride, fractions, seed, rule = case
    try:
        plan = plan_split(rec, window, stride, fractions, seed=seed, label_rule=rule)
    except DataError:
        event("refused")
        return  # refused with a message: fine, as long as it never leaks
    event(f"split by {plan.mode}")
    # the planned row ranges never overlap
    ranges = np.concatenate([seg for seg in plan.segments.values()])
    ranges = ranges[np.argsort(ranges[:, 0])]
    assert (ranges[1:, 0] >= ranges[:-1, 1]).all()
    parts = plan.windows(rec, window, stride, rule)
    assert_leak_free(parts)
    for w in parts.values():
        table = w.provenance()
        first = rec.recording_of_row(w.starts)
        assert (first == rec.recording_of_row(w.starts + window - 1)).all()
        for i in range(0, len(w), max(1, len(w) // 5)):  # a few windows per split
            row = table.iloc[i]
            np.testing.assert_array_equal(w[i], rec.values[row.start_row : row.end_row].T)
            window_labels = rec.labels[row.start_row : row.end_row]
            if rule == "drop":
                assert (window_labels == row.label).all()
            elif rule == "last":
                assert window_labels[-1] == row.label


# ----------------------------------------------------------------------------- cases


def test_given_test_split_is_kept_and_val_is_stratified():
    data = load_bundled("BasicMotions")
    train, val, test = split_cases(data, (0.8, 0.1, 0.1), seed=0)
    assert test is data.test
    assert len(train) + len(val) == len(data.train)
    assert not set(train.index.tolist()) & set(val.index.tolist())
    assert sorted(np.unique(val.y).tolist()) == sorted(np.unique(data.train.y).tolist())


def test_cases_without_test_split_three_ways():
    rng = np.random.default_rng(0)
    cases = Cases(
        X=rng.standard_normal((60, 2, 8)), y=np.repeat(["a", "b", "c"], 20), channels=["x", "y"]
    )
    train, val, test = split_cases(CaseDataset("toy", cases), (0.6, 0.2, 0.2), seed=0)
    assert (len(train), len(val), len(test)) == (36, 12, 12)
    all_idx = np.concatenate([train.index, val.index, test.index])
    assert len(np.unique(all_idx)) == 60


def test_cases_too_few_for_stratified_val():
    cases = Cases(X=np.zeros((5, 1, 4)), y=np.array(["a", "a", "a", "a", "b"]), channels=["x"])
    with pytest.raises(DataError, match="class 'b' has too few cases"):
        split_cases(CaseDataset("toy", cases), (0.6, 0.2, 0.2))
