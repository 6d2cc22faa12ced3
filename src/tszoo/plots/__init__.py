"""Figures for the HTML report: pure functions from a run's tables to matplotlib figures.

Each function returns a new :class:`matplotlib.figure.Figure`, made without ``pyplot`` or
global settings, so it works headless and from threads; :func:`save_png` writes one to
disk atomically. The figures are not registered anywhere (there is nothing to ``close``):
drop the reference when done, after ``fig.clear()`` to free the artists at once.
"""

from tszoo.plots.attention import attention_map
from tszoo.plots.diagnostics import (
    confusion_matrices,
    curve_stats,
    fit_time_vs_accuracy,
    per_class_metrics,
    training_curves,
    training_overlay,
)
from tszoo.plots.figures import (
    PALETTE,
    SPLIT_COLOURS,
    STYLE,
    comparison_bars,
    metrics_heatmap,
    model_colours,
    save_png,
)
from tszoo.plots.folds import fold_accuracy
from tszoo.plots.windows import (
    class_balance,
    coverage_segments,
    example_windows,
    split_strip,
)

__all__ = [
    "PALETTE",
    "SPLIT_COLOURS",
    "STYLE",
    "attention_map",
    "class_balance",
    "comparison_bars",
    "confusion_matrices",
    "coverage_segments",
    "curve_stats",
    "example_windows",
    "fit_time_vs_accuracy",
    "fold_accuracy",
    "metrics_heatmap",
    "model_colours",
    "per_class_metrics",
    "save_png",
    "split_strip",
    "training_curves",
    "training_overlay",
]
