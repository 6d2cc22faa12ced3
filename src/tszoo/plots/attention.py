"""Where in a window a model's attention falls: test windows with their attention weights."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from tszoo.plots.figures import (
    STYLE,
    add_colorbar,
    channel_legend,
    channel_style,
    label_axes,
    natural_sorted,
    new_figure,
    nothing_to_show,
    shorten,
    style_axes,
    title_figure,
)


def _pick_by_class(y: np.ndarray, limit: int) -> list[int]:
    """Up to ``limit`` indices, taken from the classes in turn, grouped by class."""
    classes = natural_sorted(y.tolist())
    by_class = [np.flatnonzero(y == c) for c in classes]
    picked = [ix[d] for d in range(max(map(len, by_class))) for ix in by_class if d < len(ix)]
    rank = {c: r for r, c in enumerate(classes)}
    return sorted(picked[:limit], key=lambda i: (rank[y[i]], i))


def attention_map(
    model: str,
    X: np.ndarray,
    y: Sequence,
    weights: np.ndarray,
    channels: Sequence[str],
    *,
    max_windows: int = 8,
) -> Figure:
    """Windows with, beneath each, where the model's attention falls in time.

    Parameters
    ----------
    model : str
        The model's name, for the title.
    X : array of shape (n, n_channels, n_timepoints)
        The windows.
    y : array of shape (n,)
        Their labels; windows are grouped by class.
    weights : array of shape (n, n_steps), n_steps <= n_timepoints
        Attention over the model's pooled time steps, stretched evenly over each window.
    channels : list of str
        Channel names, for the legend (which lists at most 10).
    max_windows : int, default 8
        At most this many windows are drawn, taken from the classes in turn.

    Returns
    -------
    Figure
        A signal panel and an attention strip per window, on one time axis; the strips
        share one colour scale from 0 to the largest weight shown.
    """
    title = f"{shorten(model, 40)}: attention over time"
    X, y, weights = np.asarray(X, dtype=float), np.asarray(y), np.asarray(weights, dtype=float)
    if X.size == 0 or weights.size == 0:
        return nothing_to_show(title, "no windows with attention weights")
    if (
        X.ndim != 3
        or weights.ndim != 2
        or X.shape[1] != len(channels)
        or not len(y) == len(X) == len(weights)
        or weights.shape[1] > X.shape[2]
    ):
        raise ValueError(
            "attention_map expects X (n, n_channels, n_timepoints), y (n,) and weights "
            f"(n, n_steps <= n_timepoints) with n_channels = len(channels) = {len(channels)}; "
            f"got X {X.shape}, y {y.shape}, weights {weights.shape}"
        )
    picked = _pick_by_class(y, max_windows)
    n_time = X.shape[2]
    time = np.arange(n_time)
    shown_weights = weights[picked]
    vmax = np.nanmax(shown_weights) if np.isfinite(shown_weights).any() else 1.0
    fig = new_figure(10, 1.2 + 1.55 * len(picked))
    grid = fig.add_gridspec(2 * len(picked), 1, height_ratios=[3, 1] * len(picked))
    strips = []
    for row, i in enumerate(picked):
        ax = style_axes(fig.add_subplot(grid[2 * row], sharex=strips[0] if strips else None))
        lines = [ax.plot(time, X[i, c], lw=1, **channel_style(c))[0] for c in range(X.shape[1])]
        ax.set_title(
            f"class {shorten(y[i], 24)} · window {i}", loc="left", fontsize=STYLE["tick.labelsize"]
        )
        ax.tick_params(labelbottom=False)
        strip = fig.add_subplot(grid[2 * row + 1], sharex=ax)
        image = strip.imshow(
            weights[i][None, :],
            aspect="auto",
            cmap=STYLE["cmap.sequential"],
            extent=(-0.5, n_time - 0.5, 0, 1),
            vmin=0,
            vmax=vmax,
            interpolation="nearest",
        )
        strip.set_yticks([])
        strip.tick_params(labelsize=STYLE["tick.labelsize"], labelbottom=row == len(picked) - 1)
        strip.set_ylabel(
            "attn.", rotation=0, ha="right", va="center", fontsize=STYLE["tick.labelsize"]
        )
        strips.append(strip)
    label_axes(strips[-1], xlabel="Time step")
    add_colorbar(fig, image, strips, "attention weight", shrink=min(0.6, 2.5 / len(strips)))
    note = channel_legend(fig, lines, channels)
    shown = f"{len(picked)} of {len(X)} windows" if len(picked) < len(X) else None
    title_figure(fig, title, "; ".join(filter(None, [shown, note])) or None)
    return fig
