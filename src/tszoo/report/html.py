"""``report.html``: one self-contained page that tells what a run did and how well.

The page reads top to bottom: what ran, the scores, whether differences are real, the
figures that explain the scores, the data, and links to the run's files. Each figure is
also saved under ``<run>/plots/`` and embedded in the page as a ``data:`` URI, so the page
is a single file that opens offline.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable
from functools import partial
from html import escape
from pathlib import Path
from typing import NamedTuple
from urllib.parse import quote

from matplotlib.figure import Figure

from tszoo import plots
from tszoo.evaluation.metrics import compare_pairs, summarise
from tszoo.io import write_atomic
from tszoo.report.page import contents, figure, note, page, section
from tszoo.report.rundata import RunData, load_run
from tszoo.report.summary import run_facts, run_title, status_note
from tszoo.report.tables import (
    ensemble_table,
    facts_table,
    pairs_table,
    results_table,
    summary_table,
)
from tszoo.runs import RunLayout, cell_name

logger = logging.getLogger(__name__)


# One line per figure: what to look at in it.
CAPTIONS = {
    "fold-accuracy": "Test accuracy of each model on each fold, with a dashed line at its "
    "mean. Under --cv loo a fold is one left-out group (a mean over seeds), so a point far "
    "below the line names the subject (or machine) the model fails on; K folds differ "
    "between seeds, so each seed's folds are points of their own.",
    "comparison-bars": "Mean test score per model with one standard deviation over seeds: "
    "bars whose error bars overlap are not clearly different.",
    "metrics-heatmap": "Every metric of every model at once: look for a model strong on one "
    "metric but weak on another.",
    "fit-time-vs-accuracy": "Accuracy against fitting time: "
    "the best trade-offs sit towards the top left.",
    "per-class-metrics": "Precision, recall and F1 per class and model: "
    "a class far below the others is where the models fail.",
    "confusion": "{model}: rows are true classes, columns predicted ones; "
    "off-diagonal cells show which classes it mixes up.",
    "training": "{model}, mean over seeds: a validation loss that turns up while "
    "the training loss keeps falling is overfitting.",
    "training-overlay": "Every deep model on the same axes: "
    "which learns fastest, and which ends best.",
    "attention": "{cell}: where the model looks in each test example; "
    "weight piled on a few steps means the decision rests on them.",
    "class-balance": "Windows (or cases) per class and split: a class rare in train "
    "is hard to learn and its test score is noisy.",
    "example-windows": "One normalised training example per class: "
    "classes that look alike here are the ones to expect confused.",
    "split-strip": "Which rows of each recording went to train, val and test (first seed): "
    "a row in two splits would be a leak.",
}


class Section(NamedTuple):
    anchor: str
    title: str
    parts: list[str]


def build_report(run_dir: str | Path) -> Path:
    """Draw every figure of a run and write its self-contained ``report.html``.

    Parameters
    ----------
    run_dir : str or Path
        A directory written by ``tszoo train`` or ``tszoo compare``.

    Returns
    -------
    Path
        ``<run_dir>/report.html``. The figures are also saved as ``<run_dir>/plots/*.png``.
    """
    run = load_run(run_dir)
    figures = FigureWriter(run.layout)
    sections = [
        _results_section(run),
        _pairs_section(run),
        _ensemble_section(run),
        _comparison_section(run, figures),
        _per_class_section(run, figures),
        _confusion_section(run, figures),
        _training_section(run, figures),
        _attention_section(run, figures),
        _data_section(run, figures),
        _files_section(run),
    ]
    sections = [s for s in sections if s is not None]
    figures.remove_stale()
    title = run_title(run)
    body = [f"<h1>{escape(title)}</h1>", status_note(run), facts_table(run_facts(run))]
    body.append(contents([(s.anchor, s.title) for s in sections]))
    body += [section(s.anchor, s.title, *s.parts) for s in sections]
    path = write_atomic(run.layout.report, page(title, "\n".join(body)))
    logger.debug("report written to %s", path)
    return path


class FigureWriter:
    """Draws figures, saves each as ``plots/<slug>.png`` in the run, and remembers which."""

    def __init__(self, layout: RunLayout) -> None:
        self.layout = layout
        self.written: set[Path] = set()

    def draw(self, slug: str, caption: str, make: Callable[[], Figure]) -> str:
        """Draw one figure with ``make()`` and return it as embedded HTML with its caption."""
        try:
            fig = make()
        except Exception as exc:  # one failing figure must not cost the whole report
            logger.warning("figure %s could not be drawn", slug, exc_info=True)
            return note(f"The figure {slug} could not be drawn: {exc}", kind="warning")
        try:
            path = plots.save_png(fig, self.layout.figure(_slug(slug)))
        finally:
            fig.clear()  # frees the artists now, not when the figure is collected
            pyplot = sys.modules.get("matplotlib.pyplot")
            if pyplot is not None:  # only pyplot keeps a reference to figures it made
                pyplot.close(fig)
        self.written.add(path)
        return figure(path.read_bytes(), alt=slug.replace("-", " "), caption=caption)

    def remove_stale(self) -> None:
        """Delete PNGs of an earlier drawing that this one did not redraw."""
        for path in self.layout.figures():
            if path not in self.written:
                path.unlink()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "figure"


# -- scores ----------------------------------------------------------------------------


def _results_section(run: RunData) -> Section:
    n_seeds, n_folds = len(run.seeds), len(run.folds)
    over = f"over {n_seeds} seeds" if n_seeds > 1 else "on one seed"
    if n_folds:
        over = f"{over} and {n_folds} folds" if n_seeds > 1 else f"over {n_folds} folds, one seed"
    return Section(
        "results",
        "Results (test split)",
        [
            note(
                f"Mean ± standard deviation {over}; the best of each column in bold. "
                "Click a column header to sort."
            ),
            summary_table(summarise(run.results)),
            "<h3>Every model, seed and fold</h3>" if n_folds else "<h3>Every model and seed</h3>",
            results_table(run.results),
        ],
    )


def _pairs_section(run: RunData) -> Section | None:
    if len(run.models) < 2:
        return None
    title = "Is the difference real?"
    if len(run.cells) <= len(run.models):  # one cell per model: no spread
        text = (
            "One seed cannot tell whether a difference between models is real: "
            "rerun compare with several seeds (for example --seeds 0,1,2,3,4)."
        )
        return Section("pairs", title, [note(text)])
    text = (
        "Each pair of models by mean accuracy. A difference larger than the spread "
        "(the two standard deviations added) means the seeds (and folds) agree on which is "
        "better."
    )
    return Section("pairs", title, [note(text), pairs_table(compare_pairs(run.results))])


def _ensemble_section(run: RunData) -> Section | None:
    weights = run.ensemble_weights
    if weights.empty:
        return None
    text = (
        "Each ensemble member's weight (CAWPE: held-out accuracy to the power of the "
        "ensemble's exponent, summing to 1) and the held-out accuracy it came from: the "
        "validation split, or cross-validation on the training data. Means over seeds "
        "(and folds)."
    )
    return Section("ensemble", "Ensemble weights", [note(text), ensemble_table(weights)])


def _comparison_section(run: RunData, figures: FigureWriter) -> Section:
    parts = [
        figures.draw(slug, CAPTIONS[slug], partial(make, run.results))
        for slug, make in (
            ("comparison-bars", plots.comparison_bars),
            ("metrics-heatmap", plots.metrics_heatmap),
            ("fit-time-vs-accuracy", plots.fit_time_vs_accuracy),
        )
    ]
    if run.folds:
        names = run.manifest.get("folds", {}).get(str(run.results["dataset"].iloc[0]), [])
        loo = (run.config.get("data") or {}).get("cv") == "loo"
        make = partial(plots.fold_accuracy, run.results, names, loo=loo)
        parts.append(figures.draw("fold-accuracy", CAPTIONS["fold-accuracy"], make))
    return Section("comparison", "Model comparison", parts)


def _per_class_section(run: RunData, figures: FigureWriter) -> Section | None:
    if run.per_class.empty:
        return None
    slug = "per-class-metrics"
    parts = [figures.draw(slug, CAPTIONS[slug], partial(plots.per_class_metrics, run.per_class))]
    return Section("per-class", "Per-class metrics", parts)


def _confusion_section(run: RunData, figures: FigureWriter) -> Section | None:
    if run.confusion.empty:
        return None
    classes = run.classes or sorted(run.confusion["true"].astype(str).unique())
    parts = []
    for model in run.models:
        rows = run.confusion[run.confusion["model"].astype(str) == model]
        if not rows.empty:
            make = partial(plots.confusion_matrices, model, rows, classes)
            caption = CAPTIONS["confusion"].format(model=model)
            parts.append(figures.draw(f"confusion-{model}", caption, make))
    return Section("confusion", "Confusion matrices", parts) if parts else None


# -- training and attention ------------------------------------------------------------


def _training_section(run: RunData, figures: FigureWriter) -> Section | None:
    if not run.histories:
        return None
    parts = []
    for model in (m for m in run.models if m in run.histories):
        make = partial(plots.training_curves, model, run.histories[model])
        caption = CAPTIONS["training"].format(model=model)
        parts.append(figures.draw(f"training-{model}", caption, make))
    if len(run.histories) > 1:  # one model on its own is already drawn above
        make = partial(plots.training_overlay, run.histories)
        parts.append(figures.draw("training-overlay", CAPTIONS["training-overlay"], make))
    return Section("training", "Training curves", parts)


def _attention_section(run: RunData, figures: FigureWriter) -> Section | None:
    """One attention map per model, from its first seed (the others are in attention/)."""
    parts = []
    for model in run.models:
        cells = [cell_name(c.model, c.seed, c.fold) for c in run.cells if c.model == model]
        cell = next((c for c in cells if c in run.attention), None)
        if cell is not None:
            a = run.attention[cell]
            make = partial(plots.attention_map, model, a["X"], a["y"], a["weights"], a["channels"])
            caption = CAPTIONS["attention"].format(cell=cell)
            parts.append(figures.draw(f"attention-{cell}", caption, make))
    return Section("attention", "Attention", parts) if parts else None


# -- data and files --------------------------------------------------------------------


def _data_section(run: RunData, figures: FigureWriter) -> Section | None:
    windows = run.windows if run.windows is not None and not run.windows.empty else None
    made = []
    if windows is not None:
        made.append(("class-balance", partial(plots.class_balance, windows)))
    if run.examples is not None:
        ex = run.examples
        make = partial(plots.example_windows, ex["X"], ex["classes"], ex["channels"])
        made.append(("example-windows", make))
    if windows is not None and run.window is not None:  # whole cases have no rows to split
        made.append(("split-strip", partial(plots.split_strip, windows)))
    parts = [figures.draw(slug, CAPTIONS[slug], make) for slug, make in made]
    return Section("data", "Data", parts) if parts else None


def _run_files(layout: RunLayout) -> list[tuple[Path, str]]:
    """The files of a run that the page links to, in order, with what each holds."""
    return [
        (layout.results, "scores per model and seed"),
        (layout.per_class, "precision, recall and F1 per class"),
        (layout.confusion, "confusion counts, long format"),
        (layout.windows, "every window or case with its split and label"),
        (layout.folder("predictions"), "test predictions and probabilities per model and seed"),
        (layout.folder("histories"), "per-epoch training history of the deep models"),
        (layout.folder("attention"), "attention weights of the attention models"),
        (layout.plots, "every figure of this page as PNG"),
        (layout.config, "the resolved configuration: rerun with it"),
        (layout.manifest, "status, times, device, package versions, git revision"),
    ]


def _files_section(run: RunData) -> Section:
    layout, items = run.layout, []
    for path, what in _run_files(layout):
        if path.exists():
            name = layout.link(path)
            link = f'<a href="{escape(quote(name))}"><code>{escape(name)}</code></a>'
            items.append(f"<li>{link}: {escape(what)}</li>")
    parts = [f"<ul>{''.join(items)}</ul>"]
    missing = [p.name for p in (layout.per_class, layout.confusion) if not p.exists()]
    if missing and not run.per_class.empty:
        parts.append(note(f"{' and '.join(missing)}: recomputed from predictions/ for this page."))
    return Section("files", "Files of this run", parts)
