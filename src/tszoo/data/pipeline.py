"""One call from a file or dataset name to normalised, leak-free splits."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from tszoo.data.containers import CaseDataset, Cases, NanPolicy, Recordings
from tszoo.data.groups import CV, check_cv, plan_folds, split_by_groups
from tszoo.data.loading import load_data
from tszoo.data.preprocessing import Method, Normalizer
from tszoo.data.splits import SPLITS, SplitPlan, Strategy, plan_split, split_cases
from tszoo.data.windows import LabelRule, WindowArray, Windows
from tszoo.errors import DataError
from tszoo.memory import release_unused_memory

logger = logging.getLogger(__name__)


# How a split was made, in words (``DataSplits.mode`` -> description).
SPLIT_MODES = {
    "recordings": "whole recordings dealt to the splits",
    "blocks": "blocks of each recording dealt to the splits; no raw row in two splits",
    "groups": "whole split-groups (--split-by) dealt to the splits; no group in two splits",
    "given": "the dataset's own test split; validation carved from train",
    "cases": "cases dealt to the splits, stratified",
}


@dataclass
class DataSplits:
    """Train/validation/test data ready for a model.

    ``train``, ``val`` and ``test`` are :class:`Windows` (cut from recordings) or
    :class:`Cases` (ready-made); :meth:`arrays` gives normalised arrays for a model.
    ``mode`` says how the split was made: ``recordings``, ``blocks``, ``given`` (the
    dataset's own test split) or ``cases`` (stratified by case).
    """

    name: str
    train: Windows | Cases
    val: Windows | Cases
    test: Windows | Cases
    channels: list[str]
    classes: np.ndarray
    mode: str
    normalizer: Normalizer
    window: int | None = None
    stride: int | None = None
    fold: int | None = None  # under cross-validation, the fold (see prepare_folds)
    fold_name: str = ""

    def get(self, split: str) -> Windows | Cases:
        return {"train": self.train, "val": self.val, "test": self.test}[split]

    def merged(self) -> DataSplits:
        """Train and val as one training split, in source order, with the normalisation
        refitted on it and no validation split: what a model that chooses nothing on
        validation is fitted on. The test split is the same."""
        train = join(self.train, self.val)
        empty = self.val.subset(np.zeros(0, dtype=np.int64))
        normalizer = Normalizer(self.normalizer.method).fit(train)
        return replace(self, train=train, val=empty, normalizer=normalizer)

    def arrays(
        self, split: str, *, lazy: bool = False
    ) -> tuple[np.ndarray | list[np.ndarray] | WindowArray, np.ndarray]:
        """Normalised ``(X, y)`` of one split; ``X`` is ``(n_cases, n_channels,
        n_timepoints)`` or, for unequal-length cases, a list of ``(n_channels,
        n_timepoints_i)`` arrays.

        ``lazy=True`` gives windows as a :class:`WindowArray`: every model takes it, and
        windows are copied (and normalised) only a batch at a time. Cases are in memory
        already and come as arrays either way.
        """
        part = self.get(split)
        if isinstance(part, Windows):
            if lazy:
                return WindowArray(part, self.normalizer.transform), part.y
            return self.normalizer.transform(part.to_numpy()), part.y
        return self.normalizer.transform(part.X), part.y

    def windows_table(self) -> pd.DataFrame:
        """One row per window or case: ``recording, [<split-by column>,] start_row,
        end_row, split, label[, fold]``."""
        frames = []
        for split in SPLITS:
            part = self.get(split)
            if isinstance(part, Windows):
                df = part.provenance()
            else:
                # cases of a given test split are numbered in their own file: keep ids apart
                ids = part.index
                if self.mode == "given":
                    ids = [f"{'test' if split == 'test' else 'train'}/{i}" for i in ids]
                df = pd.DataFrame(
                    {
                        "recording": ids,
                        "start_row": 0,
                        "end_row": part.lengths,
                        "label": part.y,
                    }
                )
            df.insert(df.columns.get_loc("end_row") + 1, "split", split)
            if self.fold is not None:
                df["fold"] = self.fold
            frames.append(df)
        return pd.concat(frames, ignore_index=True)

    def summary(self) -> pd.DataFrame:
        """Windows (or cases) per class and split."""
        table = self.windows_table()
        counts = pd.crosstab(table["label"], table["split"]).reindex(columns=list(SPLITS))
        return counts.fillna(0).astype(int)


def join(first: Windows | Cases, second: Windows | Cases) -> Windows | Cases:
    """Two parts of one data set as one, in the order of the source: windows of the same
    recordings by their first row, cases by their position in the file."""
    if isinstance(first, Windows):
        starts = np.concatenate([first.starts, second.starts])
        order = np.argsort(starts, kind="stable")
        y = np.concatenate([first.y, second.y])[order]
        return Windows(first.recordings, starts[order], first.window, y)
    order = np.argsort(np.concatenate([first.index, second.index]), kind="stable")
    if first.equal_length and second.equal_length and first.X.shape[1:] == second.X.shape[1:]:
        X = np.concatenate([first.X, second.X])[order]
    else:
        both = [*first.X, *second.X]
        X = [both[i] for i in order]
    return Cases(
        X=X,
        y=np.concatenate([first.y, second.y])[order],
        channels=first.channels,
        index=np.concatenate([first.index, second.index])[order],
    )


def prepare_splits(
    source: str | Path | Recordings | CaseDataset,
    *,
    test: str | Path | None = None,
    label: str | None = None,
    time: str | None = None,
    channels: list[str] | None = None,
    group: str | None = None,
    split_by: str | None = None,
    nan: NanPolicy = "error",
    window: int = 50,
    stride: int = 10,
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
    seed: int = 0,
    label_rule: LabelRule = "drop",
    strategy: Strategy = "auto",
    normalise: Method = "zscore",
    cv: CV | None = None,
    fold: int = 0,
) -> DataSplits:
    """Load, window, split leak-free, and fit normalisation on the training split.

    ``window`` and ``stride`` apply to recordings; ready-made cases are used whole. With
    ``split_by``, whole values of that column (subjects, machines) are dealt to the splits.
    With ``cv`` (a number of folds or ``"loo"``), the splits of fold ``fold``: see
    :func:`prepare_folds`.
    """
    if cv is not None:
        return prepare_folds(
            source, test=test, label=label, time=time, channels=channels, group=group,
            split_by=split_by, nan=nan, window=window, stride=stride, fractions=fractions,
            seed=seed, label_rule=label_rule, normalise=normalise, cv=cv, folds=[fold],
        )[0]  # fmt: skip
    data = _load(source, test, label, time, channels, group, split_by, nan)
    if isinstance(data, CaseDataset):
        train, val, test_part = split_cases(data, fractions, seed=seed)
        mode = "given" if data.test is not None else "cases"
        return _finish(data.name, train, val, test_part, train.channels, mode, normalise)
    if data.split_groups is not None:
        plan = split_by_groups(
            data, window, stride, fractions, seed=seed, label_rule=label_rule
        )  # fmt: skip
    else:
        plan = plan_split(
            data, window, stride, fractions, seed=seed, strategy=strategy, label_rule=label_rule
        )
    return _from_plan(data, plan, window, stride, label_rule, normalise)


def prepare_folds(
    source: str | Path | Recordings | CaseDataset,
    *,
    cv: CV,
    folds: Sequence[int] | None = None,
    test: str | Path | None = None,
    label: str | None = None,
    time: str | None = None,
    channels: list[str] | None = None,
    group: str | None = None,
    split_by: str | None = None,
    nan: NanPolicy = "error",
    window: int = 50,
    stride: int = 10,
    fractions: Sequence[float] = (0.8, 0.1, 0.1),
    seed: int = 0,
    label_rule: LabelRule = "drop",
    strategy: Strategy = "auto",
    normalise: Method = "zscore",
) -> list[DataSplits]:
    """The splits of each fold of grouped cross-validation (or of the ``folds`` listed).

    Each fold tests on its own split-groups (or recordings, or blocks), carves validation
    from the other groups by ``fractions``' train and val shares, and fits normalisation
    on its training rows only. The same seed gives the same folds. ``strategy`` is not used
    (folds choose their units themselves); it is taken so one set of options serves both.
    """
    cv = check_cv(cv)
    data = _load(source, test, label, time, channels, group, split_by, nan)
    if isinstance(data, CaseDataset):
        reason = (
            "it ships its own test split, which cross-validation would ignore"
            if data.test is not None
            else "its cases carry no groups"
        )
        raise DataError(
            f"--cv is for tables with groups: {data.name} cannot be cross-validated, as "
            f"{reason}; drop --cv (the split is --split)"
        )
    plans = plan_folds(data, window, stride, cv, fractions, seed=seed, label_rule=label_rule)
    chosen = range(len(plans)) if folds is None else folds
    out = []
    for k in chosen:
        if not 0 <= k < len(plans):
            raise DataError(f"fold {k}: the data gives {len(plans)} folds (0-{len(plans) - 1})")
        splits = _from_plan(data, plans[k], window, stride, label_rule, normalise)
        out.append(replace(splits, fold=k, fold_name=plans[k].name))
    return out


def _load(source, test, label, time, channels, group, split_by, nan) -> Recordings | CaseDataset:
    if isinstance(source, Recordings | CaseDataset):
        return source
    data = load_data(
        source, test=test, label=label, time=time, channels=channels, group=group, nan=nan,
        split_by=split_by,
    )  # fmt: skip
    if isinstance(data, Recordings):  # time has cut the recordings; nothing here reads it
        data.time = None  # loaded here, so no one else holds it
    return data


def _from_plan(
    data: Recordings, plan: SplitPlan, window: int, stride: int, label_rule, normalise
) -> DataSplits:
    parts = plan.windows(data, window, stride, label_rule)
    return _finish(
        Path(data.source).name, parts["train"], parts["val"], parts["test"], data.channels,
        plan.mode, normalise, window, stride,
    )  # fmt: skip


def _finish(
    name, train, val, test, channels, mode, normalise, window=None, stride=None
) -> DataSplits:
    normalizer = Normalizer(normalise).fit(train)
    classes = np.unique(np.concatenate([train.y, val.y, test.y]))
    splits = DataSplits(
        name=name,
        train=train,
        val=val,
        test=test,
        channels=channels,
        classes=classes,
        mode=mode,
        normalizer=normalizer,
        window=window,
        stride=stride,
    )
    release_unused_memory()  # what windowing and splitting freed, back to the system
    sizes = f"{len(train)}/{len(val)}/{len(test)}"
    logger.info("%s: %s train/val/test (%s split)", name, sizes, mode)
    return splits
