"""A training run's record: one dict per epoch."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any


class History:
    """Per-epoch records of a training run.

    Each record is a dict with ``epoch`` (1-based), ``train_loss``, ``train_acc``,
    ``val_loss``, ``val_acc`` (NaN without a validation split), ``lr`` and ``seconds``;
    callbacks may add keys (early stopping adds ``best``).

    Parameters
    ----------
    records : list of dict, optional
        Records to start from, e.g. a history read back from JSON.
    """

    def __init__(self, records: list[dict[str, Any]] | None = None) -> None:
        self.records: list[dict[str, Any]] = [dict(r) for r in records or []]

    def append(self, record: dict[str, Any]) -> None:
        self.records.append(record)

    def column(self, key: str) -> list[Any]:
        """The values of one key over the epochs, e.g. ``history.column("val_loss")``."""
        return [r.get(key, math.nan) for r in self.records]

    def best_epoch(self, key: str = "val_loss") -> int | None:
        """The epoch with the lowest finite ``key``, or None if there is none."""
        finite = [r for r in self.records if math.isfinite(r.get(key, math.nan))]
        return min(finite, key=lambda r: r[key])["epoch"] if finite else None

    def to_list(self) -> list[dict[str, Any]]:
        """Plain records for JSON; NaN becomes None."""
        return [{k: _json_value(v) for k, v in r.items()} for r in self.records]

    @classmethod
    def from_list(cls, records: list[dict[str, Any]]) -> History:
        return cls([{k: math.nan if v is None else v for k, v in r.items()} for r in records])

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.records[index]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, History) and self.to_list() == other.to_list()

    def __repr__(self) -> str:
        return f"History({len(self)} epochs)"


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
