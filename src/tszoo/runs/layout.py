"""The names of everything in a run directory, in one place.

Every part of tszoo that reads or writes a run (the engine, the report, ``predict``, the
tests' fixtures) asks a :class:`RunLayout` for a path instead of spelling it. A cell is one
model on one seed (of one dataset, in a benchmark; of one fold, under cross-validation);
its files are named ``<model>-seed<k>`` (``<model>-seed<k>-fold<f>``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

CELL_NAME = re.compile(r"^(?P<model>.+)-seed(?P<seed>-?\d+)(-fold(?P<fold>\d+))?$")


@dataclass(frozen=True)
class Cell:
    """One dataset x model x seed (x fold): the unit a run fits, scores and writes."""

    dataset: str
    model: str
    seed: int
    fold: int | None = None  # None: no cross-validation

    @property
    def name(self) -> str:
        """The stem of the cell's files: ``<model>-seed<k>[-fold<f>]``."""
        return cell_name(self.model, self.seed, self.fold)

    def __str__(self) -> str:
        fold = "" if self.fold is None else f" fold {self.fold}"
        return f"{self.dataset} {self.model} seed {self.seed}{fold}"


def cell_name(model: str, seed: int, fold: int | None = None) -> str:
    return f"{model}-seed{seed}" + ("" if fold is None else f"-fold{fold}")


def fold_value(value) -> int | None:
    """A fold as read from a table: None for an empty cell or a table without folds."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(float(value))


def cells_of(table) -> list[Cell]:
    """The cell of each row of a run's table (``dataset, model, seed[, fold]`` columns)."""
    folds = table["fold"] if "fold" in table else [None] * len(table)
    columns = (table["dataset"].astype(str), table["model"].astype(str), table["seed"], folds)
    return [Cell(d, m, int(s), fold_value(f)) for d, m, s, f in zip(*columns, strict=True)]


def parse_cell_name(stem: str) -> tuple[str, int, int | None] | None:
    """``(model, seed, fold)`` of a ``<model>-seed<k>[-fold<f>]`` file stem (fold None
    without one); None for any other name."""
    match = CELL_NAME.match(stem)
    if not match:
        return None
    return match["model"], int(match["seed"]), None if match["fold"] is None else int(match["fold"])


@dataclass(frozen=True)
class RunLayout:
    """The files of the run directory ``root``.

    The tables the engine writes after each cell are named in :attr:`TABLES`, in the order
    they are written: ``results`` last, so a row in ``results.csv`` means a whole cell.
    """

    root: Path

    TABLES = ("per_class", "confusion", "results")

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    # -- files of the whole run
    def table(self, name: str) -> Path:
        """The CSV file of the table ``name``: ``results`` -> ``results.csv``."""
        return self.root / f"{name}.csv"

    @property
    def config(self) -> Path:
        return self.root / "config.yaml"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def results(self) -> Path:
        return self.table("results")

    @property
    def per_class(self) -> Path:
        return self.table("per_class")

    @property
    def confusion(self) -> Path:
        return self.table("confusion")

    @property
    def ranks(self) -> Path:
        return self.table("ranks")

    @property
    def windows(self) -> Path:
        return self.table("windows")

    @property
    def examples(self) -> Path:
        return self.root / "examples.npz"

    @property
    def report(self) -> Path:
        return self.root / "report.html"

    @property
    def plots(self) -> Path:
        return self.root / "plots"

    def figure(self, name: str) -> Path:
        """The PNG file of the report's figure ``name``, under ``plots/``."""
        return self.plots / f"{name}.png"

    def figures(self) -> list[Path]:
        """Every figure saved under ``plots/``."""
        return sorted(self.plots.glob("*.png"))

    @property
    def critical_difference(self) -> Path:
        """A benchmark grid's critical-difference diagram."""
        return self.figure("critical_difference")

    def link(self, path: Path) -> str:
        """``path`` as the report links to it: relative to the run directory, a folder with
        a trailing ``/`` (``plots/``)."""
        name = path.relative_to(self.root).as_posix()
        return f"{name}/" if path.is_dir() else name

    # -- files of one cell
    def folder(self, kind: str) -> Path:
        """The folder of one kind of cell file: ``predictions``, ``histories`` or
        ``attention``."""
        return self.root / kind

    def predictions(self, model: str, seed: int, fold: int | None = None) -> Path:
        return self.folder("predictions") / f"{cell_name(model, seed, fold)}.csv"

    def history(self, model: str, seed: int, fold: int | None = None) -> Path:
        return self.folder("histories") / f"{cell_name(model, seed, fold)}.csv"

    def attention(self, model: str, seed: int, fold: int | None = None) -> Path:
        return self.folder("attention") / f"{cell_name(model, seed, fold)}.npz"

    @property
    def train_model(self) -> Path:
        """Where ``train`` saves its one model."""
        return self.root / "model"

    @property
    def models(self) -> Path:
        """Where ``compare`` saves each cell's model, ``models/<cell>``."""
        return self.root / "models"

    def model_dir(
        self, model: str, seed: int, fold: int | None = None, *, single: bool = False
    ) -> Path:
        """Where a cell's model is saved: ``model/`` for ``train``, else ``models/<cell>``."""
        return self.train_model if single else self.models / cell_name(model, seed, fold)

    def saved_model(self, model: str, seed: int, fold: int | None = None) -> Path | None:
        """The directory of a cell's saved model: ``models/<cell>``, else ``train``'s
        ``model/``; None where neither holds one."""
        from tszoo.models.persistence import META  # lazily: tszoo.models imports scikit-learn

        for directory in (self.model_dir(model, seed, fold), self.train_model):
            if (directory / META).is_file():
                return directory
        return None

    def saved_models(self) -> list[Path]:
        """Every saved model's directory: ``model/`` first, then ``models/*`` by name."""
        from tszoo.models.persistence import META

        found = [self.train_model] if (self.train_model / META).is_file() else []
        return found + sorted(p.parent for p in self.models.glob(f"*/{META}"))

    def cell_files(self, kind: str) -> list[tuple[str, int, int | None, Path]]:
        """``(model, seed, fold, path)`` of each cell file under ``predictions``,
        ``histories`` or ``attention``, by seed, fold, then model."""
        suffix = ".npz" if kind == "attention" else ".csv"
        found = []
        for path in self.folder(kind).glob(f"*{suffix}"):
            parsed = parse_cell_name(path.name.removesuffix(suffix))
            if parsed is not None:
                found.append((*parsed, path))
        return sorted(
            found, key=lambda cell: (cell[1], -1 if cell[2] is None else cell[2], cell[0])
        )
