"""Benchmark: the study's protocol on its sample recording, for every registered model.

Run from the repository root::

    .venv/bin/python benchmarks/study_table.py                 # all models, seeds 0-4
    .venv/bin/python benchmarks/study_table.py --models svm,cnn_1d --seeds 2
    .venv/bin/python benchmarks/study_table.py --set inception_time.n_ensemble=1
    .venv/bin/python benchmarks/study_table.py --config configs/experiments/study_sample.yaml \
        --name study_settings          # the study's own training settings

A ``--config`` file contributes its ``models`` and ``params`` (tszoo's YAML config format);
the protocol below stays fixed. ``--set`` wins over the file.

Protocol: ``../shared/data/dataset_sample.csv``, windows of 50 rows every 10 rows, a
leak-free 80/10/10 split (no raw row in two splits) drawn with each seed, z-scored with
training statistics; each model runs as a ``tszoo compare`` cell (``fit_and_score``,
``random_state=seed``): a model that chooses something on validation (the deep models'
input, by default) is fitted on train and chooses on val, every other model is fitted on
train and val together, and each is scored on test once. Fit time excludes one untimed
warm-up fit on tiny data (numba compilation in aeon). Writes ``study_table.md`` and
``study_table.csv`` (one row per model x seed) under ``benchmarks/results/``; ``--join``
writes them from the CSVs of runs made side by side instead.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from tszoo.config import load_config
from tszoo.data import prepare_splits
from tszoo.evaluation import fit_and_score
from tszoo.models import make_model, model_names

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "data" / "dataset_sample.csv"
# The study's single-seed test accuracies on the same recording (77 test windows).
STUDY = {
    "hybrid_attention": 0.8701,
    "hybrid_cnn_lstm": 0.8312,
    "random_forest": 0.7403,
    "svm": 0.5455,
    "cnn_1d": 0.5065,
}
TARGETS = {
    "random_forest": 0.99,
    "svm": 0.99,
    "hybrid_attention": 0.95,
    "hybrid_cnn_lstm": 0.90,
    "cnn_1d": 0.90,
    "inception_time": 0.90,
    "resnet": 0.90,
    "lite_time": 0.90,
}


COLUMNS = ["model", "seed", "accuracy", "precision_macro", "recall_macro", "f1_macro",
           "fit_seconds", "n_train", "n_val", "n_test", "n_fit", "epochs"]  # fmt: skip


def warm_up(name: str) -> None:
    """Fit once on tiny data so compilation is not counted as fit time."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((8, 2, 50)).astype(np.float32)
    y = np.array([0, 1] * 4)
    make_model(name, **{**_quick(name), "random_state": 0}).fit(X, y, validation_data=(X, y))


def _quick(name: str) -> dict:
    from tszoo.models.registry import get_model_class

    return get_model_class(name)._get_test_params()


def parse_overrides(items: list[str]) -> dict[str, dict]:
    """``["model.param=value", ...]`` -> ``{model: {param: value}}`` (values read as YAML)."""
    import yaml

    out: dict[str, dict] = {}
    for item in items:
        key, _, value = item.partition("=")
        model, _, param = key.partition(".")
        out.setdefault(model, {})[param] = yaml.safe_load(value)
    return out


COMMAND = " ".join(["benchmarks/study_table.py", *sys.argv[1:]])


def run(models: list[str], seeds: list[int], overrides: dict[str, dict]) -> pd.DataFrame:
    rows = []
    for name in models:
        warm_up(name)
    for seed in seeds:
        splits = prepare_splits(SAMPLE, window=50, stride=10, fractions=(0.8, 0.1, 0.1), seed=seed)
        for name in models:  # as a tszoo compare cell
            row = fit_and_score(name, overrides.get(name, {}), splits, seed).row
            rows.append({**{k: row[k] for k in COLUMNS}, "command": COMMAND})
            print(f"seed {seed} {name:18s} acc {row['accuracy']:.3f} fit {row['fit_seconds']:.1f}s")
    return pd.DataFrame(rows)


def summarise(results: pd.DataFrame) -> str:
    def pm(values: pd.Series, digits: int = 3) -> str:
        return f"{values.mean():.{digits}f} ± {values.std(ddof=0):.{digits}f}"

    lines = [
        "| model | accuracy | precision | recall | F1 | fit s | study (1 seed) | target |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, group in results.groupby("model", sort=False):
        target = TARGETS.get(name)
        verdict = ""
        if target is not None:
            verdict = f"≥ {target:.2f} " + ("✓" if group.accuracy.mean() >= target else "✗")
        study = f"{STUDY[name]:.3f}" if name in STUDY else ""
        lines.append(
            f"| {name} | {pm(group.accuracy)} | {pm(group.precision_macro)} | "
            f"{pm(group.recall_macro)} | {pm(group.f1_macro)} | {pm(group.fit_seconds, 2)} | "
            f"{study} | {verdict} |"
        )
    seeds = sorted(results.seed.unique().tolist())
    n = results.iloc[0]
    machine = f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
    commands = results["command"].unique() if "command" in results else [COMMAND]
    return (
        "# The study's protocol on its sample recording\n\n"
        + "".join(f"`.venv/bin/python {command}`  \n" for command in commands)
        + "\n"
        f"Window 50, stride 10, leak-free 80/10/10 split, seeds {seeds} "
        f"({n.n_train}/{n.n_val}/{n.n_test} train/val/test windows at seed {seeds[0]}); "
        f"mean ± std over seeds; {machine}.\n\n" + "\n".join(lines) + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", help="comma-separated; default the config's, else all")
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--name", default="study_table", help="stem of the .md/.csv files")
    parser.add_argument("--config", type=Path, help="tszoo YAML config: models and params")
    parser.add_argument(
        "--set", action="append", default=[], metavar="MODEL.PARAM=VALUE", help="override"
    )
    parser.add_argument(
        "--join",
        nargs="+",
        type=Path,
        metavar="CSV",
        help="fit nothing: join the CSVs of runs made side by side (e.g. --models split "
        "between two processes) and write the table from them",
    )
    args = parser.parse_args()
    if args.join:
        results = pd.concat([pd.read_csv(path) for path in args.join], ignore_index=True)
        order = {name: i for i, name in enumerate(model_names())}  # the registry's order
        results = results.sort_values("model", key=lambda m: m.map(order), kind="stable")
        write(results, args.out_dir, args.name)
        return
    config = load_config(args.config) if args.config else None
    overrides = dict(config.params) if config else {}
    for model, params in parse_overrides(args.set).items():
        overrides[model] = {**overrides.get(model, {}), **params}
    models = args.models.split(",") if args.models else None
    models = models or (config.models if config else None) or model_names()
    write(run(models, list(range(args.seeds)), overrides), args.out_dir, args.name)


def write(results: pd.DataFrame, out_dir: Path, name: str) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    results.to_csv(out_dir / f"{name}.csv", index=False)
    table = summarise(results)
    (out_dir / f"{name}.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
