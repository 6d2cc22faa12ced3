"""Mean scores per dataset, mean ranks and wins, on tables whose answers are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tszoo.evaluation.ranking import dataset_means, mean_ranks


def results(rows):
    return pd.DataFrame(rows, columns=["dataset", "model", "seed", "accuracy"])


def test_means_average_over_seeds_and_keep_dataset_and_model_order():
    table = results(
        [("B", "svm", 0, 0.5), ("B", "svm", 1, 0.7), ("A", "svm", 0, 0.9), ("B", "rf", 0, 0.8)]
    )
    means = dataset_means(table, ["rf", "svm"])
    assert list(means.index) == ["B", "A"] and list(means.columns) == ["rf", "svm"]
    assert means.loc["B", "svm"] == pytest.approx(0.6)
    assert np.isnan(means.loc["A", "rf"])  # no cell


def test_ranks_wins_and_ties_on_a_known_table():
    means = pd.DataFrame(
        {"a": [0.9, 0.8, 0.7], "b": [0.8, 0.8, 0.9], "c": [0.7, 0.6, 0.5]},
        index=["d1", "d2", "d3"],
    )
    ranks = mean_ranks(means).set_index("model")
    # d1: a 1, b 2, c 3; d2: a and b tie at 1.5, c 3; d3: b 1, a 2, c 3
    assert ranks.loc["a", "mean_rank"] == pytest.approx((1 + 1.5 + 2) / 3)
    assert ranks.loc["b", "mean_rank"] == pytest.approx((2 + 1.5 + 1) / 3)
    assert ranks.loc["c", "mean_rank"] == pytest.approx(3.0)
    assert ranks["wins"].to_dict() == {"a": 2, "b": 2, "c": 0}  # a tie is a win for both
    assert ranks.loc["b", "mean_accuracy"] == pytest.approx(2.5 / 3)
    assert list(mean_ranks(means)["model"]) == ["a", "b", "c"]  # best first; ties keep order


def test_only_datasets_every_model_finished_are_ranked():
    means = pd.DataFrame({"a": [0.9, 0.1], "b": [0.8, np.nan]}, index=["d1", "d2"])
    ranks = mean_ranks(means).set_index("model")
    assert ranks["n_datasets"].eq(1).all()
    assert ranks.loc["a", "mean_rank"] == 1.0 and ranks.loc["a", "mean_accuracy"] == 0.9
