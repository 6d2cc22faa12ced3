"""Ranking models over datasets: mean scores per dataset, mean ranks and wins (pure)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

RANK_METRIC = "accuracy"  # what the pivot table, the ranks and the CD diagram compare


def dataset_means(
    results: pd.DataFrame, models: Sequence[str] | None = None, metric: str = RANK_METRIC
) -> pd.DataFrame:
    """Datasets x models: ``metric`` averaged over seeds; NaN where a model has no cell."""
    means = results.pivot_table(index="dataset", columns="model", values=metric, aggfunc="mean")
    datasets = list(dict.fromkeys(results["dataset"]))
    means = means.reindex(index=datasets, columns=list(models or means.columns))
    means.columns.name = None
    return means


def mean_ranks(means: pd.DataFrame) -> pd.DataFrame:
    """Each model's rank on each dataset (1 = best, ties share the mean), averaged.

    Only datasets that every model finished count; ``n_datasets`` says how many.
    Columns: ``model, mean_rank, mean_<metric>, wins, n_datasets``, best rank first.
    """
    complete = means.dropna()
    ranks = complete.rank(axis=1, ascending=False, method="average")
    wins = complete.eq(complete.max(axis=1), axis=0).sum() if len(complete) else 0
    table = pd.DataFrame(
        {
            "model": list(means.columns),
            "mean_rank": ranks.mean().reindex(means.columns).to_numpy(),
            f"mean_{RANK_METRIC}": complete.mean().reindex(means.columns).to_numpy(),
            "wins": pd.Series(wins, index=means.columns).to_numpy(),
            "n_datasets": len(complete),
        }
    )
    return table.sort_values("mean_rank", kind="stable").reset_index(drop=True)
