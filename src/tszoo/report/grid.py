"""A benchmark grid's ``report.html``: the grid, scores per dataset and model, mean ranks and
aeon's critical-difference diagram, in one self-contained page.

Everything is read back from the run directory, so the page can be redrawn at any time
(``tszoo benchmark --resume DIR`` on a finished grid does only that). The diagram is also
saved as ``plots/critical_difference.png``.
"""

from __future__ import annotations

import io
import logging
import math
import shlex
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from tszoo.config import model_defaults, read_yaml
from tszoo.errors import TszooError
from tszoo.evaluation.engine import read_results
from tszoo.evaluation.ranking import RANK_METRIC, dataset_means, mean_ranks
from tszoo.io import write_atomic
from tszoo.report.page import contents, figure, note, page, section
from tszoo.report.tables import Cell, facts_table, html_table, number, results_table
from tszoo.runs import Manifest, RunLayout

logger = logging.getLogger(__name__)

# aeon's diagram runs a Friedman test first, which needs three models or more
CD_MIN_DATASETS, CD_MIN_MODELS = 2, 3
CD_CAPTION = (
    "Mean rank of each model over the datasets (1 = best, on the right). Models joined by a "
    "thick bar are not significantly different (pairwise Wilcoxon signed-rank tests, Holm "
    "correction, alpha 0.1)."
)


def build_benchmark_report(run_dir: str | Path) -> Path:
    """Write ``<run_dir>/report.html`` for a benchmark run; return its path."""
    layout = RunLayout(Path(run_dir))
    run_dir = layout.root
    grid = read_yaml(layout.config)
    if not isinstance(grid, dict) or grid.get("command") != "benchmark":
        raise TszooError(f"{run_dir} is not a benchmark run; draw its report with tszoo report")
    manifest = Manifest.read(layout).model_dump()
    results = read_results(layout)
    means = dataset_means(results, grid["models"])
    ranks = mean_ranks(means)
    sections = [
        ("results", f"Mean {RANK_METRIC} per dataset", _means_part(results, means, ranks)),
        ("ranks", "Mean ranks", _ranks_part(ranks, means)),
        ("cd", "Critical-difference diagram", _cd_part(means, layout.critical_difference)),
        ("params", "Model parameters", _params_part(grid["params"])),
        ("cells", "Every cell", results_table(results) if len(results) else note("None yet.")),
        ("files", "Files of this run", _files_part(layout)),
    ]
    sizes = [_count(len(grid[k]), k[:-1]) for k in ("datasets", "models", "seeds")]
    title = "tszoo benchmark: " + " x ".join(sizes)
    body = [f"<h1>{escape(title)}</h1>", _status_note(manifest)]
    body += [facts_table(_facts(grid, manifest, run_dir))]
    body.append(contents([(anchor, heading) for anchor, heading, _ in sections]))
    body += [section(anchor, heading, part) for anchor, heading, part in sections]
    return write_atomic(layout.report, page(title, "\n".join(body)))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def critical_difference_png(means: pd.DataFrame, dpi: int = 150) -> bytes:
    """aeon's critical-difference diagram of ``means`` (datasets x models, higher = better)
    as PNG bytes; datasets that some model did not finish are left out."""
    import matplotlib.pyplot as plt
    from aeon.visualisation import plot_critical_difference

    complete = means.dropna()
    fig, _ = plot_critical_difference(complete.to_numpy(), [str(m) for m in complete.columns])
    try:
        buffer = io.BytesIO()
        # aeon places long model names outside its canvas: the tight box takes them in
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.1)
    finally:
        plt.close(fig)  # aeon draws with pyplot, which keeps every figure until closed
    return buffer.getvalue()


def cd_skip_reason(means: pd.DataFrame) -> str | None:
    """Why the diagram cannot be drawn for ``means``, or ``None`` if it can."""
    n_datasets, n_models = len(means.dropna()), means.shape[1]
    if n_models < CD_MIN_MODELS:
        return (
            f"The critical-difference diagram needs at least {CD_MIN_MODELS} models "
            f"(aeon's Friedman test); this grid has {n_models}."
        )
    if n_datasets < CD_MIN_DATASETS:
        return (
            f"The critical-difference diagram needs at least {CD_MIN_DATASETS} datasets that "
            f"every model finished; this grid has {n_datasets}."
        )
    return None


# -- parts of the page ------------------------------------------------------------------------


def _means_part(results: pd.DataFrame, means: pd.DataFrame, ranks: pd.DataFrame) -> str:
    if means.empty:
        return note("No cell has finished yet.")
    spread = results.pivot_table(index="dataset", columns="model", values=RANK_METRIC,
                                 aggfunc="std").reindex_like(means)  # fmt: skip
    rows = []
    for dataset, row in means.iterrows():
        best = row.max()
        cells = [Cell(str(dataset))]
        for model, mean in row.items():
            std = spread.loc[dataset, model]
            text = "" if math.isnan(mean) else f"{mean:.3f}"
            text += f" ± {std:.3f}" if text and not math.isnan(std) else ""
            cells.append(Cell(text, sort=float(mean), bold=bool(mean == best)))
        rows.append(cells)
    rank = dict(zip(ranks["model"], ranks["mean_rank"]))
    rows.append([Cell("mean rank")] + [_rank_cell(rank.get(m, math.nan)) for m in means.columns])
    text = (
        f"Test {RANK_METRIC}, mean ± standard deviation over seeds; the best model of each "
        "dataset in bold. The last row is each model's mean rank (1 = best)."
    )
    table = html_table(["dataset", *map(str, means.columns)], rows, sortable=False)
    return note(text) + "\n" + table


def _rank_cell(rank: float) -> Cell:
    return Cell("" if math.isnan(rank) else f"{rank:.2f}", sort=rank)


def _ranks_part(ranks: pd.DataFrame, means: pd.DataFrame) -> str:
    left_out = len(means) - len(means.dropna())
    text = (
        f"Each model is ranked on each dataset by mean {RANK_METRIC} (ties share the mean "
        "rank), and the ranks are averaged; wins count datasets where it is best or tied best."
    )
    if left_out:
        text += f" {left_out} dataset(s) where some model has no finished cell are left out."
    headers = ["model", "mean rank", f"mean {RANK_METRIC}", "wins", "datasets"]
    rows = [
        [Cell(str(r["model"])), *(number(r[c], c) for c in list(ranks.columns)[1:])]
        for _, r in ranks.iterrows()
    ]
    return note(text) + "\n" + html_table(headers, rows)


def _cd_part(means: pd.DataFrame, path: Path) -> str:
    """The diagram, also written to ``path``; a note instead where it cannot be drawn."""
    path.unlink(missing_ok=True)  # never leave an earlier drawing that this page does not show
    reason = cd_skip_reason(means)
    if reason is not None:
        return note(reason)
    try:
        png = critical_difference_png(means)
    except Exception as exc:  # a failed drawing must not cost the rest of the page
        logger.warning("the critical-difference diagram could not be drawn", exc_info=True)
        return note(f"The critical-difference diagram could not be drawn: {exc}", "warning")
    write_atomic(path, png)
    return figure(png, alt="critical-difference diagram", caption=CD_CAPTION)


def _params_part(params: dict[str, dict[str, Any]]) -> str:
    rows = []
    for model, values in params.items():
        try:
            defaults = model_defaults(model)
        except TszooError:
            defaults = {}
        changed = {k: v for k, v in values.items() if defaults.get(k, object()) != v}
        text = ", ".join(f"{k}={v!r}" for k, v in changed.items()) or "defaults"
        rows.append([Cell(model), Cell(text)])
    text = "Parameters that differ from each model's defaults; config.yaml lists them all."
    return note(text) + "\n" + html_table(["model", "parameters"], rows, sortable=False)


def _run_files(layout: RunLayout) -> list[tuple[Path, str]]:
    """The files of a grid that its page links to, in order, with what each holds."""
    return [
        (layout.results, "one row per dataset x model x seed"),
        (layout.per_class, "precision, recall and F1 per class, per cell"),
        (layout.confusion, "confusion counts per cell, long format"),
        (layout.ranks, "mean rank per model"),
        (layout.critical_difference, "the critical-difference diagram"),
        (layout.config, "the grid: datasets, models, seeds, data options, every parameter"),
        (layout.manifest, "status, times, cells, executor, machine, package versions"),
    ]


def _files_part(layout: RunLayout) -> str:
    names = [(layout.link(path), what) for path, what in _run_files(layout) if path.exists()]
    items = [
        f'<li><a href="{escape(quote(name))}"><code>{escape(name)}</code></a>: {escape(what)}</li>'
        for name, what in names
    ]
    return f"<ul>{''.join(items)}</ul>"


def _status_note(manifest: dict[str, Any]) -> str:
    status = manifest.get("status", "")
    if status == "complete":
        return ""
    done, total = manifest.get("cells_done"), manifest.get("cells_total")
    failed = manifest.get("failed_cells") or []
    text = f"This grid is {status or 'unfinished'}: {done} of {total} cells are here."
    if failed:
        text += f" {len(failed)} failed, first {failed[0]['cell']}: {failed[0]['error']}."
    return note(text, kind="warning")


def _facts(grid: dict[str, Any], manifest: dict[str, Any], run_dir: Path) -> list[tuple]:
    names = manifest.get("datasets") or {}
    datasets = [n if names[n] == n else f"{n} ({names[n]})" for n in names] or grid["datasets"]
    data = grid.get("data") or {}
    options = ", ".join(f"{k} {v}" for k, v in data.items() if v is not None)
    versions = manifest.get("versions") or {}
    machine = manifest.get("machine") or {}
    return [
        ("datasets", ", ".join(datasets)),
        ("models", ", ".join(grid["models"])),
        ("seeds", ", ".join(map(str, grid["seeds"]))),
        ("data options", options + " (window and stride apply to recordings)"),
        ("cells", f"{manifest.get('cells_done')} of {manifest.get('cells_total')} done"),
        ("status", str(manifest.get("status", ""))),
        ("ran on", _executor(manifest.get("executor") or {})),
        ("started (UTC)", str(manifest.get("started_utc") or "")),
        ("ended (UTC)", str(manifest.get("ended_utc") or "")),
        ("resumed (UTC)", ", ".join(map(str, manifest.get("resumed_utc") or []))),
        ("command line", shlex.join(map(str, manifest.get("command_line") or []))),
        ("machine", ", ".join(f"{k} {v}" for k, v in machine.items() if v is not None)),
        ("packages", ", ".join(f"{k} {v}" for k, v in versions.items() if v)),
        ("git revision", str(manifest.get("git_revision") or "")),
        ("run directory", str(run_dir)),
    ]


def _executor(executor: dict[str, Any]) -> str:
    if executor.get("kind") == "dask":
        return (
            f"Dask cluster at {executor.get('scheduler')}: {executor.get('workers')} workers, "
            f"{executor.get('threads')} threads (at the start)"
        )
    if executor.get("kind") == "joblib":
        workers = executor.get("workers")
        return f"this machine, {workers} worker process{'es' if workers != 1 else ''} (joblib)"
    return ""
