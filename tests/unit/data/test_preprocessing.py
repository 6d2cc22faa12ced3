import numpy as np
import pytest

from tszoo.data import Normalizer, make_windows, plan_split, prepare_splits
from tszoo.errors import DataError


def test_zscore_uses_each_training_row_once(recordings_factory):
    rec = recordings_factory([100, 100])
    windows = make_windows(rec, 30, 7)  # heavily overlapping windows
    norm = Normalizer("zscore").fit(windows)
    rows = rec.values[windows.row_mask()]
    np.testing.assert_allclose(norm.mean_, rows.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(norm.scale_, rows.std(axis=0), rtol=1e-5)


def test_statistics_come_from_the_training_split_only(four_recordings):
    plan = plan_split(four_recordings, 10, 5, seed=0)
    parts = plan.windows(four_recordings, 10, 5)
    before = Normalizer().fit(parts["train"])
    # scramble every row outside training: the statistics must not move
    outside = ~parts["train"].row_mask()
    four_recordings.values[outside] = 1e6
    after = Normalizer().fit(parts["train"])
    np.testing.assert_array_equal(before.mean_, after.mean_)
    np.testing.assert_array_equal(before.scale_, after.scale_)


def test_transform_standardises_training_windows(four_recordings):
    parts = plan_split(four_recordings, 10, 10, seed=0).windows(four_recordings, 10, 10)
    norm = Normalizer().fit(parts["train"])
    X = norm.transform(parts["train"].to_numpy())  # stride == window: each row once
    np.testing.assert_allclose(X.mean(axis=(0, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(X.std(axis=(0, 2)), 1, atol=1e-4)


def test_constant_channel_is_not_divided_by_zero():
    X = np.stack([np.ones((3, 20)), np.zeros((3, 20))])  # (2 cases, 3 channels, 20)
    X[:, 1] = 5.0
    out = Normalizer().fit(X).transform(X)
    assert np.isfinite(out).all()


def test_window_centring_and_none():
    X = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_allclose(Normalizer("window").fit(X).transform(X).mean(axis=-1), 0)
    np.testing.assert_array_equal(Normalizer("none").fit(X).transform(X), X)


def test_unequal_length_cases():
    X = [np.ones((2, 5)), 3 * np.ones((2, 9))]
    norm = Normalizer().fit(X)
    out = norm.transform(X)
    assert [x.shape for x in out] == [(2, 5), (2, 9)]
    np.testing.assert_allclose(norm.mean_, [(5 + 27) / 14] * 2)


def test_state_round_trips_through_json_dict(four_recordings):
    import json

    norm = Normalizer().fit(make_windows(four_recordings, 10, 5))
    again = Normalizer.from_dict(json.loads(json.dumps(norm.to_dict())))
    X = make_windows(four_recordings, 10, 5).to_numpy()
    np.testing.assert_array_equal(norm.transform(X), again.transform(X))


def test_unknown_method():
    with pytest.raises(DataError, match="zscore, window or none"):
        Normalizer("minmax").fit(np.zeros((2, 1, 3)))


def test_prepare_splits_on_sample(sample_csv):
    splits = prepare_splits(sample_csv, window=50, stride=10, seed=42)
    table = splits.windows_table()
    assert list(table.columns) == ["recording", "start_row", "end_row", "split", "label"]
    assert set(table.recording) == {"0", "1", "2", "3"}
    # in source-file rows: no row of any recording lies in two splits
    for rec_id, group in table.groupby("recording"):
        owner = {}
        for row in group.itertuples():
            for r in range(row.start_row, row.end_row):
                assert owner.setdefault(r, row.split) == row.split, (rec_id, r)
    X, y = splits.arrays("test")
    assert X.shape[1:] == (7, 50) and X.dtype == np.float32 and len(X) == len(y)
    assert splits.summary().loc[:, "test"].min() > 0


def test_prepare_splits_bundled_keeps_given_test():
    splits = prepare_splits("basicmotions")
    assert splits.mode == "given" and len(splits.test) == 40
    X, _ = splits.arrays("train")
    assert X.shape[1:] == (6, 100)
