"""The names of everything in a run directory, in one place.

Every part of tszoo that reads or writes a run (the engine, the report, ``predict``, the
tests' fixtures) asks a :class:`RunLayout` for a path instead of spelling it. A cell is one
model on one seed (of one dataset, in a benchmark); its files are named ``<model>-seed<k>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

CELL_NAME = re.compile(r"^(?P<model>.+)-seed(?P<seed>-?\d+)$")


@dataclass(frozen=True, order=True)
class Cell:
    """One dataset x model x seed: the unit a run fits, scores and writes."""

    dataset: str
    model: str
    seed: int

    @property
    def name(self) -> str:
        """The stem of the cell's files: ``<model>-seed<k>``."""
        return cell_name(self.model, self.seed)

    def __str__(self) -> str:
        return f"{self.dataset} {self.model} seed {self.seed}"


def cell_name(model: str, seed: int) -> str:
    return f"{model}-seed{seed}"


def parse_cell_name(stem: str) -> tuple[str, int] | None:
    """``(model, seed)`` of a ``<model>-seed<k>`` file stem; None for any other name."""
    match = CELL_NAME.match(stem)
    return (match["model"], int(match["seed"])) if match else None


@dataclass(frozen=True)
class RunLayout:
    """The files of the run directory ``root``.

    Tables are written in the order of :attr:`TABLES` after each cell, ``results.csv``
    last, so a row there means a whole cell.
    """

    root: Path

    TABLES = ("per_class.csv", "confusion.csv", "results.csv")

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    # -- files of the whole run
    @property
    def config(self) -> Path:
        return self.root / "config.yaml"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def results(self) -> Path:
        return self.root / "results.csv"

    @property
    def per_class(self) -> Path:
        return self.root / "per_class.csv"

    @property
    def confusion(self) -> Path:
        return self.root / "confusion.csv"

    @property
    def ranks(self) -> Path:
        return self.root / "ranks.csv"

    @property
    def windows(self) -> Path:
        return self.root / "windows.csv"

    @property
    def examples(self) -> Path:
        return self.root / "examples.npz"

    @property
    def report(self) -> Path:
        return self.root / "report.html"

    @property
    def plots(self) -> Path:
        return self.root / "plots"

    def table(self, name: str) -> Path:
        return self.root / name

    # -- files of one cell
    def predictions(self, model: str, seed: int) -> Path:
        return self.root / "predictions" / f"{cell_name(model, seed)}.csv"

    def history(self, model: str, seed: int) -> Path:
        return self.root / "histories" / f"{cell_name(model, seed)}.csv"

    def attention(self, model: str, seed: int) -> Path:
        return self.root / "attention" / f"{cell_name(model, seed)}.npz"

    @property
    def train_model(self) -> Path:
        """Where ``train`` saves its one model."""
        return self.root / "model"

    def model_dir(self, model: str, seed: int, *, single: bool = False) -> Path:
        """Where a cell's model is saved: ``model/`` for ``train``, else ``models/<cell>``."""
        return self.train_model if single else self.root / "models" / cell_name(model, seed)

    def saved_models(self) -> list[Path]:
        """Every saved model's directory: ``model/`` first, then ``models/*`` by name."""
        found = [self.train_model] if (self.train_model / "model.json").is_file() else []
        return found + sorted(p.parent for p in self.root.glob("models/*/model.json"))

    def cell_files(self, kind: str) -> list[tuple[str, int, Path]]:
        """``(model, seed, path)`` of each cell file under ``predictions``, ``histories`` or
        ``attention``, by seed then model."""
        suffix = ".npz" if kind == "attention" else ".csv"
        found = []
        for path in (self.root / kind).glob(f"*{suffix}"):
            parsed = parse_cell_name(path.name.removesuffix(suffix))
            if parsed is not None:
                found.append((*parsed, path))
        return sorted(found, key=lambda cell: (cell[1], cell[0]))
