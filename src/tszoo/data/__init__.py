"""From raw recordings to leak-free, normalised window splits.

The pipeline is ``load -> make_windows -> split -> Normalizer``; :func:`prepare_splits`
runs all of it.
"""

from tszoo.data.catalogue import BUNDLED_DATASETS, load_bundled
from tszoo.data.containers import Cases, Recordings
from tszoo.data.groups import plan_folds, split_by_groups
from tszoo.data.loading import load_data
from tszoo.data.pipeline import DataSplits, prepare_splits
from tszoo.data.preprocessing import Normalizer
from tszoo.data.splits import SplitPlan, plan_split, split_cases
from tszoo.data.tables import load_table
from tszoo.data.ts import load_ts
from tszoo.data.windows import WindowArray, Windows, make_windows, sliding_windows

__all__ = [
    "BUNDLED_DATASETS",
    "Cases",
    "DataSplits",
    "Normalizer",
    "Recordings",
    "SplitPlan",
    "WindowArray",
    "Windows",
    "load_bundled",
    "load_data",
    "load_table",
    "load_ts",
    "make_windows",
    "plan_folds",
    "plan_split",
    "prepare_splits",
    "sliding_windows",
    "split_by_groups",
    "split_cases",
]
