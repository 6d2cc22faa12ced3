"""Leak-free train/validation/test splits (folds and split-groups: :mod:`~tszoo.data.groups`).

Windows overlap, so a random split of windows puts the same raw rows into training and
test. tszoo splits *rows* instead, and cuts windows inside each split's rows only:

1. by whole recordings, when every class has enough recordings for every split;
2. otherwise each recording is cut into contiguous blocks of one label (about 10 per class
   and recording, and wherever the label changes), the blocks of each class are shuffled
   and dealt to the splits, neighbouring blocks of one split are merged, and windows are
   cut inside the merged segments.

Either way no raw row belongs to two splits. Ready-made cases (``.ts``, bundled datasets)
are independent of each other, so they are split by case, keeping any given test split.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from tszoo.data.containers import CaseDataset, Cases, Recordings
from tszoo.data.windows import LabelRule, Windows, check_window, contiguous_segments, make_windows
from tszoo.errors import DataError

logger = logging.getLogger(__name__)

SPLITS = ("train", "val", "test")
Strategy = Literal["auto", "recordings", "blocks"]


@dataclass
class SplitPlan:
    """Which stacked rows go to which split.

    Attributes
    ----------
    mode : {"recordings", "blocks"}
        Whether whole recordings or blocks of recordings were dealt out.
    segments : dict of str -> ndarray of shape (n_segments, 2)
        ``[start, end)`` stacked-row ranges of each split; no two ranges overlap.
    """

    mode: str
    segments: dict[str, np.ndarray]
    name: str = ""  # a fold's: what it tests (``fold <k>``, or the group left out)

    def windows(
        self, recordings: Recordings, window: int, stride: int, label_rule: LabelRule = "drop"
    ) -> dict[str, Windows]:
        return {
            name: make_windows(recordings, window, stride, segments=seg, label_rule=label_rule)
            for name, seg in self.segments.items()
        }


def check_fractions(fractions: Sequence[float]) -> tuple[float, float, float]:
    """Validate ``(train, val, test)`` fractions: three non-negative numbers summing to 1."""
    fr = tuple(float(f) for f in fractions)
    if len(fr) != 3 or any(not np.isfinite(f) or f < 0 for f in fr):
        raise DataError(
            f"split fractions {list(fractions)} must be three non-negative numbers "
            "train,val,test; use e.g. --split 0.8,0.1,0.1"
        )
    if abs(sum(fr) - 1.0) > 1e-6:
        raise DataError(
            f"split fractions {','.join(f'{f:g}' for f in fr)} sum to {sum(fr):g}, not 1; "
            "use e.g. --split 0.8,0.1,0.1"
        )
    if fr[0] == 0:
        raise DataError("the train fraction must be above 0; use e.g. --split 0.8,0.1,0.1")
    return fr  # type: ignore[return-value]


def allocate(n: int, fractions: Sequence[float]) -> np.ndarray:
    """Split ``n`` items by ``fractions`` (largest remainder), at least one per non-zero share.

    The caller makes sure ``n`` is at least the number of non-zero fractions.
    """
    fr = np.asarray(fractions, dtype=float)
    share = fr * n
    counts = np.floor(share).astype(np.int64)
    order = np.argsort(-(share - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    for s in np.flatnonzero((fr > 0) & (counts == 0)):  # an empty split would be useless
        counts[np.argmax(counts)] -= 1
        counts[s] += 1
    return counts


def plan_split(
    recordings: Recordings,
    window: int,
    stride: int,
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
    *,
    seed: int = 0,
    strategy: Strategy = "auto",
    n_blocks: int = 10,
    label_rule: LabelRule = "drop",
) -> SplitPlan:
    """Deal the rows of ``recordings`` to train/val/test without sharing any row.

    Parameters
    ----------
    recordings : Recordings
    window, stride : int
        The windows that will be cut; used to check every split can hold some.
    fractions : (train, val, test)
        Shares of recordings (or blocks) per split; a zero share gives an empty split.
    seed : int
        Seeds the shuffle; the same seed gives the same plan.
    strategy : {"auto", "recordings", "blocks"}
        ``auto`` splits by whole recordings when every class has a recording for every
        split, otherwise by blocks.
    n_blocks : int
        Blocks per recording in block mode (fewer when a recording is short).
    """
    fractions = check_fractions(fractions)
    rng = np.random.default_rng(seed)
    whole, classes = all_windows(recordings, window, stride, label_rule)

    if strategy in ("auto", "recordings"):
        plan = _split_by_recordings(recordings, whole, fractions, rng)
        if plan is not None:
            return plan
        if strategy == "recordings":
            raise DataError(
                f"{name_of(recordings)}: too few recordings per class to split whole recordings "
                f"{fractions}; use the block split (strategy 'blocks' or 'auto')"
            )
    plan = _split_by_blocks(recordings, window, fractions, rng, n_blocks)
    _check_plan(recordings, plan, window, stride, fractions, label_rule, classes)
    return plan


def all_windows(
    recordings: Recordings, window: int, stride: int, label_rule: LabelRule = "drop"
) -> tuple[Windows, np.ndarray]:
    """Every window of ``recordings`` and the classes, after checking that the window fits
    every recording and that every class has a window."""
    check_window(window, stride)
    _check_lengths(recordings, window, stride)
    whole = make_windows(recordings, window, stride, label_rule=label_rule)
    classes = recordings.classes
    if len(whole) == 0:
        raise DataError(
            f"{name_of(recordings)}: no window of {window} rows holds a single label; "
            "use a smaller --window or --label-rule majority"
        )
    present = np.unique(whole.y)
    if len(present) < len(classes):
        missing = [str(c) for c in classes if c not in present]
        raise DataError(
            f"{name_of(recordings)}: class {', '.join(map(repr, missing))} has no window of "
            f"{window} rows; use a smaller --window"
        )
    return whole, classes


def name_of(recordings: Recordings) -> str:
    return recordings.source.rsplit("/", 1)[-1]


def _check_lengths(recordings: Recordings, window: int, stride: int) -> None:
    lengths = recordings.lengths
    for name, value in (("window", window), ("stride", stride)):
        if lengths.max() < value:
            raise DataError(
                f"{name_of(recordings)}: {name}={value} is longer than every recording "
                f"(the longest has {lengths.max()} rows); use --{name} <= {lengths.max()}"
            )
    short = np.flatnonzero(lengths < window)
    if len(short):
        i = short[np.argmin(lengths[short])]
        raise DataError(
            f"{name_of(recordings)}: recording '{recordings.ids[i]}' has {lengths[i]} rows, fewer "
            f"than window={window} ({len(short)} recordings are shorter); "
            f"use --window <= {lengths[i]} or remove the short recordings"
        )


def _split_by_recordings(
    recordings: Recordings, whole: Windows, fractions, rng: np.random.Generator
) -> SplitPlan | None:
    """Deal whole recordings, stratified by each recording's main class; None if impossible."""
    n_active = sum(f > 0 for f in fractions)
    rec_of_window = whole.recording
    classes = np.unique(whole.y)
    # windows per (recording, class)
    table = np.zeros((recordings.n_recordings, len(classes)), dtype=np.int64)
    np.add.at(table, (rec_of_window, np.searchsorted(classes, whole.y)), 1)
    has_windows = table.sum(axis=1) > 0
    main_class = table.argmax(axis=1)
    assignment = np.full(recordings.n_recordings, -1)
    for k in range(len(classes)):
        members = np.flatnonzero(has_windows & (main_class == k))
        if len(members) < n_active:
            return None
        members = rng.permutation(members)
        counts = allocate(len(members), fractions)
        assignment[members] = np.repeat(np.arange(3), counts)
    # a class that is never a recording's main class may still miss a split
    for s in range(3):
        if fractions[s] > 0 and (table[assignment == s].sum(axis=0) == 0).any():
            return None
    segments = contiguous_segments(recordings)
    seg_rec = recordings.recording_of_row(segments[:, 0])
    plan = {name: segments[assignment[seg_rec] == s] for s, name in enumerate(SPLITS)}
    logger.info(
        "split by whole recordings: %s",
        ", ".join(f"{n} {int((assignment == s).sum())}" for s, n in enumerate(SPLITS)),
    )
    return SplitPlan("recordings", plan)


def _split_by_blocks(
    recordings: Recordings, window: int, fractions, rng: np.random.Generator, n_blocks: int
) -> SplitPlan:
    """Cut recordings into blocks of one label, deal each class's blocks to the splits, merge
    neighbours."""
    segments = contiguous_segments(recordings)
    plan = deal_blocks(recordings, segments, window, fractions, rng, n_blocks)
    return SplitPlan("blocks", plan)


def deal_blocks(
    recordings: Recordings,
    segments: np.ndarray,
    window: int,
    fractions,
    rng: np.random.Generator,
    n_blocks: int,
) -> dict[str, np.ndarray]:
    """The unbroken row ranges ``segments`` cut into blocks of one label, each class's blocks
    dealt to the splits by ``fractions`` and neighbours of one split merged."""
    n_active = sum(f > 0 for f in fractions)
    classes, codes = recordings.classes, recordings.codes
    blocks = np.concatenate([segment_blocks(codes, a, b, n_blocks, window) for a, b in segments])
    main = codes[blocks[:, 0]]  # every block holds one label
    assignment = np.empty(len(blocks), dtype=np.int64)
    for k, cls in enumerate(classes):
        members = np.flatnonzero(main == k)
        if len(members) < n_active:
            raise DataError(
                f"{name_of(recordings)}: class '{cls}' has too few windows for the requested "
                f"splits ({len(members)} block(s) of >= {window} rows for {n_active} splits); "
                "use a smaller --window, more data, or fewer splits (e.g. --split 0.8,0.2,0)"
            )
        members = rng.permutation(members)
        assignment[members] = np.repeat(np.arange(3), allocate(len(members), fractions))
    plan = {
        name: merge_adjacent(blocks[assignment == s], recordings) for s, name in enumerate(SPLITS)
    }
    logger.info("split by blocks: %d blocks of <= %d per recording", len(blocks), n_blocks)
    return plan


def segment_blocks(codes: np.ndarray, a: int, b: int, n_blocks: int, window: int) -> np.ndarray:
    """``(n_blocks, 2)`` blocks of the unbroken run of rows ``[a, b)``, each of one label.

    A run of one label is cut into ``n_blocks`` equal blocks (fewer if they would be shorter
    than a window). A run whose label changes (a long recording of several activities, say)
    is cut where it changes, and each stretch of one label further into equal blocks no
    longer than a ``n_blocks``-th of all that label's rows in the run, so that every class
    has blocks to deal and each split gets about its share of each class's rows.
    """
    change = np.flatnonzero(codes[a + 1 : b] != codes[a : b - 1]) + a + 1
    if len(change) == 0:
        k = min(n_blocks, max((b - a) // window, 1))
        edges = np.linspace(a, b, k + 1).round().astype(np.int64)
        return np.column_stack([edges[:-1], edges[1:]])
    starts, ends = np.r_[a, change], np.r_[change, b]
    label, length = codes[starts], ends - starts
    total = np.bincount(label, weights=length).astype(np.int64)  # rows of each label
    k = np.minimum(n_blocks, np.maximum(total // window, 1))
    longest = -(-total // k)  # ceil
    pieces = -(-length // longest[label])  # 1 for all but a few long stretches
    blocks = [np.column_stack([starts, ends])[pieces == 1]]
    for s, e, m in zip(starts[pieces > 1], ends[pieces > 1], pieces[pieces > 1]):
        edges = np.linspace(s, e, m + 1).round().astype(np.int64)
        blocks.append(np.column_stack([edges[:-1], edges[1:]]))
    blocks = np.concatenate(blocks)
    return blocks[np.argsort(blocks[:, 0], kind="stable")]


def merge_adjacent(segments: np.ndarray, recordings: Recordings) -> np.ndarray:
    """Merge ranges that touch and lie in the same unbroken run of a recording."""
    if len(segments) == 0:
        return segments.reshape(0, 2)
    segments = segments[np.argsort(segments[:, 0])]
    runs = contiguous_segments(recordings)
    run_of = np.searchsorted(runs[:, 0], segments[:, 0], side="right") - 1
    joined = (segments[1:, 0] == segments[:-1, 1]) & (run_of[1:] == run_of[:-1])
    first = np.r_[True, ~joined]
    last = np.r_[~joined, True]
    return np.column_stack([segments[first, 0], segments[last, 1]])


def _check_plan(recordings, plan, window, stride, fractions, label_rule, classes) -> None:
    windows = plan.windows(recordings, window, stride, label_rule)
    for s, name in enumerate(SPLITS):
        if fractions[s] == 0:
            continue
        have = set(np.unique(windows[name].y).tolist())
        for cls in classes:
            if cls not in have:
                raise DataError(
                    f"{name_of(recordings)}: class '{cls}' has too few windows for the requested "
                    f"splits (none in {name}); use a smaller --window or --stride, more data, "
                    "or larger fractions"
                )


# ----------------------------------------------------------------------------- cases


def split_cases(
    data: CaseDataset, fractions: Sequence[float] = (0.8, 0.1, 0.1), *, seed: int = 0
) -> tuple[Cases, Cases, Cases]:
    """Stratified train/val/test of independent cases; a given test split is kept as is
    and validation is carved out of train in proportion ``val / (train + val)``."""
    from sklearn.model_selection import train_test_split

    fractions = check_fractions(fractions)
    train = data.train
    idx = np.arange(len(train))

    def carve(idx, y, share, what):
        n_classes = len(np.unique(y))
        n_take = max(round(share * len(idx)), n_classes) if share > 0 else 0
        if n_take == 0:
            return idx, idx[:0]
        counts = np.unique(y, return_counts=True)
        if counts[1].min() < 2 or len(idx) - n_take < n_classes:
            cls = counts[0][np.argmin(counts[1])]
            raise DataError(
                f"{data.name}: class '{cls}' has too few cases ({counts[1].min()}) to carve "
                f"out a stratified {what} split; use fewer splits (e.g. --split 0.9,0,0.1)"
            )
        return train_test_split(idx, test_size=n_take, stratify=y, random_state=seed)

    if data.test is not None:
        f_train, f_val, _ = fractions
        tr, va = carve(idx, train.y, f_val / (f_train + f_val), "validation")
        return train.subset(tr), train.subset(va), data.test
    f_train, f_val, f_test = fractions
    rest, te = carve(idx, train.y, f_test, "test")
    tr, va = carve(rest, train.y[rest], f_val / (f_train + f_val), "validation")
    return train.subset(tr), train.subset(va), train.subset(te)
