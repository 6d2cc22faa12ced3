"""The house style, shared helpers, and figures that compare the models of a run.

Every figure function in :mod:`tszoo.plots` takes plain data and returns a new
:class:`matplotlib.figure.Figure` made with the object-oriented API. Nothing goes through
``pyplot`` or changes matplotlib's global settings (``rc_context`` would, and is not
thread-safe): the house style in :data:`STYLE` is set on each figure by the helpers below,
so figures can be made headless and from threads.
Empty input gives a figure that says there is nothing to show instead of an error.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from tszoo.io import write_atomic

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
"""Okabe-Ito colours, told apart with the common kinds of colour blindness; cycled past 8."""

SPLIT_COLOURS = {"train": "#0072B2", "val": "#E69F00", "test": "#009E73"}
"""One colour per split in every figure."""

GAP_COLOUR = "#A0A0A0"
METRICS = {
    "accuracy": "Accuracy",
    "precision_macro": "Precision (macro)",
    "recall_macro": "Recall (macro)",
    "f1_macro": "F1 (macro)",
}

STYLE = {
    "figure.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "tick.labelsize": 9,
    "legend.fontsize": 9,
    "figure.titlesize": 12,
    "annotation.size": 8,
    "grid.color": "#B0B0B0",
    "grid.alpha": 0.4,
    "grid.linewidth": 0.6,
    "band.alpha": 0.2,
    "cmap.sequential": "viridis",
    "cmap.counts": "Blues",
}
"""The house style (font sizes in points), applied to each figure as it is built."""


def save_png(fig: Figure, path: str | Path, *, dpi: int = STYLE["figure.dpi"]) -> Path:
    """Write ``fig`` as a PNG through a temporary file and a rename; return the path.

    A reader sees the old file or the new one, never half of one.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return write_atomic(path, buffer.getvalue())


def model_colours(models: Iterable[str]) -> dict[str, str]:
    """One palette colour per model, in the order given; pass it to several figures to
    keep a model's colour the same in all of them."""
    unique = list(dict.fromkeys(models))
    return {m: PALETTE[i % len(PALETTE)] for i, m in enumerate(unique)}


# --- helpers shared by the figure modules ------------------------------------------------


def new_figure(width: float, height: float) -> Figure:
    """An empty figure with constrained layout, ``width`` x ``height`` inches."""
    return Figure(figsize=(width, height), dpi=STYLE["figure.dpi"], layout="constrained")


def style_axes(ax: Axes, *, grid: str | None = "y") -> Axes:
    """Tick label size, light grid on ``grid`` ("x", "y", "both" or None), no top/right spine."""
    ax.tick_params(
        labelsize=STYLE["tick.labelsize"],
        grid_color=STYLE["grid.color"],
        grid_alpha=STYLE["grid.alpha"],
        grid_linewidth=STYLE["grid.linewidth"],
    )
    ax.spines[["top", "right"]].set_visible(False)
    if grid:
        ax.grid(True, axis=grid)
        ax.set_axisbelow(True)
    return ax


def label_axes(
    ax: Axes, title: str | None = None, xlabel: str | None = None, ylabel: str | None = None
) -> None:
    if title is not None:
        ax.set_title(title, fontsize=STYLE["axes.titlesize"])
    if xlabel is not None:
        ax.set_xlabel(xlabel, fontsize=STYLE["axes.labelsize"])
    if ylabel is not None:
        ax.set_ylabel(ylabel, fontsize=STYLE["axes.labelsize"])


def title_figure(fig: Figure, title: str, note: str | None = None) -> None:
    """A figure title with an optional smaller second line."""
    fig.suptitle(title, fontsize=STYLE["figure.titlesize"])
    if note:
        fig.supxlabel(note, fontsize=STYLE["annotation.size"] + 1, color="#444444")


def add_legend(where: Axes | Figure, handles: list, **kwargs) -> None:
    where.legend(handles=handles, fontsize=STYLE["legend.fontsize"], frameon=False, **kwargs)


def nothing_to_show(title: str, reason: str) -> Figure:
    """A small figure that says why there is no plot."""
    fig = new_figure(6, 1.6)
    ax = fig.add_subplot()
    ax.set_axis_off()
    text = {"ha": "center", "va": "center", "fontsize": STYLE["font.size"], "color": "#444444"}
    ax.text(0.5, 0.5, f"Nothing to show: {reason}", transform=ax.transAxes, **text)
    title_figure(fig, title)
    return fig


def shorten(name: object, width: int = 28) -> str:
    """``name`` as text, cut in the middle with an ellipsis when longer than ``width``;
    the middle, because variants of one model usually differ at the end of the name."""
    text = str(name)
    if len(text) <= width:
        return text
    tail = (width - 1) // 2
    return f"{text[: width - 1 - tail]}…{text[-tail:]}"


def natural_sorted(values: Iterable) -> list:
    """Unique values in natural order ("walk_2" before "walk_10"), ints and strings alike."""

    def key(value: object) -> tuple:
        parts = re.split(r"(\d+)", str(value))
        return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))

    unique = list(dict.fromkeys(values))
    if all(isinstance(v, int | np.integer) for v in unique):
        return sorted(unique)  # the same order, without a regex per value
    return sorted(unique, key=key)


def rotate_xlabels(ax: Axes, labels: Sequence[str], *, limit: int = 40) -> None:
    """Slant the x tick labels when there are many or they are long; upright past 12."""
    longest = max((len(line) for s in labels for line in str(s).split("\n")), default=0)
    if len(labels) * longest <= limit:
        return
    steep = len(labels) > 12
    for text in ax.get_xticklabels():
        text.set_rotation(90 if steep else 35)
        text.set_horizontalalignment("center" if steep else "right")
        text.set_rotation_mode("default" if steep else "anchor")


def require_columns(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"{what} needs columns {missing}; got {list(df.columns)}. "
            "Pass the table as written in the run directory."
        )


def heatmap(
    ax: Axes,
    values: np.ndarray,
    *,
    rows: Sequence,
    cols: Sequence,
    cmap: str,
    vmin: float,
    vmax: float,
    texts: np.ndarray | None = None,
    fontsize: float = STYLE["annotation.size"],
    col_width: int = 16,
) -> AxesImage:
    """``values`` (n_rows, n_cols) as coloured cells, NaN cells blank, optionally annotated
    with ``texts`` in black or white, whichever reads on the cell's colour."""
    colormap, norm = colormaps[cmap].with_extremes(bad="#F2F2F2"), Normalize(vmin, vmax)
    image = ax.imshow(
        np.ma.masked_invalid(values),
        cmap=colormap,
        norm=norm,
        aspect="auto",
        interpolation="nearest",
    )
    col_labels, row_labels = [shorten(c, col_width) for c in cols], [shorten(r) for r in rows]
    ax.set_xticks(range(len(cols)), col_labels)
    ax.set_yticks(range(len(rows)), row_labels)
    ax.tick_params(length=0, labelsize=STYLE["tick.labelsize"])
    ax.spines[:].set_visible(False)
    rotate_xlabels(ax, col_labels)
    if texts is not None:
        for (i, j), text in np.ndenumerate(texts):
            if not text:
                continue
            r, g, b, _ = colormap(norm(values[i, j])) if np.isfinite(values[i, j]) else (1, 1, 1, 1)
            colour = "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black"
            ax.text(j, i, text, ha="center", va="center", fontsize=fontsize, color=colour)
    return image


def cell_texts(values: np.ndarray, fmt: str) -> np.ndarray:
    """``values`` formatted with ``fmt`` (e.g. ``"{:.2f}"``), NaN as an empty string."""
    return np.array([[fmt.format(v) if np.isfinite(v) else "" for v in row] for row in values])


def add_colorbar(
    fig: Figure, image: AxesImage, ax: Axes | list[Axes], label: str, *, shrink: float = 0.85
) -> None:
    bar = fig.colorbar(image, ax=ax, shrink=shrink, pad=0.02)
    bar.set_label(label, fontsize=STYLE["tick.labelsize"])
    bar.ax.tick_params(labelsize=STYLE["tick.labelsize"])
    bar.outline.set_visible(False)


def scores_by_model(results: pd.DataFrame, columns: list[str], sort_by: str = "accuracy"):
    """Mean and std (NaN for one seed) of ``columns`` per model, best ``sort_by`` first,
    and the number of seeds per model."""
    grouped = results.groupby("model", sort=False)[columns]
    mean, std, n = grouped.mean(), grouped.std(ddof=1), grouped.size()
    score = mean[sort_by].to_dict()
    order = sorted(
        mean.index, key=lambda m: (-score[m] if math.isfinite(score[m]) else math.inf, str(m))
    )
    return mean.loc[order], std.loc[order], n.loc[order]


def over_seeds(n_seeds: pd.Series) -> str:
    """``"mean ± std over 3 seeds"``, or ``"1 seed"`` when there is no spread to show."""
    low, high = int(n_seeds.min()), int(n_seeds.max())
    if high == 1:
        return "1 seed"
    return f"mean ± std over {low if low == high else f'{low}–{high}'} seeds"


def dataset_suffix(df: pd.DataFrame) -> str:
    names = df["dataset"].dropna().unique() if "dataset" in df.columns else []
    return f" on {shorten(names[0], 40)}" if len(names) == 1 else ""


# --- figures ------------------------------------------------------------------------------


def comparison_bars(results: pd.DataFrame) -> Figure:
    """Accuracy, precision, recall and F1 (macro) per model as grouped bars.

    Parameters
    ----------
    results : DataFrame
        One row per model x seed with columns ``model, accuracy, precision_macro,
        recall_macro, f1_macro`` (others are ignored).

    Returns
    -------
    Figure
        Bars are means over seeds with std error bars (none for one seed); models run
        left to right from the highest mean accuracy.
    """
    title = "Model comparison"
    if results.empty:
        return nothing_to_show(title, "no results")
    require_columns(results, ["model", *METRICS], "comparison_bars")
    mean, std, n_seeds = scores_by_model(results, list(METRICS))
    models = [shorten(m) for m in mean.index]
    fig = new_figure(min(10, max(6, 3 + 0.8 * len(models))), 4.6)
    ax = style_axes(fig.add_subplot(), grid="y")
    x, width = np.arange(len(models)), 0.8 / len(METRICS)
    for k, (column, name) in enumerate(METRICS.items()):
        spread = std[column].where(std[column] > 0)  # zero or NaN spread: no error bar
        ax.bar(
            x + (k - (len(METRICS) - 1) / 2) * width,
            mean[column],
            width,
            label=name,
            yerr=spread if spread.notna().any() else None,
            color=PALETTE[k],
            capsize=2,
            error_kw={"elinewidth": 0.8},
        )
    ax.set_xticks(x, models)
    rotate_xlabels(ax, models)
    ax.set_ylim(0, 1.05)
    label_axes(ax, ylabel="Score (higher is better)")
    add_legend(fig, ax.get_legend_handles_labels()[0], loc="outside lower center", ncols=4)
    title_figure(fig, f"{title}{dataset_suffix(results)}: {over_seeds(n_seeds)}")
    return fig


def metrics_heatmap(results: pd.DataFrame) -> Figure:
    """Models x the four metrics as an annotated heatmap of means over seeds.

    ``results`` is as for :func:`comparison_bars`. Rows run from the highest mean accuracy;
    cells read ``mean ± std`` with several seeds.
    """
    title = "Scores per model"
    if results.empty:
        return nothing_to_show(title, "no results")
    require_columns(results, ["model", *METRICS], "metrics_heatmap")
    mean, std, n_seeds = scores_by_model(results, list(METRICS))
    values = mean.to_numpy(dtype=float)  # (n_models, 4)
    spread = np.where(
        std.to_numpy(dtype=float) > 0, cell_texts(std.to_numpy(float), " ± {:.3f}"), ""
    )
    texts = np.char.add(cell_texts(values, "{:.3f}"), spread)
    finite = values[np.isfinite(values)]
    vmin = math.floor(finite.min() * 10) / 10 if finite.size else 0.0
    fig = new_figure(8, 1.5 + 0.42 * len(mean))
    ax = fig.add_subplot()
    image = heatmap(
        ax,
        values,
        rows=mean.index,
        cols=list(METRICS.values()),
        cmap=STYLE["cmap.sequential"],
        vmin=min(vmin, 0.9),
        vmax=1,
        texts=texts,
        fontsize=STYLE["annotation.size"] + 1,
        col_width=24,
    )
    ax.xaxis.tick_top()
    add_colorbar(fig, image, ax, "score")
    title_figure(fig, f"{title}{dataset_suffix(results)}: {over_seeds(n_seeds)}")
    return fig


LINESTYLES = ("-", "--", ":")


def channel_style(channel: int) -> dict:
    """Palette colour, and a new line style after each 8 channels."""
    return {
        "color": PALETTE[channel % len(PALETTE)],
        "ls": LINESTYLES[channel // len(PALETTE) % len(LINESTYLES)],
    }


def channel_legend(fig: Figure, lines: list, channels: Sequence[str]) -> str | None:
    """A legend of at most 10 channels below the figure; a note when some are left out."""
    shown = min(len(channels), 10)
    for line, name in zip(lines, channels):
        line.set_label(shorten(name, 20))
    add_legend(fig, lines[:shown], loc="outside lower center", ncols=min(shown, 5))
    return f"legend lists {shown} of {len(channels)} channels" if shown < len(channels) else None
