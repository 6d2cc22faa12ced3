"""Benchmark: tszoo's ensemble beside its members and aeon's HIVE-COTE 2, same splits.

Run from the repository root::

    .venv/bin/python benchmarks/ensemble.py                        # ~20 minutes on 2 cores
    .venv/bin/python benchmarks/ensemble.py --hc2 GunPoint --datasets GunPoint,ArrowHead
    .venv/bin/python benchmarks/ensemble.py --seeds 0,1,2,3,4      # tszoo's models, 5 seeds

Protocol: aeon's eight bundled datasets on their default train/test splits and the study
recording under the leak-free 80/10/10 split (windows of 50 rows every 10, a new split per
seed, as in ``study_table.py``); every tszoo model runs with each of ``--seeds`` (default 0)
and its accuracy and fit time are the means over them. Each tszoo
model runs as a ``tszoo compare`` cell (``fit_and_score``): the ensemble fits its members on
the training split, weighs them on the validation split carved from it and refits them on
both; the members alone train on train and validation together; each is scored on the test
split once. aeon's ``HIVECOTEV2`` (default settings, ``random_state=0``, one thread) is
fitted on the same training cases (train and validation) of seed 0 on the datasets named by
``--hc2`` (its fit takes minutes a dataset; the rest would not fit the benchmark's time);
published HC2 and MultiRocket-Hydra default-split figures come from the bake-off redux
files (``published.py``; univariate sets only). Fit times exclude one untimed warm-up fit
per model on tiny data (numba compilation). Writes ``ensemble.{md,csv}`` under
``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from published import published  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "data" / "dataset_sample.csv"
DATASETS = (
    "ArrowHead", "BasicMotions", "GunPoint", "ItalyPowerDemand", "JapaneseVowels",
    "PickupGestureWiimoteZ", "OSULeaf", "ACSF1", "study_sample",
)  # fmt: skip
HC2_DEFAULT = "ArrowHead,BasicMotions,GunPoint,ItalyPowerDemand"


def splits_of(dataset: str, seed: int = 0):
    from tszoo.data import prepare_splits

    if dataset == "study_sample":
        return prepare_splits(SAMPLE, window=50, stride=10, fractions=(0.8, 0.1, 0.1), seed=seed)
    return prepare_splits(dataset, seed=seed)


def warm_up(models: list[str]) -> None:
    """One untimed fit of every model on tiny data: numba compiles its kernels once."""
    from tszoo.evaluation import fit_and_score

    tiny = splits_of("GunPoint")
    for model in models:
        fit_and_score(model, {}, tiny, 0)


def hc2_cell(dataset: str, splits) -> dict:
    from aeon.classification.hybrid import HIVECOTEV2

    merged = splits.merged()
    X, y = merged.arrays("train")
    X_test, y_test = merged.arrays("test")
    as64 = (lambda a: [np.asarray(x, np.float64) for x in a]) if isinstance(X, list) else (
        lambda a: np.asarray(a, np.float64)
    )  # fmt: skip
    model = HIVECOTEV2(random_state=0, n_jobs=1)
    start = time.perf_counter()
    model.fit(as64(X), y)
    seconds = time.perf_counter() - start
    accuracy = float(np.mean(model.predict(as64(X_test)) == y_test))
    return {"dataset": dataset, "model": "HC2 (aeon)", "accuracy": accuracy,
            "fit_seconds": round(seconds, 2)}  # fmt: skip


def main() -> None:
    from tszoo.evaluation import fit_and_score
    from tszoo.models.ensemble import DEFAULT_MEMBERS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--hc2", default=HC2_DEFAULT, help="datasets to fit aeon's HC2 on")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds of tszoo's models")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    models = ["ensemble", *DEFAULT_MEMBERS]
    seeds = [int(s) for s in args.seeds.split(",")]
    warm_up(models)
    rows = []
    for dataset in args.datasets.split(","):
        for seed in seeds:
            splits = splits_of(dataset, seed)
            for model in models:
                result = fit_and_score(model, {}, splits, seed)
                row = result.row
                rows.append(
                    {"dataset": dataset, "model": model, "seed": seed,
                     "accuracy": row["accuracy"], "fit_seconds": row["fit_seconds"]}
                )  # fmt: skip
                if model == "ensemble":
                    weights = result.model.member_weights()
                    rows[-1]["weights"] = " ".join(f"{k}={v:.2f}" for k, v in weights.items())
                print(rows[-1], flush=True)
        if dataset in args.hc2.split(","):
            rows.append({**hc2_cell(dataset, splits_of(dataset, 0)), "seed": 0})
            print(rows[-1], flush=True)
    cells = pd.DataFrame(rows)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    cells.to_csv(args.out_dir / "ensemble.csv", index=False)
    text = report(cells, models, seeds)
    (args.out_dir / "ensemble.md").write_text(text, encoding="utf-8")
    print(text)


def report(cells: pd.DataFrame, models: list[str], seeds: list[int]) -> str:
    acc = cells.pivot_table(index="dataset", columns="model", values="accuracy", sort=False)
    fit = cells.pivot_table(index="dataset", columns="model", values="fit_seconds", sort=False)
    columns = [*models, *(["HC2 (aeon)"] if "HC2 (aeon)" in acc else [])]
    pub = {d: (published(d, "HC2"), published(d, "MR-Hydra")) for d in acc.index}
    lines = [
        "| dataset | " + " | ".join(columns) + " | published HC2 | published MR-Hydra | "
        "ensemble weights |",
        "|---" * (len(columns) + 4) + "|",
    ]
    # the weights of the first seed's ensemble (they move little between seeds)
    first = cells[(cells.model == "ensemble") & (cells.seed == seeds[0])]
    weights = first.set_index("dataset")["weights"]
    for dataset, row in acc.iterrows():
        cells_ = [f"{row[c]:.3f}" if row[c] == row[c] else "" for c in columns]
        hc2, mrh = pub[dataset]
        extra = [f"{hc2:.3f}" if hc2 is not None else "", f"{mrh:.3f}" if mrh is not None else ""]
        lines.append(f"| {dataset} | " + " | ".join(cells_ + extra) + f" | {weights[dataset]} |")
    lines.append(
        f"| mean over the {len(acc)} datasets | "
        + " | ".join(f"{acc[c].mean():.3f}" if c in models else "" for c in columns)
        + " | | | |"
    )
    uni = [d for d in acc.index if pub[d][0] is not None]
    lines += [
        "",
        f"On the {len(uni)} univariate sets with published figures ({', '.join(uni)}): "
        f"ensemble {acc.loc[uni, 'ensemble'].mean():.3f}, best member "
        f"{max(acc.loc[uni, m].mean() for m in models[1:]):.3f}, published HC2 "
        f"{np.mean([pub[d][0] for d in uni]):.3f}.",
    ]
    if "HC2 (aeon)" in acc:
        ran = [d for d in acc.index if acc.loc[d, "HC2 (aeon)"] == acc.loc[d, "HC2 (aeon)"]]
        ens, hc2 = fit.loc[ran, "ensemble"].sum(), fit.loc[ran, "HC2 (aeon)"].sum()
        lines.append(
            f"On the {len(ran)} sets HC2 ran on here ({', '.join(ran)}): fit seconds ensemble "
            f"{ens:.1f}, HC2 {hc2:.1f} (ratio {ens / hc2:.3f}); accuracy ensemble "
            f"{acc.loc[ran, 'ensemble'].mean():.3f}, HC2 {acc.loc[ran, 'HC2 (aeon)'].mean():.3f}."
        )
    fit_means = " / ".join(f"{m} {fit[m].mean():.1f}" for m in columns)
    runs = (
        "One seed (0)"
        if seeds == [0]
        else f"tszoo's models: means over seeds {', '.join(map(str, seeds))} (the weights are "
        f"seed {seeds[0]}'s), HC2: seed 0"
    )
    worst = (acc[models[1:]].max(axis=1) - acc["ensemble"]).sort_values(ascending=False)
    lines += [
        f"Mean fit seconds per dataset: {fit_means}. {runs}; one run, on 2 noisy cores.",
        f"Best member's accuracy minus the ensemble's, largest first: {worst.index[0]} "
        f"{worst.iloc[0]:.3f}"
        + (f", then {worst.index[1]} {worst.iloc[1]:.3f}." if len(worst) > 1 else "."),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
