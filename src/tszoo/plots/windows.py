"""Figures of the data a run used: its windows, their classes and splits.

``windows`` tables have one row per window with columns ``recording, start_row, end_row,
split, label`` (``end_row`` exclusive; ``split`` is train/val/test).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from tszoo.plots.figures import (
    GAP_COLOUR,
    PALETTE,
    SPLIT_COLOURS,
    STYLE,
    add_legend,
    channel_legend,
    channel_style,
    label_axes,
    natural_sorted,
    new_figure,
    nothing_to_show,
    require_columns,
    rotate_xlabels,
    shorten,
    style_axes,
    title_figure,
)

MAX_RECORDINGS = 30
OVERLAP_COLOUR = "#000000"


def _splits_of(windows: pd.DataFrame) -> list[str]:
    present = set(windows["split"].astype(str))
    known = [s for s in SPLIT_COLOURS if s in present]
    return known + natural_sorted(present - set(known))


def _split_colour(split: str, splits: Sequence[str]) -> str:
    if split in SPLIT_COLOURS:
        return SPLIT_COLOURS[split]
    others = [s for s in splits if s not in SPLIT_COLOURS]
    return PALETTE[3 + others.index(split) % 4]


def class_balance(windows: pd.DataFrame) -> Figure:
    """Number of windows per class in each split, as grouped bars.

    Parameters
    ----------
    windows : DataFrame
        One row per window with columns ``split`` and ``label`` (see the module docstring).

    Returns
    -------
    Figure
        One group per class (natural order), one bar per split; counts on the bars up to
        8 classes.
    """
    title = "Windows per class and split"
    if windows.empty:
        return nothing_to_show(title, "no windows")
    require_columns(windows, ["split", "label"], "class_balance")
    splits = _splits_of(windows)
    table = windows.assign(label=windows["label"].astype(str), split=windows["split"].astype(str))
    counts = table.groupby(["label", "split"]).size().unstack(fill_value=0)
    counts = counts.reindex(index=natural_sorted(table["label"]), columns=splits, fill_value=0)
    fig = new_figure(min(10, max(6, 2.5 + 0.45 * len(counts) * len(splits) ** 0.5)), 4.4)
    ax = style_axes(fig.add_subplot(), grid="y")
    x, width = np.arange(len(counts)), 0.8 / len(splits)
    for k, split in enumerate(splits):
        bars = ax.bar(
            x + (k - (len(splits) - 1) / 2) * width,
            counts[split],
            width,
            color=_split_colour(split, splits),
            label=split,
        )
        if len(counts) <= 8:
            ax.bar_label(bars, fontsize=STYLE["annotation.size"], padding=1)
    labels = [shorten(c, 16) for c in counts.index]
    ax.set_xticks(x, labels)
    rotate_xlabels(ax, labels)
    label_axes(ax, xlabel="Class", ylabel="Windows")
    ax.set_ylim(0, counts.to_numpy().max() * 1.3)  # headroom: the legend sits above the bars
    handles = ax.get_legend_handles_labels()[0]
    add_legend(ax, handles, loc="upper center", ncols=len(splits), title="split")
    totals = " · ".join(f"{s} {counts[s].sum():,}" for s in splits)
    title_figure(fig, f"{title} ({totals} windows)")
    return fig


def example_windows(X: np.ndarray, classes: Sequence[str], channels: Sequence[str]) -> Figure:
    """One example window per class, every channel drawn as a line over time.

    Parameters
    ----------
    X : array of shape (n_classes, n_channels, n_timepoints)
        One window per class; trailing NaN padding is not drawn.
    classes : list of str
        The class of each window, for the panel titles.
    channels : list of str
        Channel names, for the legend (which lists at most 10).

    Returns
    -------
    Figure
        One panel per class sharing both axes, up to 4 panels a row.
    """
    title = "An example window of each class"
    X = np.asarray(X, dtype=float)
    if X.size == 0 or len(classes) == 0:
        return nothing_to_show(title, "no example windows")
    if X.ndim != 3 or X.shape[:2] != (len(classes), len(channels)):
        raise ValueError(
            f"example_windows expects X of shape (n_classes, n_channels, n_timepoints) = "
            f"({len(classes)}, {len(channels)}, n_timepoints) to match classes and channels; "
            f"got {X.shape}"
        )
    n = len(classes)
    ncols = n if n <= 3 else 2 if n == 4 else 3 if n <= 9 else 4
    nrows = math.ceil(n / ncols)
    fig = new_figure(10, 1.3 + 2.1 * nrows)
    axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
    finite = np.flatnonzero(np.isfinite(X).any(axis=(0, 1)))
    time = np.arange(X.shape[2])
    for i, ax in enumerate(axes):
        if i >= n:
            ax.set_axis_off()
            continue
        style_axes(ax, grid="both")
        lines = [ax.plot(time, X[i, c], lw=1, **channel_style(c))[0] for c in range(X.shape[1])]
        label_axes(ax, shorten(classes[i], 30))
        if i + ncols >= n:  # lowest panel of its column
            ax.tick_params(labelbottom=True)
            label_axes(ax, xlabel="Time step")
        if i % ncols == 0:
            label_axes(ax, ylabel="Value")
        if i == 0:
            note = channel_legend(fig, lines, channels)
    if finite.size:
        axes[0].set_xlim(0, max(finite[-1], 1))
    title_figure(fig, title, note)
    return fig


def coverage_segments(windows: pd.DataFrame, splits: Sequence[str]) -> pd.DataFrame:
    """Runs of rows covered by the same set of splits, per recording.

    Parameters
    ----------
    windows : DataFrame
        Columns ``recording`` (as integer codes 0..n-1), ``start_row, end_row, split``.
    splits : list of str
        Bit ``k`` of ``code`` is set when a window of ``splits[k]`` covers the run.

    Returns
    -------
    DataFrame
        Columns ``recording, start, end, code``: maximal runs ``[start, end)`` of each
        recording's rows from its first ``start_row`` to its last ``end_row``; ``code`` 0
        is a gap no window covers.
        Works on the window boundaries only, so it costs O(n_windows log n_windows).
    """
    rec = windows["recording"].to_numpy(np.int64)
    start_row = windows["start_row"].to_numpy(np.int64)
    end_row = windows["end_row"].to_numpy(np.int64)
    # a recording spans its first window's start to its last window's end: in a file of
    # several recordings the rows before its first are another recording's, not a gap
    first_row = np.full(rec.max() + 1, np.iinfo(np.int64).max)
    np.minimum.at(first_row, rec, start_row)
    lengths = np.zeros(rec.max() + 1, np.int64)
    np.maximum.at(lengths, rec, end_row - first_row[rec])
    offsets = np.concatenate([[0], np.cumsum(lengths)])  # recordings laid end to end
    starts = offsets[rec] + start_row - first_row[rec]
    ends = offsets[rec] + end_row - first_row[rec]
    bounds = np.unique(np.concatenate([offsets, starts, ends]))
    code = np.zeros(len(bounds) - 1, np.int64)
    split_of = pd.Categorical(windows["split"].astype(str), categories=list(splits)).codes
    for bit in range(len(splits)):
        mine = split_of == bit
        opened = np.bincount(np.searchsorted(bounds, starts[mine]), minlength=len(bounds))
        closed = np.bincount(np.searchsorted(bounds, ends[mine]), minlength=len(bounds))
        code |= (np.cumsum(opened - closed)[:-1] > 0).astype(np.int64) << bit
    seg_rec = np.searchsorted(offsets, bounds[:-1], side="right") - 1
    first = np.ones(len(code), bool)
    first[1:] = (code[1:] != code[:-1]) | (seg_rec[1:] != seg_rec[:-1])
    begin = np.flatnonzero(first)
    end = np.append(bounds[begin[1:]], bounds[-1])
    return pd.DataFrame(
        {
            "recording": seg_rec[begin],
            "start": bounds[begin] - offsets[seg_rec[begin]] + first_row[seg_rec[begin]],
            "end": end - offsets[seg_rec[begin]] + first_row[seg_rec[begin]],
            "code": code[begin],
        }
    )


def _strips(windows: pd.DataFrame) -> tuple[pd.DataFrame, list, str, bool]:
    """The windows to draw with ``recording`` as strip numbers 0.., the strips' names, the
    title, and whether every recording is one case (then one strip of cases in id order)."""
    names = natural_sorted(windows["recording"].unique().tolist())
    if not windows["recording"].duplicated().any() and (windows["start_row"] == 0).all():
        order = pd.Index(names).get_indexer(windows["recording"])
        drawn = pd.DataFrame(
            {
                "recording": 0,
                "start_row": order,
                "end_row": order + 1,
                "split": windows["split"].to_numpy(),
            }
        )
        return drawn, ["cases"], f"Split of the {len(order):,} cases", True
    shown = names[:MAX_RECORDINGS]
    strip = pd.Index(shown).get_indexer(windows["recording"])
    title = "Split of each recording's rows"
    if len(shown) < len(names):
        title += f" (first {len(shown)} of {len(names)} recordings)"
    return windows[strip >= 0].assign(recording=strip[strip >= 0]), shown, title, False


def _rectangles(runs: pd.DataFrame, min_width: float = 0.0) -> np.ndarray:
    """Corners (n_runs, 4, 2) of each run's bar, widened about its centre to ``min_width``."""
    y, x0, x1 = (runs[c].to_numpy(float) for c in ("recording", "start", "end"))
    pad = np.maximum(min_width - (x1 - x0), 0) / 2
    x0, x1, low, high = x0 - pad, x1 + pad, y - 0.38, y + 0.38
    return np.stack([np.c_[x0, low], np.c_[x1, low], np.c_[x1, high], np.c_[x0, high]], axis=1)


def split_strip(windows: pd.DataFrame) -> Figure:
    """Which split each row of each recording went to, with the gaps between splits.

    Parameters
    ----------
    windows : DataFrame
        One row per window (see the module docstring).

    Returns
    -------
    Figure
        One strip per recording (the first 30 in natural order) over its rows 0 .. last
        ``end_row``: each row coloured by the split of the windows covering it, grey where
        no window does, black where windows of different splits overlap; gaps and overlaps
        are drawn at least about 3 pixels wide. When every recording is one case (a single window
        from row 0) one strip of cases in id order is drawn instead.
    """
    if not windows.empty:
        require_columns(windows, ["recording", "start_row", "end_row", "split"], "split_strip")
        windows = windows[windows["end_row"] > windows["start_row"]]
    if windows.empty:
        return nothing_to_show("Split of each recording's rows", "no windows")
    splits = _splits_of(windows)
    drawn, names, title, cases = _strips(windows)
    runs = coverage_segments(drawn, splits)
    single = {1 << k: _split_colour(s, splits) for k, s in enumerate(splits)}
    colours = np.array([single.get(c, OVERLAP_COLOUR) if c else GAP_COLOUR for c in runs["code"]])
    fig = new_figure(10, 1.6 + 0.3 * len(names))
    ax = style_axes(fig.add_subplot(), grid="x")
    ax.add_collection(
        PolyCollection(_rectangles(runs), facecolors=colours, linewidths=0), autolim=False
    )
    x_max = max(int(runs["end"].max()), 1)
    thin = ~runs["code"].isin(list(single)).to_numpy()  # gaps and overlaps: must not vanish
    ax.add_collection(
        PolyCollection(
            _rectangles(runs[thin], min_width=x_max / 300), facecolors=colours[thin], linewidths=0
        ),
        autolim=False,
    )
    ax.set_xlim(0, x_max)
    ax.set_ylim(len(names) - 0.5, -0.5)  # first recording on top
    ax.set_yticks(range(len(names)), [shorten(n, 20) for n in names])
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    unit = "case" if cases else "window"
    label_axes(ax, xlabel="Case (in id order)" if cases else "Row")
    counts = drawn["split"].astype(str).value_counts()
    handles = [
        Patch(color=single[1 << k], label=f"{s} ({counts.get(s, 0):,} {unit}s)")
        for k, s in enumerate(splits)
    ]
    if not cases:
        handles.append(Patch(color=GAP_COLOUR, label="no window (gap)"))
    if thin.any() and (runs["code"] > 0).to_numpy()[thin].any():
        handles.append(Patch(color=OVERLAP_COLOUR, label="several splits (leak!)"))
    add_legend(fig, handles, loc="outside lower center", ncols=len(handles))
    title_figure(fig, title)
    return fig
