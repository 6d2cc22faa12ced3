import numpy as np
import pytest

from tszoo.data import make_windows, sliding_windows
from tszoo.data.windows import WindowArray, contiguous_segments
from tszoo.errors import DataError


def test_sliding_windows_is_a_view_with_model_layout():
    values = np.arange(30, dtype=np.float32).reshape(10, 3)  # (n_rows, n_channels)
    view = sliding_windows(values, window=4, stride=3)
    assert view.shape == (3, 3, 4)  # (n_windows, n_channels, window)
    assert np.shares_memory(view, values)
    np.testing.assert_array_equal(view[1], values[3:7].T)


def test_windows_are_views_until_asked_for(four_recordings):
    windows = make_windows(four_recordings, 20, 5)
    assert np.shares_memory(windows[7], four_recordings.values)
    batch = windows.to_numpy(np.arange(3))
    assert batch.shape == (3, 2, 20) and batch.flags.c_contiguous
    assert not np.shares_memory(batch, four_recordings.values)


def test_window_count_and_alignment(four_recordings):
    windows = make_windows(four_recordings, 50, 10)
    assert len(windows) == 4 * ((200 - 50) // 10 + 1)
    table = windows.provenance()
    assert (table.end_row - table.start_row == 50).all()
    assert set(table.start_row % 200 % 10) == {0}  # stride counted from each recording's start


def test_windows_never_cross_recordings(recordings_factory):
    rec = recordings_factory([23, 7, 31])
    windows = make_windows(rec, 5, 2)
    first = rec.recording_of_row(windows.starts)
    last = rec.recording_of_row(windows.starts + 4)
    np.testing.assert_array_equal(first, last)
    assert (first == 1).sum() == (7 - 5) // 2 + 1


def test_every_window_equals_the_rows_it_names(recordings_factory):
    rec = recordings_factory([40, 60])
    windows = make_windows(rec, 8, 3)
    table = windows.provenance()
    for i, row in table.iterrows():
        expected = rec.values[row.start_row : row.end_row].T
        np.testing.assert_array_equal(windows[i], expected)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [("drop", [0, 1]), ("last", [0, 1, 1, 1]), ("majority", [0, 0, 1, 1])],
)
def test_label_rule_for_mixed_windows(recordings_factory, rule, expected):
    labels = [[0] * 5 + [1] * 5]  # windows of 4, stride 2: [0000] [0001] [0111] [1111]
    rec = recordings_factory([10], labels=labels)
    windows = make_windows(rec, 4, 2, label_rule=rule)
    assert windows.y.tolist() == expected


def test_majority_tie_goes_to_first_class(recordings_factory):
    rec = recordings_factory([4], labels=[[1, 1, 0, 0]])
    windows = make_windows(rec, 4, 1, label_rule="majority")
    assert windows.y.tolist() == [0]


def test_string_labels_survive(recordings_factory):
    rec = recordings_factory([10, 10], labels=[["walk"] * 10, ["run"] * 10])
    windows = make_windows(rec, 5, 5)
    assert windows.y.tolist() == ["walk", "walk", "run", "run"]


def test_dropped_rows_break_windows(recordings_factory):
    rec = recordings_factory([20])
    keep = np.ones(20, bool)
    keep[9] = False  # as if row 9 held a NaN and was dropped
    rec.values, rec.codes, rec.source_rows = (
        rec.values[keep],
        rec.codes[keep],
        np.flatnonzero(keep),
    )
    rec.bounds = np.array([0, 19])
    rec.breaks = np.array([9])
    assert contiguous_segments(rec).tolist() == [[0, 9], [9, 19]]
    table = make_windows(rec, 5, 1).provenance()
    assert not ((table.start_row <= 9) & (table.end_row > 9)).any()
    assert (table.end_row - table.start_row == 5).all()


@pytest.mark.parametrize(("window", "stride"), [(0, 1), (5, 0), (-3, 1), (5, -1)])
def test_bad_window_or_stride(four_recordings, window, stride):
    with pytest.raises(DataError, match="positive"):
        make_windows(four_recordings, window, stride)


def test_window_array_indexes_like_the_array_of_every_window(four_recordings):
    windows = make_windows(four_recordings, 20, 5)
    double = lambda X: 2 * X  # noqa: E731 - element-wise, as a normalisation is
    lazy = WindowArray(windows, double)
    dense = 2 * windows.to_numpy()
    assert lazy.shape == dense.shape and len(lazy) == len(dense) and lazy.ndim == 3
    np.testing.assert_array_equal(np.asarray(lazy), dense)
    np.testing.assert_array_equal(lazy[5], dense[5])
    np.testing.assert_array_equal(lazy[-1], dense[-1])
    np.testing.assert_array_equal(lazy[3:9], dense[3:9])
    picks = np.array([17, 2, 2, 40])  # any order, repeats too
    np.testing.assert_array_equal(lazy[picks], dense[picks])
    np.testing.assert_array_equal(np.concatenate(list(lazy.batches(7))), dense)
    assert not np.shares_memory(lazy[3:9], four_recordings.values)  # copies, never views
    assert np.asarray(lazy, dtype=np.float64).dtype == np.float64
