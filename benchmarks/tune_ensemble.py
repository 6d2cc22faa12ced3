"""Choosing the ensemble's default members on validation splits only.

Run from the repository root::

    .venv/bin/python benchmarks/tune_ensemble.py                 # ~10 minutes on 2 cores
    .venv/bin/python benchmarks/tune_ensemble.py --report-only

The development suite and its validation splits are those of ``benchmarks/tune_defaults.py``
(aeon's eight bundled sets, a third of their published train split carved out as
validation; the study recording's leak-free 70/20/10 split): **no test case is loaded**.
Every candidate member is fitted once per dataset and seed on the training part, with its
defaults, and its probabilities on the validation part are kept. Each subset of the
candidates is then scored as the ensemble would combine it: CAWPE weights (accuracy to the
power ``--exponent``) from one half of the validation cases, accuracy of the weighted mean
of probabilities on the other half, and the other way round (two folds, stratified).

Writes ``benchmarks/results/tuning/ensemble.{csv,md}``: every candidate's validation
accuracy per dataset, and every subset's mean accuracy over the suite, best first.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from tune_defaults import SUITE, tuning_splits  # noqa: E402

CANDIDATES = ("multirocket_hydra", "quant", "minirocket", "random_forest", "svm")
OUT = ROOT / "benchmarks" / "results" / "tuning"


def fit_candidates(dataset: str, seed: int) -> tuple[dict, np.ndarray, dict]:
    """Validation probabilities of every candidate on ``dataset``, the labels (as codes),
    and each candidate's fit seconds."""
    from tszoo.models import make_model

    (X, y), (X_val, y_val) = tuning_splits(dataset, seed)
    classes = np.unique(y)
    probas, seconds = {}, {}
    for name in CANDIDATES:
        model = make_model(name, random_state=seed)
        start = time.perf_counter()
        model.fit(X, y)
        seconds[name] = time.perf_counter() - start
        probas[name] = model.predict_proba(X_val)
        assert list(model.classes_) == list(classes)
        print(f"{dataset} {name}: {np.mean(classes[probas[name].argmax(1)] == y_val):.3f} "
              f"({seconds[name]:.1f} s)", flush=True)  # fmt: skip
    return probas, np.searchsorted(classes, y_val), seconds


def subset_accuracy(probas: dict, codes: np.ndarray, members, exponent: float, seed: int):
    """Two-fold accuracy of the CAWPE-weighted ensemble of ``members`` on the validation
    cases: weights from one fold, accuracy on the other."""
    from sklearn.model_selection import StratifiedKFold

    n_splits = 2 if np.bincount(codes).min() >= 2 else None
    if n_splits is None:  # a class with one validation case: halves by position
        folds = [(np.arange(len(codes)) % 2 == k) for k in range(2)]
        splits = [(np.flatnonzero(~f), np.flatnonzero(f)) for f in folds]
    else:
        cv = StratifiedKFold(n_splits=2, shuffle=True, random_state=seed)
        splits = list(cv.split(np.zeros(len(codes)), codes))
    correct = 0
    for weigh, score in splits:
        weights = np.array(
            [np.mean(probas[m][weigh].argmax(1) == codes[weigh]) ** exponent for m in members]
        )
        weights = weights / weights.sum() if weights.sum() > 0 else np.full(len(members), 1.0)
        mean = sum(w * probas[m][score] for w, m in zip(weights, members, strict=True))
        correct += int(np.sum(mean.argmax(1) == codes[score]))
    return correct / len(codes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2", help="a new validation carve per seed")
    parser.add_argument("--exponent", type=float, default=4.0)
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    args.seeds = [int(s) for s in args.seeds.split(",")]
    store = OUT / "ensemble_probas.npz"
    if not args.report_only:
        saved, seconds = {}, []
        for seed in args.seeds:
            for dataset in SUITE:
                probas, codes, secs = fit_candidates(dataset, seed)
                for name, p in probas.items():
                    saved[f"{seed}|{dataset}|{name}"] = p
                saved[f"{seed}|{dataset}|codes"] = codes
                seconds += [
                    {"seed": seed, "dataset": dataset, "model": m, "fit_seconds": round(s, 2)}
                    for m, s in secs.items()
                ]
        np.savez_compressed(store, **saved)
        pd.DataFrame(seconds).to_csv(OUT / "ensemble_fit_seconds.csv", index=False)
    data = np.load(store)
    rows, singles = [], []
    for seed, dataset in itertools.product(args.seeds, SUITE):
        probas = {m: data[f"{seed}|{dataset}|{m}"] for m in CANDIDATES}
        codes = data[f"{seed}|{dataset}|codes"]
        for m in CANDIDATES:
            accuracy = float(np.mean(probas[m].argmax(1) == codes))
            singles.append({"dataset": dataset, "model": m, "val_accuracy": accuracy})
        for k in range(1, len(CANDIDATES) + 1):
            for members in itertools.combinations(CANDIDATES, k):
                acc = subset_accuracy(probas, codes, members, args.exponent, seed)
                rows.append({"dataset": dataset, "members": "+".join(members), "accuracy": acc})
    subsets = pd.DataFrame(rows)
    subsets.to_csv(OUT / "ensemble.csv", index=False)
    (OUT / "ensemble.md").write_text(report(subsets, pd.DataFrame(singles), args), encoding="utf-8")
    print(report(subsets, pd.DataFrame(singles), args))


def report(subsets: pd.DataFrame, singles: pd.DataFrame, args) -> str:
    table = subsets.pivot_table(index="members", columns="dataset", values="accuracy")
    table = table[[d for d in SUITE if d in table.columns]]
    table["mean"] = table.mean(axis=1)
    table["worst"] = table[[d for d in SUITE if d in table.columns]].min(axis=1)
    table = table.sort_values("mean", ascending=False)
    single = singles.pivot_table(index="model", columns="dataset", values="val_accuracy")
    single = single[[d for d in SUITE if d in single.columns]]
    lines = [
        "# Choosing the ensemble's default members on validation splits",
        "",
        "`.venv/bin/python " + " ".join(["benchmarks/tune_ensemble.py", *sys.argv[1:]]) + "`",
        "",
        f"Seeds {args.seeds} (means over them), CAWPE exponent {args.exponent:g}. Validation "
        "carved from each "
        "training split as in `benchmarks/tune_defaults.py`; no test case is loaded. A "
        "subset's score is two-fold over the validation cases (weights from one half, "
        "accuracy on the other).",
        "",
        "## Each candidate alone (validation accuracy)",
        "",
        "| model | " + " | ".join(single.columns) + " | mean |",
        "|---" * (len(single.columns) + 2) + "|",
    ]
    for model, row in single.iterrows():
        cells = " | ".join(f"{v:.3f}" for v in row)
        lines.append(f"| {model} | {cells} | {row.mean():.3f} |")
    lines += [
        "",
        "## The ten best subsets (mean two-fold validation accuracy over the suite)",
        "",
        "| members | mean | worst dataset |",
        "|---|---|---|",
    ]
    for members, row in table.head(10).iterrows():
        lines.append(f"| {members} | {row['mean']:.3f} | {row['worst']:.3f} |")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
