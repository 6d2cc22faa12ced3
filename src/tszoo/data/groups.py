"""Splits and folds of whole groups: subjects, machines, recordings.

People who record bodies and machines want to know whether a model works on the *next*
subject, not on another minute of the same one. With a split-by column every recording
belongs to one split-group (``Recordings.split_groups``), and whole split-groups are dealt
to train/val/test (:func:`split_by_groups`) or to cross-validation folds
(:func:`plan_folds`), so no subject is ever in two splits.

Without a split-by column, folds hold whole recordings when every class has enough of them,
else contiguous blocks of one label (as :func:`~tszoo.data.splits.plan_split` does).
Validation is carved from each fold's training groups.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

import numpy as np

from tszoo.data.containers import Recordings
from tszoo.data.splits import (
    SPLITS,
    SplitPlan,
    all_windows,
    allocate,
    check_fractions,
    deal_blocks,
    merge_adjacent,
    name_of,
    segment_blocks,
)
from tszoo.data.windows import LabelRule, Windows, contiguous_segments
from tszoo.errors import DataError

logger = logging.getLogger(__name__)

CV = int | Literal["loo"]
TRIES = 200  # random deals tried before a split-group split is declared impossible


def check_cv(cv: CV | str | None) -> CV | None:
    """``--cv``: a number of folds of at least 2, or ``loo``."""
    if cv is None or cv == "loo":
        return cv
    try:
        k = int(cv)
    except (TypeError, ValueError):
        k = None
    if k is None or k < 2 or str(cv).strip() != str(k):
        raise DataError(
            f"--cv {cv}: expected a number of folds of at least 2 or 'loo' "
            "(leave one group out); use e.g. --cv 5"
        )
    return k


class Units:
    """What is dealt out whole: split-groups, recordings or blocks.

    ``segments`` are unbroken stacked-row ranges in row order, ``unit`` the unit of each,
    ``names`` one per unit.
    """

    def __init__(
        self, recordings: Recordings, kind: str, segments: np.ndarray, unit: np.ndarray,
        names: list[str],
    ) -> None:  # fmt: skip
        self.recordings, self.kind = recordings, kind
        self.segments, self.unit, self.names = segments, unit, names

    def counts(self, windows: Windows, classes: np.ndarray) -> np.ndarray:
        """Windows per unit and class."""
        seg = np.searchsorted(self.segments[:, 0], windows.starts, side="right") - 1
        table = np.zeros((len(self.names), len(classes)), dtype=np.int64)
        np.add.at(table, (self.unit[seg], np.searchsorted(classes, windows.y)), 1)
        return table

    def rows(self, chosen: np.ndarray) -> np.ndarray:
        """The row ranges of the units ``chosen`` (a boolean mask over units), neighbours
        in one unbroken run merged so windows may span them."""
        return merge_adjacent(self.segments[chosen[self.unit]], self.recordings)


def group_units(recordings: Recordings) -> Units:
    """One unit per split-group (or per recording, without a split-by column)."""
    segments = contiguous_segments(recordings)
    rec = recordings.recording_of_row(segments[:, 0])
    if recordings.split_groups is None:
        return Units(recordings, "recordings", segments, rec, list(recordings.ids))
    names, codes = np.unique(np.asarray(recordings.split_groups, dtype=str), return_inverse=True)
    return Units(recordings, "groups", segments, codes[rec], [str(n) for n in names])


def _what(recordings: Recordings, units: Units) -> str:
    return f"'{recordings.split_by}' groups" if units.kind == "groups" else "recordings"


def deal_units(table: np.ndarray, fractions, rng: np.random.Generator) -> np.ndarray | None:
    """Split of each unit, ``table`` its windows per class: units sorted by their main
    class (random inside it) and dealt in turn, so each split gets its share of each class;
    the first of ``TRIES`` random deals in which every split with a share holds every
    class, or None."""
    n, n_active = len(table), sum(f > 0 for f in fractions)
    if n < n_active:
        return None
    counts = allocate(n, fractions)
    # split s's j-th place at (j + 1/2) / counts[s]: the splits interleaved evenly
    keys = np.concatenate([(np.arange(c) + 0.5) / max(c, 1) for c in counts])
    labels = np.repeat(np.arange(3), counts)[np.argsort(keys, kind="stable")]
    main = table.argmax(axis=1)
    for _ in range(TRIES):
        perm = rng.permutation(n)
        order = perm[np.argsort(main[perm], kind="stable")]
        assignment = np.empty(n, dtype=np.int64)
        assignment[order] = labels
        if all(
            (table[assignment == s].sum(axis=0) > 0).all() for s in range(3) if fractions[s] > 0
        ):
            return assignment
    return None


def _undealable(recordings: Recordings, units: Units, table, classes, n_splits: int) -> DataError:
    held = (table > 0).sum(axis=0)
    k = int(np.argmin(held))
    return DataError(
        f"{name_of(recordings)}: class '{classes[k]}' is in {held[k]} of {len(units.names)} "
        f"{_what(recordings, units)}, too few to give each of {n_splits} splits one; use "
        "fewer splits (e.g. --split 0.8,0.2,0), --cv K, or different --split fractions"
    )


def split_by_groups(
    recordings: Recordings,
    window: int,
    stride: int,
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
    *,
    seed: int = 0,
    label_rule: LabelRule = "drop",
) -> SplitPlan:
    """Deal whole split-groups to train/val/test, stratified as far as the classes allow.

    Split-groups are sorted by their main class and dealt in turn, so each split gets its
    share of each class; a deal in which a split misses a class is drawn again. Where no
    deal gives every split every class, the error names the class and the fixes.
    """
    fractions = check_fractions(fractions)
    rng = np.random.default_rng(seed)
    whole, _ = all_windows(recordings, window, stride, label_rule)
    units = group_units(recordings)
    classes = np.unique(whole.y)
    table = units.counts(whole, classes)
    assignment = deal_units(table, fractions, rng)
    if assignment is None:
        raise _undealable(recordings, units, table, classes, sum(f > 0 for f in fractions))
    plan = {name: units.rows(assignment == s) for s, name in enumerate(SPLITS)}
    logger.info(
        "split by %s: %s", _what(recordings, units),
        ", ".join(f"{n} {int((assignment == s).sum())}" for s, n in enumerate(SPLITS)),
    )  # fmt: skip
    return SplitPlan("groups", plan)


def plan_folds(
    recordings: Recordings,
    window: int,
    stride: int,
    cv: CV,
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
    *,
    seed: int = 0,
    label_rule: LabelRule = "drop",
    n_blocks: int = 10,
) -> list[SplitPlan]:
    """One leak-free train/val/test plan per fold of grouped cross-validation.

    ``cv`` is a number of folds (stratified, grouped K-fold) or ``"loo"`` (each split-group
    or recording tested once, alone). Each fold tests on its units; validation is dealt
    from the other units by ``fractions``' train and val shares (the test share is the
    fold's). The same seed gives the same folds.
    """
    cv = check_cv(cv)
    fractions = check_fractions(fractions)
    rng = np.random.default_rng(seed)
    whole, classes = all_windows(recordings, window, stride, label_rule)
    units = group_units(recordings)
    table = units.counts(whole, classes)
    held = (table > 0).sum(axis=0)
    if cv == "loo":
        if len(units.names) < 2:
            raise DataError(
                f"{name_of(recordings)}: --cv loo leaves out one group at a time, and the "
                f"data holds one {_what(recordings, units)[:-1]}; name the groups with "
                "--split-by COL (or --group COL), or use --cv K"
            )
        fold_of = np.arange(len(units.names))
    elif units.kind == "groups" or held.min() >= cv:
        fold_of = _kfold_units(recordings, units, table, cv, seed)
    else:  # too few recordings: folds of blocks of one label
        units, fold_of = _block_units(recordings, window, cv, rng, n_blocks)
        table = units.counts(whole, classes)
    share = np.array([fractions[0], fractions[1], 0.0]) / (fractions[0] + fractions[1])
    plans = []
    for k in range(int(fold_of.max()) + 1):
        test, rest = fold_of == k, fold_of != k
        missing = table[rest].sum(axis=0) == 0
        if missing.any():
            raise DataError(
                f"{name_of(recordings)}: fold {k} ({units.names[np.flatnonzero(test)[0]]}) "
                f"holds every window of class '{classes[np.flatnonzero(missing)[0]]}', so its "
                "training split has none; use fewer folds, or more groups with that class"
            )
        inner = deal_units(table[rest], share, rng) if share[1] > 0 else np.zeros(rest.sum())
        if inner is not None:
            plan = {}
            for s, name in enumerate(("train", "val")):
                mask = np.zeros(len(units.names), dtype=bool)
                mask[np.flatnonzero(rest)[inner == s]] = True
                plan[name] = units.rows(mask)
        else:  # too few training groups for a val split holding every class: blocks of them
            logger.info("fold %d: validation carved from blocks of the training groups", k)
            plan = deal_blocks(recordings, units.rows(rest), window, share, rng, n_blocks)
        plan["test"] = units.rows(test)
        name = units.names[k] if cv == "loo" else f"fold {k}"
        plans.append(SplitPlan(units.kind, {s: plan[s] for s in SPLITS}, name=name))
    logger.info("%d folds over %d %s", len(plans), len(units.names), _what(recordings, units))
    return plans


def _kfold_units(recordings, units: Units, table: np.ndarray, cv: int, seed: int) -> np.ndarray:
    """Fold of each unit: scikit-learn's StratifiedGroupKFold over the units' windows."""
    from sklearn.model_selection import StratifiedGroupKFold

    if len(units.names) < cv:
        raise DataError(
            f"{name_of(recordings)}: {len(units.names)} {_what(recordings, units)} for "
            f"--cv {cv}; use --cv {len(units.names)} or fewer, or --cv loo"
        )
    unit_ids, class_ids = np.nonzero(table)  # one row per (unit, class) stands for its windows
    weights = table[unit_ids, class_ids]
    y, groups = np.repeat(class_ids, weights), np.repeat(unit_ids, weights)
    fold_of = np.full(len(units.names), -1)
    folds = StratifiedGroupKFold(n_splits=cv, shuffle=True, random_state=seed)
    for k, (_, test) in enumerate(folds.split(np.zeros(len(y)), y, groups)):
        fold_of[np.unique(groups[test])] = k
    return fold_of


def _block_units(recordings, window: int, cv: int, rng, n_blocks: int) -> tuple[Units, np.ndarray]:
    """Blocks of one label as units, each class's blocks dealt round the folds."""
    classes, codes = recordings.classes, recordings.codes
    blocks = np.concatenate(
        [segment_blocks(codes, a, b, max(n_blocks, cv), window)
         for a, b in contiguous_segments(recordings)]
    )  # fmt: skip
    main = codes[blocks[:, 0]]
    fold_of = np.empty(len(blocks), dtype=np.int64)
    for k, cls in enumerate(classes):
        members = rng.permutation(np.flatnonzero(main == k))
        if len(members) < cv:
            raise DataError(
                f"{name_of(recordings)}: class '{cls}' has {len(members)} block(s) of >= "
                f"{window} rows for --cv {cv}; use fewer folds, a smaller --window, or "
                "--split-by/--group to fold over groups"
            )
        fold_of[members] = np.arange(len(members)) % cv
    names = [f"block {i}" for i in range(len(blocks))]
    return Units(recordings, "blocks", blocks, np.arange(len(blocks)), names), fold_of
