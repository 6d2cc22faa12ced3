"""Everything a finished (or interrupted) run directory holds, loaded into one object.

The report draws only from a :class:`RunData`, so it can be rebuilt from the files on
disk at any time. Optional files that are missing load as ``None`` or empty; only a
directory without ``results.csv`` or ``config.yaml`` is not a run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tszoo.config import read_yaml
from tszoo.errors import TszooError
from tszoo.evaluation.metrics import confusion_rows, per_class_rows, score
from tszoo.models.persistence import META
from tszoo.runs import RunLayout, cell_name, cells_of

# Labels are strings everywhere in a report, even when the data's classes look like numbers.
LABEL_COLUMNS = {"label": str, "prediction": str, "class": str, "true": str, "predicted": str}


@dataclass
class RunData:
    """The contents of one run directory.

    Attributes
    ----------
    run_dir : Path
    config : dict
        ``config.yaml``: ``command, data, models, seeds, params``.
    manifest : dict
        ``manifest.json`` (empty if missing): status, times, device, versions, ...
    results : DataFrame
        One row per model x seed (``results.csv``).
    windows : DataFrame or None
        One row per window or case: ``recording, start_row, end_row, split, label``.
    per_class, confusion : DataFrame
        Per-class scores and the long-format confusion counts, per model x seed;
        recomputed from ``predictions/`` for runs that predate them, else empty.
    histories : dict of str to list of DataFrame
        Per-epoch training history of each deep model, one table per seed in seed order.
    examples : dict of str to ndarray or None
        ``X`` (n_classes, n_channels, n_timepoints), ``classes`` and ``channels``.
    attention : dict of str to dict of str to ndarray
        Cell (``<model>-seed<k>``) -> ``X`` (n, C, T), ``y`` (n,), ``weights``
        (n, n_steps) and ``channels``.
    window, stride : int or None
        Rows per window and between window starts; None when the run used whole cases.
    """

    run_dir: Path
    config: dict[str, Any]
    manifest: dict[str, Any]
    results: pd.DataFrame
    windows: pd.DataFrame | None = None
    per_class: pd.DataFrame = field(default_factory=pd.DataFrame)
    confusion: pd.DataFrame = field(default_factory=pd.DataFrame)
    histories: dict[str, list[pd.DataFrame]] = field(default_factory=dict)
    examples: dict[str, np.ndarray] | None = None
    attention: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    window: int | None = None
    stride: int | None = None
    # an ensemble's members: model, seed, fold, member, weight, score (held-out accuracy)
    ensemble_weights: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def layout(self) -> RunLayout:
        return RunLayout(self.run_dir)

    @property
    def models(self) -> list[str]:
        """Models in the order the run fitted them."""
        return list(dict.fromkeys(self.results["model"].astype(str)))

    @property
    def seeds(self) -> list[int]:
        return sorted({int(s) for s in self.results["seed"]})

    @property
    def folds(self) -> list[int]:
        """The folds of a cross-validated run (empty without cross-validation)."""
        return sorted({c.fold for c in self.cells if c.fold is not None})

    @property
    def cells(self) -> list:
        """Every cell in ``results.csv``, by seed and fold."""
        cells = cells_of(self.results.assign(dataset=""))
        return sorted(cells, key=lambda c: (c.seed, -1 if c.fold is None else c.fold))

    @property
    def classes(self) -> list[str]:
        """Class names: the examples' order where saved, then any other label, sorted."""
        known = [] if self.examples is None else [str(c) for c in self.examples["classes"]]
        seen = set(known)
        for table, column in ((self.windows, "label"), (self.per_class, "class")):
            if table is not None and column in table:
                seen.update(table[column].dropna().astype(str))
        return known + sorted(seen - set(known))


def load_run(run_dir: str | Path) -> RunData:
    """Load a run directory written by ``tszoo train`` or ``tszoo compare``.

    Raises
    ------
    TszooError
        If ``run_dir`` has no ``results.csv`` or ``config.yaml``.
    """
    layout = RunLayout(Path(run_dir))
    _check_run_dir(layout)
    config = read_yaml(layout.config) or {}
    results = _read_csv(layout.results)
    attention = _cells(layout, "attention", results)
    run = RunData(
        run_dir=layout.root,
        config=config,
        manifest=_read_json(layout.manifest),
        results=results,
        windows=_read_csv(layout.windows, optional=True),
        histories=_read_histories(layout, results),
        examples=_read_npz(layout.examples) if layout.examples.is_file() else None,
        attention={cell_name(m, s, f): _read_npz(p) for m, s, f, p in attention},
    )
    run.window, run.stride = _windowing(layout, config.get("data") or {})
    # runs from before per_class.csv and confusion.csv: recompute them from predictions/
    per_class = _read_csv(layout.per_class, optional=True)
    confusion = _read_csv(layout.confusion, optional=True)
    if per_class is None or confusion is None:
        recomputed = _scores_from_predictions(layout, run.results, run.classes)
        per_class = recomputed[0] if per_class is None else per_class
        confusion = recomputed[1] if confusion is None else confusion
    run.per_class, run.confusion = per_class, confusion
    run.ensemble_weights = _ensemble_weights(layout, results)
    return run


def _ensemble_weights(layout: RunLayout, results: pd.DataFrame) -> pd.DataFrame:
    """The member weights saved in each ensemble model of the run (``model.json``)."""
    rows = []
    for cell in cells_of(results.assign(dataset="")):
        directory = layout.saved_model(cell.model, cell.seed, cell.fold)
        meta = {} if directory is None else _read_json(directory / META)
        state = meta.get("state") or {}
        if meta.get("model") != cell.model or "weights" not in state:
            continue
        members, scores = state.get("members", []), state.get("scores", [])
        for member, weight, held_out in zip(members, state["weights"], scores, strict=False):
            rows.append(
                {"model": cell.model, "seed": cell.seed, "fold": cell.fold,
                 "member": member.get("name"), "weight": weight, "score": held_out}
            )  # fmt: skip
    return pd.DataFrame(rows)


def _check_run_dir(layout: RunLayout) -> None:
    run_dir = layout.root
    if not run_dir.is_dir():
        raise TszooError(
            f"{run_dir} does not exist or is not a directory; "
            "pass the directory a train or compare run wrote"
        )
    for path in (layout.results, layout.config):
        if not path.is_file():
            raise TszooError(
                f"{run_dir} is not a tszoo run directory (no {path.name}); "
                "pass the directory a train or compare run wrote"
            )


def _read_csv(path: Path, optional: bool = False) -> pd.DataFrame | None:
    if optional and not path.is_file():
        return None
    return pd.read_csv(path, dtype=LABEL_COLUMNS, keep_default_na=False, na_values=[""])


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise TszooError(f"{path} is not valid JSON ({exc}); restore it or delete it") from None


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    """Arrays of an ``.npz`` file; pickled (object) arrays are refused, never loaded."""
    try:
        with np.load(path, allow_pickle=False) as arrays:
            return {name: arrays[name] for name in arrays.files}
    except (OSError, ValueError) as exc:
        raise TszooError(f"cannot read {path} ({exc}); delete it to report without it") from None


def _windowing(layout: RunLayout, data: dict[str, Any]) -> tuple[int | None, int | None]:
    """``(window, stride)`` of the run, or ``(None, None)`` where it used whole cases.

    The config holds the requested window even for ready-made cases, which are used whole;
    a saved model's metadata says what was actually done.
    """
    saved = layout.saved_models()
    if saved:
        try:
            text = (saved[0] / META).read_text(encoding="utf-8")
            metadata = json.loads(text).get("metadata", {})
        except (OSError, ValueError):
            metadata = {}
        if "window" in metadata:
            return metadata["window"], metadata.get("stride")
    return data.get("window"), data.get("stride")


def _cells(
    layout: RunLayout, kind: str, results: pd.DataFrame
) -> list[tuple[str, int, int | None, Path]]:
    """``(model, seed, fold, path)`` of each cell file of ``kind`` whose cell is in
    ``results``, by seed. A cell stopped after writing these files but before its results
    row is unfinished, and left out."""
    done = {(c.model, c.seed, c.fold) for c in cells_of(results.assign(dataset=""))}
    return [(m, s, f, p) for m, s, f, p in layout.cell_files(kind) if (m, s, f) in done]


def _read_histories(layout: RunLayout, results: pd.DataFrame) -> dict[str, list[pd.DataFrame]]:
    histories: dict[str, list[pd.DataFrame]] = {}
    for model, _seed, _fold, path in _cells(layout, "histories", results):
        histories.setdefault(model, []).append(_read_csv(path))
    return histories


def _scores_from_predictions(
    layout: RunLayout, results: pd.DataFrame, classes: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-class scores and confusion counts of an older run, from its ``predictions/``."""
    cells = _cells(layout, "predictions", results)
    tables = [(m, s, _read_csv(p)) for m, s, _f, p in cells]
    if not classes:
        labels = {str(v) for _, _, t in tables for v in t["label"].dropna()}
        classes = sorted(labels)
    dataset = str(results["dataset"].iloc[0]) if "dataset" in results and len(results) else ""
    per_class, confusion = [], []
    for model, seed, table in tables:
        scores = score(table["label"], table["prediction"], np.asarray(classes))
        keys = {"dataset": dataset, "model": model, "seed": seed}
        per_class += per_class_rows(scores, **keys)
        confusion += confusion_rows(scores, np.asarray(classes), **keys)
    return pd.DataFrame(per_class), pd.DataFrame(confusion)
