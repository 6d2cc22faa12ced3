"""Choosing defaults on validation splits only: candidate settings of one model across the
development suite, scored on data carved out of each training split.

Run from the repository root::

    .venv/bin/python benchmarks/tune_defaults.py --model cnn_1d \\
        --candidate raw:inputs=raw --candidate diff:inputs=diff --seeds 0,1,2 --jobs 2
    .venv/bin/python benchmarks/tune_defaults.py --model hybrid_attention --report-only

The development suite is aeon's eight bundled datasets and the study's sample recording.
For every dataset, seed and candidate, the candidate is fitted on a training split and
scored on a validation split carved out of the data a user would train on; **no test case
or test window is ever loaded into a model or scored**, so a default chosen here is not
chosen on any figure the benchmarks report:

* bundled datasets: their published train split only, a third of it carved out as
  validation, stratified, a new carve per seed (``prepare_splits(name, fractions=(0.6, 0.3,
  0.1), seed=seed)``; the published test split is never touched);
* the study recording: windows of 50 rows every 10, the leak-free block split with 20 % of
  the rows as validation (``fractions=(0.7, 0.2, 0.1)``), a new split per seed; its test
  blocks are never touched.

A candidate is ``NAME:PARAM=VALUE,PARAM=VALUE`` (values read as YAML) on top of the model's
defaults; the model is fitted without validation data (it chooses nothing on it). Rows are
appended to ``<out-dir>/<model>.csv`` (or ``<name>.csv``) as each cell finishes;
``--resume`` skips cells already there. The markdown gives mean validation accuracy per
dataset and candidate, the mean over datasets and each candidate's mean rank (1 = best);
``--report-only`` with ``--seeds``, ``--candidates`` and ``--report-name`` writes a table of
those cells alone (a like-for-like table where candidates ran on different seeds).
Each worker process runs one torch thread.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "data" / "dataset_sample.csv"
STUDY = "study_sample"
SUITE = [
    "ArrowHead",
    "BasicMotions",
    "GunPoint",
    "ItalyPowerDemand",
    "JapaneseVowels",
    "PickupGestureWiimoteZ",
    STUDY,
    "OSULeaf",
    "ACSF1",
]
INNER_SHARE = 1 / 9
COLUMNS = ["dataset", "model", "candidate", "seed", "val_accuracy", "fit_seconds", "epochs",
           "n_fit", "n_val", "params", "inputs"]  # fmt: skip


def parse_candidate(text: str) -> tuple[str, dict]:
    """``NAME:P=V,P=V``; a value may be a YAML list or mapping with commas of its own
    (``members=[multirocket_hydra, quant]``)."""
    name, _, assignments = text.partition(":")
    params = {}
    for item in filter(None, _split_top_level(assignments)):
        key, _, value = item.partition("=")
        params[key.strip()] = yaml.safe_load(value)
    return name, params


def _split_top_level(text: str) -> list[str]:
    """``text`` split at the commas outside brackets and braces."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char in "[{") - (char in "]}")
        if char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]


def tuning_splits(dataset: str, seed: int, inner: bool = False):
    """Fit, inner validation (None unless ``inner``) and scoring data of one dataset; the
    test part of a bundled dataset is never returned."""
    from tszoo.data import prepare_splits

    if dataset == STUDY and inner:  # blocks: fit 60 %, the model's validation 10 %, score 30 %
        splits = prepare_splits(SAMPLE, window=50, stride=10, fractions=(0.6, 0.1, 0.3), seed=seed)
        parts = [splits.arrays(s, lazy=True) for s in ("train", "val", "test")]
        return parts[0], parts[1], parts[2]
    if dataset == STUDY:
        splits = prepare_splits(SAMPLE, window=50, stride=10, fractions=(0.7, 0.2, 0.1), seed=seed)
    else:
        splits = prepare_splits(dataset, fractions=(0.6, 0.3, 0.1), seed=seed)
    fit, score = splits.arrays("train", lazy=True), splits.arrays("val", lazy=True)
    if not inner:
        return fit, None, score
    from sklearn.model_selection import StratifiedShuffleSplit

    # the model's own validation: a ninth of the fit cases, as compare carves 10 % of 90 %
    X, y = fit
    size = max(len(np.unique(y)), round(INNER_SHARE * len(y)))  # one case per class at least
    carve = StratifiedShuffleSplit(n_splits=1, test_size=size, random_state=seed)
    keep, val = next(carve.split(np.zeros(len(y)), y))
    take = (lambda idx: [X[i] for i in idx]) if isinstance(X, list) else (lambda idx: X[idx])
    return (take(keep), y[keep]), (take(val), y[val]), score


def run_cell(
    model: str, candidate: str, params: dict, dataset: str, seed: int, inner: bool = False
) -> dict:
    import torch

    from tszoo.models import make_model

    torch.set_num_threads(1)
    (X, y), validation, (X_val, y_val) = tuning_splits(dataset, seed, inner)
    estimator = make_model(model, **{**params, "random_state": seed})
    start = time.perf_counter()
    estimator.fit(X, y, validation_data=validation)
    seconds = time.perf_counter() - start
    accuracy = float(np.mean(estimator.predict(X_val) == y_val))
    history = getattr(estimator, "history_", None)
    return {
        "dataset": dataset,
        "model": model,
        "candidate": candidate,
        "seed": seed,
        "val_accuracy": accuracy,
        "fit_seconds": round(seconds, 2),
        "epochs": len(history) if history is not None else "",
        "n_fit": getattr(estimator, "n_fit_", len(y)),
        "n_val": len(y_val),
        "params": yaml.safe_dump(params, default_flow_style=True).strip(),
        "inputs": getattr(estimator, "inputs_", ""),  # a deep model's chosen input
    }


def report(results: pd.DataFrame, model: str) -> str:
    table = results.pivot_table(
        index="dataset", columns="candidate", values="val_accuracy", aggfunc="mean"
    )
    table = table.reindex([d for d in SUITE if d in table.index])
    seconds = results.pivot_table(index="candidate", values="fit_seconds", aggfunc="mean")
    ranks = table.rank(axis=1, ascending=False).mean()
    seeds = sorted(results.seed.unique().tolist())
    cands = list(table.columns)
    lines = [
        f"# Choosing {model}'s defaults on validation splits",
        "",
        "`.venv/bin/python " + shlex.join(["benchmarks/tune_defaults.py", *sys.argv[1:]]) + "`",
        "",
        f"Mean validation accuracy over seeds {seeds} (validation carved from training data; "
        "no test split is loaded). See the script's docstring for the protocol. Machine: "
        f"{platform.platform()}, {os.cpu_count()} CPUs, one torch thread per cell.",
        "",
        "| dataset | " + " | ".join(cands) + " |",
        "|---" * (len(cands) + 1) + "|",
    ]
    for dataset, row in table.iterrows():
        best = row.max()
        cells = [f"**{v:.3f}**" if v == best else f"{v:.3f}" for v in row]
        lines.append(f"| {dataset} | " + " | ".join(cells) + " |")
    complete = table.dropna()
    lines += [
        f"| mean over the {len(complete)} datasets every candidate ran on | "
        + " | ".join(f"{complete[c].mean():.3f}" for c in cands)
        + " |",
        "| mean rank (1 = best) | " + " | ".join(f"{ranks[c]:.2f}" for c in cands) + " |",
        "| mean fit s | "
        + " | ".join(f"{seconds.loc[c, 'fit_seconds']:.1f}" for c in cands)
        + " |",
        "",
        "Candidates:",
        "",
    ]
    for cand, params in results.groupby("candidate").params.first().items():
        lines.append(f"- `{cand}`: {params}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--candidate", action="append", default=[], metavar="NAME:P=V,...")
    parser.add_argument("--datasets", default=",".join(SUITE))
    parser.add_argument("--seeds", help="seeds to run (default 0,1,2); with --report-only, "
                        "the seeds to report (default all)")  # fmt: skip
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--resume", action="store_true", help="skip cells already in the CSV")
    parser.add_argument("--report-only", action="store_true", help="rewrite the markdown only")
    parser.add_argument(
        "--inner-val",
        action="store_true",
        help="also give the model a validation split carved from its fit data, as compare does",
    )
    parser.add_argument("--name", help="file name stem of the results (default: the model)")
    parser.add_argument("--candidates", help="with --report-only: the candidates to report, "
                        "comma-separated (default all)")  # fmt: skip
    parser.add_argument("--report-name", help="file name stem of the markdown (default: --name)")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "benchmarks" / "results" / "tuning")
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = args.name or args.model
    csv_path = args.out_dir / f"{stem}.csv"
    if not args.report_only:
        candidates = dict(parse_candidate(c) for c in args.candidate) or {"defaults": {}}
        done = set()
        if csv_path.exists() and args.resume:
            old = pd.read_csv(csv_path)
            done = set(zip(old.dataset, old.candidate, old.seed, strict=True))
        elif csv_path.exists():
            csv_path.unlink()
        todo = [
            (cand, params, dataset, int(seed))
            for dataset in args.datasets.split(",")
            for seed in (args.seeds or "0,1,2").split(",")
            for cand, params in candidates.items()
            if (dataset, cand, int(seed)) not in done
        ]
        from joblib import Parallel, delayed

        cells = Parallel(n_jobs=args.jobs, return_as="generator_unordered")(
            delayed(run_cell)(args.model, *cell, args.inner_val) for cell in todo
        )
        # a CSV from before a column was added keeps its own columns
        columns = list(pd.read_csv(csv_path, nrows=0).columns) if csv_path.exists() else COLUMNS
        for row in cells:
            pd.DataFrame([row], columns=columns).to_csv(
                csv_path, mode="a", header=not csv_path.exists(), index=False
            )
            print(
                f"{row['dataset']:22s} seed {row['seed']} {row['candidate']:14s} "
                f"val {row['val_accuracy']:.3f} fit {row['fit_seconds']:.1f}s",
                flush=True,
            )
    results = pd.read_csv(csv_path)
    if args.report_only and args.seeds:  # a like-for-like table where candidates ran apart
        results = results[results.seed.isin([int(s) for s in args.seeds.split(",")])]
    if args.report_only and args.candidates:
        results = results[results.candidate.isin(args.candidates.split(","))]
    text = report(results, args.model)
    (args.out_dir / f"{args.report_name or stem}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
