"""The figure of a cross-validated run: each model's test accuracy on each fold."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from tszoo.plots.figures import (
    add_legend,
    label_axes,
    model_colours,
    new_figure,
    nothing_to_show,
    require_columns,
    rotate_xlabels,
    shorten,
    style_axes,
    title_figure,
)


def fold_accuracy(
    results: pd.DataFrame,
    fold_names: Sequence[str] = (),
    *,
    loo: bool = False,
    metric: str = "accuracy",
) -> Figure:
    """Test ``metric`` per fold and model, folds left to right.

    Parameters
    ----------
    results : DataFrame
        One row per model x seed x fold with ``model, seed, fold`` and ``metric``.
    fold_names : sequence of str
        What each fold tests (the left-out group under ``--cv loo``), fold ``k`` at ``k``;
        ``fold <k>`` where missing.
    loo : bool
        Whether fold ``k`` tests the same group on every seed (leave one out): then each
        fold is a mean over seeds. K folds differ from seed to seed, so each seed's fold is
        its own point (``s<seed> f<fold>``).

    Returns
    -------
    Figure
        One marker per model and fold joined by a line, a dashed line at each model's
        mean over folds: a fold far below it is a group the model fails on.
    """
    title = f"Test {metric.replace('_', ' ')} per fold"
    if results.empty or "fold" not in results or results["fold"].isna().all():
        return nothing_to_show(title, "no folds: this run was not cross-validated")
    require_columns(results, ["model", "seed", "fold", metric], "fold_accuracy")
    scores = results.dropna(subset=["fold"]).astype({"fold": int, "seed": int})
    by_seed = not loo and scores["seed"].nunique() > 1
    index = ["seed", "fold"] if by_seed else "fold"
    table = scores.pivot_table(index=index, columns="model", values=metric, aggfunc="mean")
    table = table[list(dict.fromkeys(scores["model"]))]  # models in the run's order
    if by_seed:
        names = [f"s{seed} f{fold}" for seed, fold in table.index]
    else:
        names = [
            shorten(fold_names[k]) if k < len(fold_names) else f"fold {k}" for k in table.index
        ]
    fig = new_figure(min(12, max(6, 2 + 0.45 * len(names))), 4.6)
    ax = style_axes(fig.add_subplot(), grid="y")
    x = np.arange(len(names))
    colours = model_colours(table.columns)
    for model in table.columns:
        values = table[model]
        ax.plot(x, values, marker="o", lw=1, color=colours[model], label=shorten(model))
        ax.axhline(values.mean(), color=colours[model], lw=0.8, ls="--", alpha=0.7)
    ax.set_xticks(x, names)
    rotate_xlabels(ax, names)
    ax.set_ylim(0, 1.05)
    label_axes(ax, xlabel="Fold (what it tests)", ylabel=f"Test {metric.replace('_', ' ')}")
    add_legend(fig, ax.get_legend_handles_labels()[0], loc="outside lower center", ncols=4)
    n_seeds = scores["seed"].nunique()
    n_folds = scores["fold"].nunique()
    if by_seed:
        over = f"{n_folds} folds on each of {n_seeds} seeds"
    else:
        over = f"{n_folds} folds, " + (f"mean over {n_seeds} seeds" if n_seeds > 1 else "one seed")
    title_figure(fig, f"{title}: {over}")
    return fig
