"""The report's tables as HTML: run facts, results summary, per-seed results, pairs.

Every value from the data is escaped here. Sortable tables carry each number in a
``data-sort`` attribute, so the page's script sorts ``0.91 ± 0.02`` by 0.91.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from tszoo.evaluation.metrics import SUMMARY_METRICS

HEADERS = {
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "precision_macro": "precision (macro)",
    "recall_macro": "recall (macro)",
    "f1_macro": "F1 (macro)",
    "fit_seconds": "fit (s)",
    "predict_seconds": "predict (s)",
    "n_seeds": "seeds",
    "n_folds": "folds",
    "n_train": "train / val / test",
    "n_fit": "fitted on",
}
LOWER_IS_BETTER = ("fit_seconds", "predict_seconds")
SIZES = ("n_train", "n_val", "n_test")
COUNTS = (
    "seed",
    "fold",
    "epochs",
    "n_seeds",
    "n_folds",
    "n_fit",
    *SIZES,
)  # read back as floats when a value is missing


@dataclass
class Cell:
    """One table cell: its text, the number it sorts by, and whether it is the column's best."""

    text: str
    sort: float | None = None
    bold: bool = False

    def html(self) -> str:
        text = escape(self.text)
        if self.bold:
            text = f"<strong>{text}</strong>"
        if self.sort is None:
            return f'<td class="text">{text}</td>'
        key = f"{self.sort:.10g}" if math.isfinite(self.sort) else ""
        return f'<td data-sort="{key}">{text}</td>'


def html_table(headers: list[str], rows: list[list[Cell]], sortable: bool = True) -> str:
    """A ``<table>`` (``class="sortable"`` unless told otherwise) in a scrolling box."""
    texts = [c.sort is None for c in rows[0]] if rows else [False] * len(headers)
    head = "".join(
        f'<th class="text">{escape(h)}</th>' if text else f"<th>{escape(h)}</th>"
        for h, text in zip(headers, texts)
    )
    body = "\n".join("<tr>" + "".join(c.html() for c in row) + "</tr>" for row in rows)
    css = ' class="sortable"' if sortable else ""
    return (
        f'<div class="scroll"><table{css}><thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}\n</tbody></table></div>"
    )


def facts_table(facts: list[tuple[str, str]]) -> str:
    """Two columns, name and value, for the run summary; rows with no value are left out."""
    rows = "\n".join(
        f"<tr><th>{escape(name)}</th><td>{escape(value)}</td></tr>"
        for name, value in facts
        if value
    )
    return f'<div class="scroll"><table class="facts"><tbody>\n{rows}\n</tbody></table></div>'


def number(value: object, column: str = "") -> Cell:
    """A cell for one value: counts as integers, every other number with 3 decimals."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        return Cell("" if pd.isna(value) else str(value))
    if not math.isfinite(value):
        return Cell("", sort=math.nan)
    if isinstance(value, numbers.Integral) or column in COUNTS:
        return Cell(str(int(value)), sort=float(value))
    return Cell(f"{value:.3f}", sort=float(value))


def summary_table(summary: pd.DataFrame) -> str:
    """``summarise``'s table as ``mean ± std`` per metric, the best mean of each column bold."""
    folds = "n_folds" in summary and bool(summary["n_folds"].astype(float).gt(0).any())
    headers = [
        "model",
        "seeds",
        *(["folds"] if folds else []),
        *(HEADERS[m] for m in SUMMARY_METRICS),
    ]
    best = {}
    for metric in SUMMARY_METRICS:
        means = summary[f"{metric}_mean"].astype(float)
        best[metric] = means.min() if metric in LOWER_IS_BETTER else means.max()
    rows = []
    for _, row in summary.iterrows():
        cells = [Cell(str(row["model"])), number(int(row["n_seeds"]))]
        if folds:
            cells.append(number(int(row["n_folds"])))
        for metric in SUMMARY_METRICS:
            mean, std = float(row[f"{metric}_mean"]), float(row[f"{metric}_std"])
            text = f"{mean:.3f} ± {std:.3f}" if math.isfinite(std) else f"{mean:.3f}"
            cells.append(Cell(text, sort=mean, bold=mean == best[metric]))
        rows.append(cells)
    return html_table(headers, rows)


def results_table(results: pd.DataFrame) -> str:
    """Every row of ``results.csv``, one per model x seed (x fold); split sizes in one
    column, and no fold column without cross-validation."""
    merged = all(c in results for c in SIZES)
    columns = [c for c in results.columns if c != "dataset" or results[c].nunique() > 1]
    columns = [c for c in columns if c != "fold" or results[c].notna().any()]
    columns = [c for c in columns if not (merged and c in SIZES[1:])]
    headers = [HEADERS.get(c, c.replace("_", " ")) for c in columns]
    rows = []
    for _, row in results.iterrows():
        cells = []
        for c in columns:
            if merged and c == "n_train":
                text = " / ".join("" if pd.isna(row[n]) else str(int(row[n])) for n in SIZES)
                cells.append(Cell(text, sort=float(row["n_test"])))
            elif c in ("dataset", "model"):
                cells.append(Cell(str(row[c])))
            else:
                cells.append(number(row[c], c))
        rows.append(cells)
    return html_table(headers, rows)


def ensemble_table(weights: pd.DataFrame) -> str:
    """Mean weight and held-out accuracy of each ensemble's members, heaviest first."""
    table = weights.groupby(["model", "member"], sort=False)[["weight", "score"]].mean()
    table = table.reset_index().sort_values(["model", "weight"], ascending=[True, False])
    rows = [
        [Cell(str(r.model)), Cell(str(r.member)), number(float(r.weight)), number(float(r.score))]
        for r in table.itertuples()
    ]
    return html_table(["ensemble", "member", "weight", "held-out accuracy"], rows)


def pairs_table(pairs: pd.DataFrame) -> str:
    """``compare_pairs``'s table with a plain-words verdict per pair."""
    headers = ["model A", "model B", "A mean", "B mean", "A − B", "spread", "real?"]
    rows = []
    for _, pair in pairs.iterrows():
        real = bool(pair["larger_than_spread"])
        rows.append(
            [
                Cell(str(pair["model_a"])),
                Cell(str(pair["model_b"])),
                *(number(float(pair[c]), c) for c in ("mean_a", "mean_b", "difference", "spread")),
                Cell("yes" if real else "within spread", sort=float(real), bold=real),
            ]
        )
    return html_table(headers, rows)
