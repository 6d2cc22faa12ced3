"""Published reference accuracies: the bake-off redux (Middlehurst, Schäfer & Bagnall 2024,
"Bake off redux: a review and experimental evaluation of recent time series classification
algorithms", DMKD), read offline from the result files that ship inside the ``tsml-eval``
0.6.0 wheel.

The wheel is fetched once with ``pip download --no-deps tsml-eval==0.6.0`` into
``~/.cache/tszoo-benchmarks`` (tszoo does not depend on tsml-eval, and nothing of it is
installed or imported). Its files ``tsml_eval/publications/2023/tsc_bakeoff/results/<family>/
<classifier>_accuracy.csv`` have one row per dataset and one column per resample; resample
0 is the dataset's default train/test split, the one the benchmarks here score. The files
hold the 112 univariate equal-length UCR datasets only.
"""

from __future__ import annotations

import functools
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd

WHEEL = "tsml_eval-0.6.0-py3-none-any.whl"
CACHE = Path.home() / ".cache" / "tszoo-benchmarks"
RESULTS = "tsml_eval/publications/2023/tsc_bakeoff/results/"
# Column names used in tszoo's tables -> the bake-off's classifier names.
NAMES = {
    "CNN": "CNN",
    "ResNet": "ResNet",
    "InceptionTime": "InceptionTime",
    "LITETime": "LITETime",
    "H-InceptionTime": "H-InceptionTime",
    "QUANT": "QUANT",
    "HC2": "HC2",
    "MR-Hydra": "MR-Hydra",
    "MiniROCKET": "MiniROCKET",
}


def wheel_path() -> Path:
    """The tsml-eval wheel, downloaded on first use."""
    path = CACHE / WHEEL
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        subprocess.run([*cmd, "tsml-eval==0.6.0", "-d", str(CACHE)], check=True)
    return path


@functools.cache
def resamples(label: str) -> pd.DataFrame:
    """One classifier's accuracy (a name in :data:`NAMES`), datasets x resamples."""
    with zipfile.ZipFile(wheel_path()) as wheel:
        files = {Path(n).name: n for n in wheel.namelist() if n.startswith(RESULTS)}
        with wheel.open(files[f"{NAMES[label]}_accuracy.csv"]) as handle:
            return pd.read_csv(io.TextIOWrapper(handle), index_col=0)


@functools.cache
def published_table() -> pd.DataFrame:
    """Default-split (resample 0) accuracy, datasets x classifiers (the names in
    :data:`NAMES`)."""
    return pd.DataFrame({label: resamples(label).iloc[:, 0] for label in NAMES})


def published(dataset: str, classifier: str) -> float | None:
    """One default-split accuracy, or None where the bake-off has no such result."""
    table = published_table()
    if dataset not in table.index or pd.isna(table.loc[dataset, classifier]):
        return None
    return float(table.loc[dataset, classifier])


def spread_report(datasets: list[str], labels: list[str]) -> str:
    """Markdown: each classifier's default-split figure beside the mean, standard deviation
    and range of its 30 resamples, so a target read off the default split can be weighed
    against how much the same classifier moves from one split to the next."""
    lines = [
        "# How much the published figures move between resamples",
        "",
        "`python benchmarks/published.py` (bake-off redux results in the tsml-eval 0.6.0 "
        "wheel). Resample 0 is the default train/test split, the one tszoo's benchmark "
        "scores; resamples 1-29 redraw train and test from the same cases.",
        "",
        "| classifier | dataset | default split | mean (resamples) | sd | min-max |",
        "|---|---|---|---|---|---|",
    ]
    for label in labels:
        table = resamples(label)
        for dataset in datasets:
            row = table.loc[dataset].dropna()
            lines.append(
                f"| {label} | {dataset} | {row.iloc[0]:.3f} | {row.mean():.3f} "
                f"({len(row)}) | {row.std():.3f} | {row.min():.3f}-{row.max():.3f} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    UNIVARIATE = ["ACSF1", "ArrowHead", "GunPoint", "ItalyPowerDemand", "OSULeaf"]
    text = spread_report(UNIVARIATE, ["CNN", "ResNet", "InceptionTime", "LITETime", "QUANT"])
    out = Path(__file__).resolve().parent / "results" / "published_spread.md"
    out.write_text(text)
    print(text)
