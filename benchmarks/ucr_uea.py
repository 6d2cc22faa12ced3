"""Benchmark: every tszoo model and aeon's own classifiers on the bundled UCR/UEA datasets.

Run from the repository root::

    .venv/bin/python benchmarks/ucr_uea.py --set inception_time.n_ensemble=1 --resume
    .venv/bin/python benchmarks/ucr_uea.py --datasets GunPoint --models svm,aeon_minirocket
    .venv/bin/python benchmarks/ucr_uea.py --quick          # < 1 minute, to a temporary folder

Protocol: each bundled dataset on its published train/test split; accuracy on the published
test split and fit seconds for every dataset x model x seed (seed 0 unless ``--seeds``).

* **aeon peers** (``aeon_minirocket``, ``aeon_multirocket_hydra``, ``aeon_catch22``) are
  aeon's own classifiers with default settings, ``random_state=seed``, ``n_jobs=1``, fitted
  on the full published train split as published (no extra normalisation), as aeon's users
  and the published results run them. aeon's Rocket classifiers refuse unequal-length data
  (JapaneseVowels, PickupGestureWiimoteZ); such cells are recorded as ``refused``.
* **tszoo models** run exactly as a ``tszoo compare`` cell does (``fit_and_score``), on
  the tszoo pipeline's data, z-scored per channel with training statistics, and a
  validation split carved stratified out of the train split (1/9 of it, at least one case
  per class). A model that chooses nothing on validation is fitted on the whole train
  split, the cases the peers see; a deep model chooses its input (``inputs="auto"``) with
  networks fitted on the other 8/9 and scored on the carved cases, then trains its networks
  again on the whole train split (``refit``); where the carved cases are fewer than
  ``min_validation_per_class`` a class (5 for every network), it chooses nothing
  and trains on the whole train split with the raw input. ``n_fit`` records the cases each
  model's kept networks or estimators were finally fitted on. The test split is never seen
  before scoring.

Every model runs on one thread (aeon's ``n_jobs=1``, torch ``--threads 1``): a fair
comparison of fit times, and on a shared machine two processes with two torch threads each
slow each other down several-fold. Fit time excludes one untimed warm-up fit per model on
tiny data (numba compilation in aeon). Each finished cell is appended to ``ucr_uea.csv``
at once, so a long run can be stopped and continued with ``--resume`` (cells already in
the CSV are skipped). Writes ``ucr_uea.md`` and ``ucr_uea.csv`` under ``--out-dir``
(default ``benchmarks/results/``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from machine import describe
from study_table import parse_overrides, warm_up
from targets import published, references, zoo_targets
from tszoo.data import BUNDLED_DATASETS, load_bundled, prepare_splits
from tszoo.evaluation import fit_and_score
from tszoo.models import get_model_class, model_names
from tszoo.models.rocket._common import preserved_global_state

ROOT = Path(__file__).resolve().parents[1]
PEERS = {
    "aeon_minirocket": "aeon.classification.convolution_based:MiniRocketClassifier",
    "aeon_multirocket_hydra": "aeon.classification.convolution_based:MultiRocketHydraClassifier",
    "aeon_catch22": "aeon.classification.feature_based:Catch22Classifier",
}
QUICK = {
    "datasets": ["ItalyPowerDemand", "JapaneseVowels"],
    "models": ["cnn_1d", "svm", "minirocket", "aeon_minirocket", "aeon_catch22"],
    "set": ["cnn_1d.max_epochs=3"],
}
COLUMNS = (
    "dataset model seed status accuracy fit_seconds cell_seconds n_fit n_test epochs note command"
).split()


# -- models -------------------------------------------------------------------------


def make_peer(name: str, seed: int, params: dict):
    module, cls = PEERS[name].split(":")
    estimator = getattr(importlib.import_module(module), cls)
    return estimator(**{"random_state": seed, "n_jobs": 1, **params})


def float64(X):
    """aeon's own loaders give float64, and its Catch22 numba code fails on float32."""
    if isinstance(X, list):
        return [np.asarray(x, dtype=np.float64) for x in X]
    return np.asarray(X, dtype=np.float64)


def warm_up_peer(name: str) -> None:
    """Fit once on tiny data so numba compilation is not counted as fit time."""
    X = np.random.default_rng(0).standard_normal((10, 1, 40))
    with preserved_global_state():
        make_peer(name, 0, {}).fit(X, np.array([0, 1] * 5))


def run_cell(name: str, seed: int, data: dict, params: dict) -> dict:
    """Fit one model on one dataset and seed; score it on the published test split."""
    command = " ".join(["benchmarks/ucr_uea.py", *sys.argv[1:]])
    row = {"dataset": data["name"], "model": name, "seed": seed, "status": "ok", "command": command}
    start = time.perf_counter()
    try:
        if name in PEERS:
            raw = data["raw"]
            model = make_peer(name, seed, params)
            with preserved_global_state():  # aeon's Hydra pins torch threads and seeds
                model.fit(float64(raw.train.X), raw.train.y)
                row["fit_seconds"] = time.perf_counter() - start
                pred = model.predict(float64(raw.test.X))
            accuracy = float(np.mean(np.asarray(pred) == np.asarray(raw.test.y)))
            row.update(n_fit=len(raw.train), n_test=len(raw.test), accuracy=accuracy)
        else:  # as a tszoo compare cell
            cell = fit_and_score(name, params, data["splits"], seed).row
            row.update({k: cell[k] for k in ("accuracy", "fit_seconds", "n_fit", "n_test")})
            row["epochs"] = cell["epochs"]
    except Exception as error:  # one failing cell must not end the run
        refused = name in PEERS and "unequal length" in str(error)
        row["status"] = "refused" if refused else "error"
        row["note"] = str(error).splitlines()[0][:200]
        if not refused:
            traceback.print_exc()
        return row
    row["cell_seconds"] = time.perf_counter() - start
    return row


# -- the run ------------------------------------------------------------------------


def load(name: str, seed: int) -> dict:
    """The published split raw (for aeon), and through tszoo's pipeline (for tszoo)."""
    return {"name": name, "raw": load_bundled(name), "splits": prepare_splits(name, seed=seed)}


def run(args: argparse.Namespace, csv_path: Path) -> pd.DataFrame:
    overrides = parse_overrides(args.set)
    done = set()
    if args.resume and csv_path.exists():
        old = pd.read_csv(csv_path)
        old = old[old.status != "error"]  # errors are tried again
        done = set(zip(old.dataset, old.model, old.seed, strict=True))
    elif csv_path.exists():
        csv_path.unlink()
    warmed: set[str] = set()
    for dataset in args.datasets:
        for seed in args.seeds:
            todo = [m for m in args.models if (dataset, m, seed) not in done]
            data = load(dataset, seed) if todo else None
            for name in todo:
                if name not in warmed:
                    (warm_up_peer if name in PEERS else warm_up)(name)
                    warmed.add(name)
                row = run_cell(name, seed, data, overrides.get(name, {}))
                pd.DataFrame([row], columns=COLUMNS).to_csv(
                    csv_path, mode="a", header=not csv_path.exists(), index=False
                )
                done_as = row["status"]
                if "accuracy" in row:
                    done_as = f"{row['accuracy']:.3f} fit {row['fit_seconds']:.1f}s"
                print(f"{dataset:22s} seed {seed} {name:24s} {done_as}", flush=True)
    results = pd.read_csv(csv_path)
    keep = results.dataset.isin(args.datasets) & results.model.isin(args.models)
    return results[keep & results.seed.isin(args.seeds)]


# -- the report ---------------------------------------------------------------------


def verdicts(acc: pd.DataFrame, refs: pd.DataFrame) -> tuple[list[str], int]:
    """One verdict row per dataset: tszoo's best against the best aeon peer."""
    lines, met = [], 0
    ours = [m for m in acc.columns if m not in PEERS]
    peers = [m for m in acc.columns if m in PEERS]
    for dataset, row in acc.iterrows():
        best = row[ours].astype(float).idxmax() if row[ours].notna().any() else None
        rival = row[peers].astype(float).idxmax() if row[peers].notna().any() else None
        if best is None or rival is None:
            lines.append(f"| {dataset} | | | | n/a | {published(dataset, refs)} |")
            continue
        gap = row[best] - row[rival]
        ok = gap >= -1e-9
        met += ok
        lines.append(
            f"| {dataset} | {best} {row[best]:.3f} | {rival} {row[rival]:.3f} | {gap:+.3f} | "
            f"{'✓' if ok else '✗'} | {published(dataset, refs)} |"
        )
    return lines, met


def twins(acc: pd.DataFrame) -> tuple[int, int]:
    """How many (dataset, tszoo Rocket model) cells score exactly as their aeon twin."""
    same = pairs = 0
    for ours, theirs in (
        ("minirocket", "aeon_minirocket"),
        ("multirocket_hydra", "aeon_multirocket_hydra"),
    ):
        if ours in acc and theirs in acc:
            both = acc[ours].notna() & acc[theirs].notna()
            pairs += int(both.sum())
            same += int((np.isclose(acc[ours], acc[theirs]) & both).sum())
    return same, pairs


def matrix(
    results: pd.DataFrame, column: str, digits: int, order: list[str]
) -> tuple[pd.DataFrame, list[str]]:
    """Dataset x model means of ``column`` over seeds, as a frame and as markdown rows;
    models in ``order``."""
    ok = results[results.status == "ok"]
    models = [m for m in order if m in set(results.model)]
    datasets = list(dict.fromkeys(results.dataset))
    table = ok.pivot_table(index="dataset", columns="model", values=column, aggfunc="mean")
    table = table.reindex(index=datasets, columns=models)
    status = results.groupby(["dataset", "model"]).status.first()
    lines = [f"| dataset | {' | '.join(models)} |", "|---" * (len(models) + 1) + "|"]
    for dataset in datasets:
        cells = []
        for model in models:
            value = table.loc[dataset, model]
            cells.append(
                f"{value:.{digits}f}" if pd.notna(value) else status.get((dataset, model), "")
            )
        lines.append(f"| {dataset} | {' | '.join(cells)} |")
    return table, lines


def skip_small_validation() -> list[str]:
    """The models that choose nothing on fewer than 5 validation cases a class."""
    defaults = {name: get_model_class(name)().get_params() for name in model_names()}
    return [n for n, p in defaults.items() if p.get("min_validation_per_class", 0) >= 5]


def seed_note(results: pd.DataFrame) -> str:
    """Which seeds each model ran, grouped: e.g. 'seeds 0-4: svm, quant; seed 0: resnet'."""
    ok = results[results.status != "error"]
    by_seeds: dict[str, list[str]] = {}
    for model, seeds in ok.groupby("model", sort=False).seed.unique().items():
        key = ", ".join(str(s) for s in sorted(seeds))
        by_seeds.setdefault(key, []).append(model)
    return "; ".join(f"seeds {k}: {', '.join(v)}" for k, v in by_seeds.items())


def report(results: pd.DataFrame, args: argparse.Namespace, wall: float) -> str:
    acc, acc_lines = matrix(results, "accuracy", 3, args.models)
    _, fit_lines = matrix(results, "fit_seconds", 1, args.models)
    refs, ref_lines = references(list(acc.index))
    lines, met = verdicts(acc, refs)
    seed0, _ = matrix(results[results.seed == 0], "accuracy", 3, args.models)
    same, pairs = twins(seed0)
    seeds = sorted(results.seed.unique().tolist())
    commands = results.command.dropna().unique() if "command" in results else []
    commands = list(commands) or [" ".join(["benchmarks/ucr_uea.py", *sys.argv[1:]])]
    one_net = [
        m
        for m in ("inception_time", "lite_time")
        if any(f"{m}.n_ensemble=1" in c for c in commands)
    ]
    return "\n".join(
        [
            "# tszoo and aeon on the bundled UCR/UEA datasets",
            "",
            *[f"`.venv/bin/python {c}`  " for c in commands],
            "",
            f"Published train/test splits; seeds {seeds} (accuracy is the mean over a "
            f"model's seeds; {seed_note(results)}). "
            "tszoo's models run as `tszoo compare` cells and end up trained on the whole "
            "train split, as aeon's classifiers (default settings, `n_jobs=1`) are: those "
            "that choose nothing on validation from the start, the deep models after "
            "choosing their input on a ninth of it (`refit`), or where that holds under 5 "
            f"cases a class for {', '.join(skip_small_validation())}, without choosing "
            "(`min_validation_per_class`). See the script's docstring."
            + (
                f" {' and '.join(one_net)} ran with one network, not the default five."
                if one_net
                else ""
            ),
            "",
            f"Machine: {describe()}. "
            + (
                "Rebuilt with --report-only from the CSV"
                if args.report_only
                else f"Wall time of this invocation: {wall / 60:.1f} min"
            )
            + (" (with --resume: cells already in the CSV were not rerun)" if args.resume else "")
            + f"; all cells' fit + predict time: {results.cell_seconds.sum() / 60:.1f} min.",
            "",
            "## Test accuracy",
            "",
            *acc_lines,
            "",
            "## Published accuracies (bake-off redux, default split)",
            "",
            *ref_lines,
            "",
            "From the result files in the tsml-eval 0.6.0 wheel (see `benchmarks/published.py`); "
            "they hold univariate equal-length datasets only.",
            "",
            "## The zoo's targets",
            "",
            *zoo_targets(acc, results, refs),
            "",
            "## Target: tszoo's best >= the best aeon peer, on every dataset",
            "",
            "| dataset | tszoo best | aeon best | gap | target | published (default split) |",
            "|---|---|---|---|---|---|",
            *lines,
            "",
            f"**Target met on {met} of {len(acc)} datasets.**",
            "",
            "tszoo's `minirocket` and `multirocket_hydra` rebuild aeon's MiniRocketClassifier "
            "and MultiRocket-Hydra step by step from the same transforms and seed (on "
            "tszoo's z-scored input, and resampling unequal lengths), so where aeon accepts "
            "the data they should score like their aeon twin: at seed 0 they score the same in "
            f"{same} of {pairs} such cells. Where they tie with the best peer, the target "
            "holds by a tie.",
            "",
            "## Fit seconds",
            "",
            *fit_lines,
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(BUNDLED_DATASETS))
    parser.add_argument("--models", default=",".join([*model_names(), *PEERS]))
    parser.add_argument("--seeds", default="0", help="comma-separated, e.g. 0,1,2")
    parser.add_argument(
        "--set", action="append", default=[], metavar="MODEL.PARAM=VALUE", help="override"
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (aeon runs with n_jobs=1)"
    )
    parser.add_argument("--resume", action="store_true", help="skip cells already in the CSV")
    parser.add_argument("--quick", action="store_true", help="tiny subset, few epochs")
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite the markdown from the CSV, fit nothing"
    )
    parser.add_argument("--out-dir", type=Path, default=None)
    args = parser.parse_args()
    if args.quick:
        args.datasets, args.models = ",".join(QUICK["datasets"]), ",".join(QUICK["models"])
        args.set = [*QUICK["set"], *args.set]
    out_dir = args.out_dir or (
        Path(tempfile.gettempdir()) / "tszoo-bench-quick"
        if args.quick
        else ROOT / "benchmarks" / "results"
    )
    torch.set_num_threads(args.threads)
    args.datasets = args.datasets.split(",")
    args.models = args.models.split(",")
    args.seeds = [int(s) for s in args.seeds.split(",")]
    out_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    if args.report_only:  # the markdown from the CSV as it is, every cell in it
        results = pd.read_csv(out_dir / "ucr_uea.csv")
        args.datasets = list(dict.fromkeys(results.dataset))
        args.seeds = sorted(results.seed.unique().tolist())
        args.models = [m for m in [*model_names(), *PEERS] if m in set(results.model)]
    else:
        results = run(args, out_dir / "ucr_uea.csv")
    table = report(results, args, time.perf_counter() - start)
    (out_dir / "ucr_uea.md").write_text(table)
    print(table)
    print(f"wrote {out_dir / 'ucr_uea.md'} and ucr_uea.csv")


if __name__ == "__main__":
    main()
