"""Figures of how the models trained, what training cost, and where they err.

A training history is one DataFrame per seed with columns ``epoch`` (1-based),
``train_loss, train_acc, val_loss, val_acc, lr, seconds``; ``val_*`` are NaN without a
validation split and seeds stopped early have fewer epochs. Curves are means over the seeds
still running at each epoch, with their min-max as a band.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from tszoo.plots.figures import (
    SPLIT_COLOURS,
    STYLE,
    add_colorbar,
    add_legend,
    cell_texts,
    dataset_suffix,
    heatmap,
    label_axes,
    model_colours,
    natural_sorted,
    new_figure,
    nothing_to_show,
    over_seeds,
    require_columns,
    scores_by_model,
    shorten,
    style_axes,
    title_figure,
)

_QUANTITIES = (("loss", "Loss"), ("acc", "Accuracy"))


def curve_stats(histories: Sequence[pd.DataFrame], column: str) -> pd.DataFrame:
    """Mean, min (``low``), max (``high``) and count (``n``) of ``column`` per epoch, over
    the seeds with a value at that epoch.

    Returns
    -------
    DataFrame
        Indexed by epoch; epochs where no seed has a value are left out, so the frame is
        empty when ``column`` is all NaN or missing.
    """
    parts = [h.set_index("epoch")[column] for h in histories if column in h.columns and len(h)]
    if not parts:
        return pd.DataFrame(columns=["mean", "low", "high", "n"], dtype=float)
    values = pd.concat(parts, axis=1).astype(float).sort_index()  # (n_epochs, n_seeds)
    stats = pd.DataFrame(
        {
            "mean": values.mean(axis=1),
            "low": values.min(axis=1),
            "high": values.max(axis=1),
            "n": values.count(axis=1),
        }
    )
    return stats[stats["n"] > 0]


def _nonempty(histories: Sequence[pd.DataFrame] | None) -> list[pd.DataFrame]:
    return [h for h in histories or [] if h is not None and len(h)]


def training_curves(model: str, histories: Sequence[pd.DataFrame]) -> Figure:
    """Loss and accuracy per epoch of one model, train and validation, over seeds.

    Parameters
    ----------
    model : str
        The model's name, for the title.
    histories : list of DataFrame
        One history per seed (see the module docstring).

    Returns
    -------
    Figure
        Two panels (loss, accuracy). Lines are means over the seeds still running at each
        epoch; the band is their min-max, hidden where fewer than two seeds have a value.
    """
    title = f"{shorten(model, 40)}: training curves"
    frames = _nonempty(histories)
    if not frames:
        return nothing_to_show(title, "no training history (only deep models have one)")
    fig = new_figure(10, 4.2)
    for ax, (quantity, name) in zip(fig.subplots(1, 2), _QUANTITIES):
        style_axes(ax, grid="both")
        for split, split_name in (("train", "train"), ("val", "validation")):
            stats = curve_stats(frames, f"{split}_{quantity}")
            if stats.empty:
                continue
            colour = SPLIT_COLOURS[split]
            ax.plot(
                stats.index,
                stats["mean"],
                color=colour,
                label=split_name,
                lw=1.6,
                ls="-" if split == "train" else "--",
                marker="o" if len(stats) == 1 else "",
            )
            ax.fill_between(
                stats.index,
                stats["low"],
                stats["high"],
                where=stats["n"] >= 2,
                color=colour,
                alpha=STYLE["band.alpha"],
                lw=0,
            )
        if quantity == "acc" and ax.has_data():
            ax.set_ylim(min(0, ax.get_ylim()[0]), max(1.02, ax.get_ylim()[1]))
        label_axes(ax, name, "Epoch", name)
    handles = fig.axes[0].get_legend_handles_labels()[0]
    if len(frames) > 1:
        handles.append(Patch(color="#777777", alpha=0.3, label="min–max over seeds"))
    add_legend(fig.axes[0], handles, loc="best")
    epochs = sorted({int(h["epoch"].max()) for h in frames})
    note = []
    if len(epochs) > 1:
        note.append(
            f"seeds ran {epochs[0]}–{epochs[-1]} epochs; later epochs average the "
            "seeds still running"
        )
    if curve_stats(frames, "val_loss").empty:
        note.append("no validation curve (no validation split)")
    seeds = f"mean of {len(frames)} seeds" if len(frames) > 1 else "1 seed"
    title_figure(fig, f"{title} ({seeds})", "; ".join(note) or None)
    return fig


def training_overlay(
    histories: Mapping[str, Sequence[pd.DataFrame]], *, colours: Mapping[str, str] | None = None
) -> Figure:
    """Mean validation loss and accuracy per epoch of every deep model, overlaid.

    Parameters
    ----------
    histories : dict
        Model -> one history per seed (see the module docstring). Models without a
        history are left out.
    colours : dict, optional
        Model -> colour, e.g. from :func:`~tszoo.plots.model_colours`.

    Returns
    -------
    Figure
        Two panels (loss, accuracy), one line per model. A model without validation
        curves is drawn with its training curves, dotted and marked "(train)" in the legend.
    """
    title = "Training curves of the deep models"
    curves = {m: _nonempty(h) for m, h in histories.items()}
    curves = {m: frames for m, frames in curves.items() if frames}
    if not curves:
        return nothing_to_show(title, "no training histories (no deep model in this run)")
    colours = {**model_colours(curves), **(colours or {})}
    fig = new_figure(10, 4.4 + 0.2 * (len(curves) // 4))
    axes = fig.subplots(1, 2)
    handles = []
    for model, frames in curves.items():
        split = "train" if curve_stats(frames, "val_loss").empty else "val"
        style = {"color": colours[model], "lw": 1.6, "ls": "-" if split == "val" else ":"}
        for ax, (quantity, _) in zip(axes, _QUANTITIES):
            stats = curve_stats(frames, f"{split}_{quantity}")
            ax.plot(stats.index, stats["mean"], marker="o" if len(stats) == 1 else "", **style)
        label = shorten(model) + (" (train)" if split == "train" else "")
        handles.append(Line2D([], [], label=label, **style))
    for ax, (_, name) in zip(axes, _QUANTITIES):
        style_axes(ax, grid="both")
        label_axes(ax, f"Validation {name.lower()}", "Epoch", name)
    add_legend(fig, handles, loc="outside lower center", ncols=min(len(handles), 4))
    title_figure(fig, f"{title} (mean over seeds)")
    return fig


def confusion_matrices(model: str, confusion: pd.DataFrame, classes: Sequence[str]) -> Figure:
    """Counts and row-normalised confusion matrix of one model, summed over seeds.

    Parameters
    ----------
    model : str
        The model to show; rows of other models in ``confusion`` are ignored.
    confusion : DataFrame
        Long format, columns ``dataset, model, seed, true, predicted, count``.
    classes : list of str
        Class order of the rows ("true") and columns ("predicted"); classes that appear only
        in ``confusion`` are added after them.

    Returns
    -------
    Figure
        Two heatmaps; the second's image holds the row-normalised matrix (NaN for a class
        with no true cases). Cells are annotated up to 12 classes.
    """
    title = f"{shorten(model, 40)}: confusion matrix"
    rows = confusion[confusion["model"] == model] if "model" in confusion.columns else confusion
    if rows.empty:
        return nothing_to_show(title, f"no confusion counts for model {model!r}")
    require_columns(rows, ["true", "predicted", "count"], "confusion_matrices")
    true, predicted = rows["true"].astype(str), rows["predicted"].astype(str)
    labels = [str(c) for c in classes]
    labels += [c for c in natural_sorted([*true, *predicted]) if c not in labels]
    counts = (
        rows.assign(true=true, predicted=predicted)
        .groupby(["true", "predicted"])["count"]
        .sum()
        .unstack(fill_value=0)
        .reindex(index=labels, columns=labels, fill_value=0)
        .to_numpy(dtype=float)
    )  # (n_classes, n_classes), rows = true
    with np.errstate(invalid="ignore", divide="ignore"):
        normalised = counts / counts.sum(axis=1, keepdims=True)

    n = len(labels)
    fontsize = 9 if n <= 6 else 8 if n <= 9 else 7
    panels = (
        (counts, "{:.0f}", max(counts.max(), 1), "Counts", "windows"),
        (normalised, "{:.2f}", 1, "Row-normalised (diagonal = recall)", "fraction of true class"),
    )
    fig = new_figure(10, min(3.4 + 0.17 * n, 7))
    for ax, (values, fmt, vmax, panel, bar) in zip(fig.subplots(1, 2), panels):
        texts = cell_texts(values, fmt) if n <= 12 else None
        image = heatmap(
            ax,
            values,
            rows=labels,
            cols=labels,
            cmap=STYLE["cmap.counts"],
            vmin=0,
            vmax=vmax,
            texts=texts,
            fontsize=fontsize,
        )
        label_axes(ax, panel, "Predicted class", "True class")
        add_colorbar(fig, image, ax, bar)
    seeds = rows["seed"].nunique() if "seed" in rows.columns else 1
    title_figure(fig, f"{title} (summed over {seeds} seed{'s' if seeds > 1 else ''})")
    return fig


def per_class_metrics(per_class: pd.DataFrame) -> Figure:
    """Per-class precision, recall and F1 of every model, means over seeds.

    Parameters
    ----------
    per_class : DataFrame
        Columns ``model, seed, class, precision, recall, f1, support``.

    Returns
    -------
    Figure
        One heatmap per metric (models x classes) on a shared 0..1 colour scale; models run
        from the highest mean F1, classes are labelled with their mean support (n) per seed.
        Cells are annotated up to 12 classes.
    """
    title = "Per-class scores"
    if per_class.empty:
        return nothing_to_show(title, "no per-class scores")
    require_columns(per_class, ["model", "class", "precision", "recall", "f1"], "per_class_metrics")
    table = per_class.assign(**{"class": per_class["class"].astype(str)})
    means = table.groupby(["model", "class"])[["precision", "recall", "f1"]].mean()
    models = means["f1"].groupby("model").mean().sort_values(ascending=False, kind="stable").index
    classes = natural_sorted(table["class"])
    support = table.groupby("class")["support"].mean() if "support" in table else None
    class_labels = [
        shorten(c, 14) + (f" (n={support[c]:.0f})" if support is not None else "") for c in classes
    ]
    annotate = len(classes) <= 12
    fig = new_figure(10, 1.2 + 3 * (0.45 + 0.26 * len(models)))
    axes = fig.subplots(3, 1, sharex=True)
    for ax, (metric, name) in zip(
        axes, (("precision", "Precision"), ("recall", "Recall"), ("f1", "F1"))
    ):
        values = means[metric].unstack().reindex(index=models, columns=classes).to_numpy(float)
        image = heatmap(
            ax,
            values,
            rows=models,
            cols=class_labels,
            cmap=STYLE["cmap.sequential"],
            vmin=0,
            vmax=1,
            texts=cell_texts(values, "{:.2f}") if annotate else None,
        )
        ax.set_title(name, loc="left", fontsize=STYLE["axes.titlesize"])
    add_colorbar(fig, image, list(axes), "score (mean over seeds)")
    seeds = per_class["seed"].nunique() if "seed" in per_class.columns else 1
    title_figure(
        fig,
        f"{title}{dataset_suffix(per_class)} (mean over {seeds} seed{'s' if seeds > 1 else ''})",
    )
    return fig


def _label_offsets(ax: Axes, x: Sequence, y: Sequence, names: Sequence[str]) -> list[tuple]:
    """Offsets (points) and alignment that keep point labels from overlapping each other.

    Greedy: each label takes the first of a few spots around its point that is free of
    markers and earlier labels, judged from the axes' size before layout and an estimate
    of the text's width.
    """
    width_pt, height_pt = ax.get_position().size * ax.figure.get_size_inches() * 72
    (x0, x1), (y0, y1) = np.log10(ax.get_xlim()), ax.get_ylim()
    px = (np.log10(np.asarray(x, dtype=float)) - x0) / (x1 - x0) * width_pt
    py = (np.asarray(y, dtype=float) - y0) / (y1 - y0) * height_pt
    spots = [(8, 4, "left"), (8, -4, "left"), (-8, 4, "right"), (-8, -4, "right"),
             (8, 15, "left"), (8, -15, "left"), (-8, 15, "right"), (-8, -15, "right")]  # fmt: skip
    size, chosen = STYLE["annotation.size"] + 1, []
    placed = [(a - 5, b - 5, a + 5, b + 5) for a, b in zip(px, py)]  # the markers themselves
    for name, x_pt, y_pt in zip(names, px, py):
        w = 0.6 * size * len(name)
        for dx, dy, ha in spots:
            left = x_pt + dx - (w if ha == "right" else 0)
            bottom = y_pt + dy - (size if dy < 0 else 0)
            box = (left, bottom, left + w, bottom + size)
            if not any(
                box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed
            ):
                break
        else:
            dx, dy, ha = spots[0]  # no free spot: overlap rather than hide the name
            box = (x_pt + dx, y_pt + dy, x_pt + dx + w, y_pt + dy + size)
        placed.append(box)
        chosen.append((dx, dy, ha))
    return chosen


def fit_time_vs_accuracy(
    results: pd.DataFrame, *, colours: Mapping[str, str] | None = None
) -> Figure:
    """Mean fit time (log scale) against mean accuracy, one labelled point per model.

    Parameters
    ----------
    results : DataFrame
        One row per model x seed with columns ``model, accuracy, fit_seconds``.
    colours : dict, optional
        Model -> colour, e.g. from :func:`model_colours`; by default the palette in order.

    Returns
    -------
    Figure
        Error bars are the std over seeds (none for one seed).
    """
    title = "Accuracy against training time"
    if results.empty:
        return nothing_to_show(title, "no results")
    require_columns(results, ["model", "accuracy", "fit_seconds"], "fit_time_vs_accuracy")
    mean, std, n_seeds = scores_by_model(results, ["accuracy", "fit_seconds"])
    mean = mean.dropna()
    if mean.empty:
        return nothing_to_show(title, "no model has both an accuracy and a fit time")
    colours = {**model_colours(mean.index), **(colours or {})}
    seconds = mean["fit_seconds"].clip(lower=1e-3)  # a log axis has no zero
    fig = new_figure(8, 5)
    ax = style_axes(fig.add_subplot(), grid="both")
    for model in mean.index:
        x, y = seconds[model], mean.at[model, "accuracy"]
        dx, dy = std.at[model, "fit_seconds"], std.at[model, "accuracy"]
        xerr = [[min(dx, 0.9 * x)], [dx]] if dx > 0 else None  # keep the bar above zero
        ax.errorbar(
            x,
            y,
            xerr=xerr,
            yerr=dy if dy > 0 else None,
            fmt="o",
            ms=7,
            capsize=2,
            color=colours[model],
            elinewidth=0.8,
        )
    ax.set_xscale("log")
    ax.margins(x=0.25, y=0.12)
    names = [shorten(m, 24) for m in mean.index]
    for name, x, y, (dx, dy, ha) in zip(
        names, seconds, mean["accuracy"], _label_offsets(ax, seconds, mean["accuracy"], names)
    ):
        ax.annotate(
            name,
            (x, y),
            xytext=(dx, dy),
            textcoords="offset points",
            ha=ha,
            va="bottom" if dy > 0 else "top",
            fontsize=STYLE["annotation.size"] + 1,
            arrowprops={"arrowstyle": "-", "color": "#888888", "lw": 0.6, "shrinkB": 4},
        )
    label_axes(ax, xlabel="Fit time per seed (seconds, log scale)", ylabel="Accuracy")
    title_figure(fig, f"{title}{dataset_suffix(results)}: {over_seeds(n_seeds)}")
    return fig
