"""Benchmark: wall time of one ``tszoo benchmark`` grid on 1 vs 2 local joblib workers.

Run from the repository root::

    .venv/bin/python benchmarks/grid_scaling.py
    .venv/bin/python benchmarks/grid_scaling.py --repeats 2 --workers 1,2
    .venv/bin/python benchmarks/grid_scaling.py --quick     # < 1 minute, to a temporary folder

The same grid (default: 4 bundled datasets x 3 models x 3 seeds = 36 cells, each a few
seconds on one core) runs once per worker count per repeat, alternating, each time as a
user runs it: a fresh ``tszoo benchmark ... --workers N`` process into a new run
directory, timed from start to exit. So every wall time includes Python and library start-up,
the parent's check of every dataset, starting the loky worker processes (each imports torch,
aeon and scikit-learn) and the report. The best wall time of the repeats counts; speed-up =
best wall(1 worker) / best wall(N workers). ``cell s`` is the sum of the cells' own fit +
predict seconds: if it grows with N, the workers slowed each other down (or other load did).

The scores must not depend on the worker count; ``same scores`` checks every metric of every
cell against the 1-worker run. The load average before each run is recorded: other jobs on
the machine take cores from the workers.

Writes ``grid_scaling.md`` and ``grid_scaling.csv`` under ``--out-dir`` (default
``benchmarks/results/``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from machine import describe

ROOT = Path(__file__).resolve().parents[1]
TSZOO = Path(sys.executable).with_name("tszoo")
STACK = ("tszoo", "joblib", "dask", "distributed", "torch", "aeon", "scikit-learn")  # versions
DATASETS = "ItalyPowerDemand,GunPoint,ArrowHead,BasicMotions"
MODELS = "random_forest,multirocket_hydra,hybrid_attention"
SETS = [
    "random_forest.n_estimators=3000",
    "hybrid_attention.max_epochs=150",
    "hybrid_attention.patience=150",
]
QUICK = {"datasets": "GunPoint,BasicMotions", "models": "random_forest,svm", "seeds": "0",
         "set": ["random_forest.n_estimators=300"]}  # fmt: skip
SCORES = ["accuracy", "precision_macro", "recall_macro", "f1_macro"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default=DATASETS)
    parser.add_argument("--models", default=MODELS)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--set", action="append", default=None, help="MODEL.PARAM=VALUE")
    parser.add_argument("--workers", default="1,2", help="worker counts, the first is the base")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--out-dir", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--quick", action="store_true", help="a tiny grid, results to /tmp")
    parser.add_argument(
        "--wait-idle", type=float, default=0, help="before each run, wait up to this many "
        "seconds until other processes use under 0.2 cores",
    )  # fmt: skip
    args = parser.parse_args()
    if args.set is None:
        args.set = SETS
    if args.quick:
        vars(args).update(QUICK)
        args.out_dir = Path(tempfile.mkdtemp(prefix="grid_scaling-"))
    return args


def run_grid(args: argparse.Namespace, workers: int, out: Path) -> dict:
    """One ``tszoo benchmark`` process; its wall time, load and results."""
    command = [
        str(TSZOO),
        "benchmark",
        "--datasets",
        args.datasets,
        "--models",
        args.models,
        "--seeds",
        args.seeds,
        "--workers",
        str(workers),
        "--quiet",
        "--out",
        str(out),
    ]
    command += [item for s in args.set for item in ("--set", s)]  # fmt: skip
    wait_until_idle(args.wait_idle)
    load = os.getloadavg()[0]
    busy, mine = busy_cpu_seconds(), children_cpu_seconds()
    start = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    mine = children_cpu_seconds() - mine
    others = max(busy_cpu_seconds() - busy - mine, 0.0)
    results = pd.read_csv(out / "results.csv")
    manifest = json.loads((out / "manifest.json").read_text())
    return {
        "workers": workers,
        "wall_s": round(wall, 2),
        "cells": len(results),
        "cell_s": round(float((results["fit_seconds"] + results["predict_seconds"]).sum()), 2),
        "cpu_used": round(mine / wall, 2),
        "cpu_others": round(others / wall, 2),
        "load_before": round(load, 2),
        "status": manifest["status"],
        "results": results,
    }


def busy_cpu_seconds() -> float:
    """CPU seconds every process on this machine has used since boot (``/proc/stat``)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = map(int, fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(limit: float, sample: float = 5.0) -> None:
    """Wait (at most ``limit`` seconds) until other processes use under 0.2 cores."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        busy = busy_cpu_seconds()
        time.sleep(sample)
        if (busy_cpu_seconds() - busy) / sample < 0.2:
            return
    if limit:
        print(f"the machine did not go idle within {limit:g} s; running anyway", flush=True)


def children_cpu_seconds() -> float:
    """CPU seconds of this script's finished child processes and theirs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    args = parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    rows, base_scores = [], None
    with tempfile.TemporaryDirectory(prefix="grid_scaling-") as tmp:
        for repeat in range(args.repeats):
            for workers in counts:
                run = run_grid(args, workers, Path(tmp) / f"r{repeat}-w{workers}")
                results = run.pop("results").sort_values(["dataset", "model", "seed"])
                scores = results[["dataset", "model", "seed", *SCORES]].reset_index(drop=True)
                base_scores = scores if base_scores is None else base_scores
                run.update(repeat=repeat, same_scores=bool(scores.equals(base_scores)))
                print(run, flush=True)
                rows.append(run)
    table = pd.DataFrame(rows)[["repeat", "workers", "wall_s", "cells", "cell_s", "cpu_used",
                                "cpu_others", "load_before", "same_scores", "status"]]  # fmt: skip
    args.out_dir.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out_dir / "grid_scaling.csv", index=False)
    (args.out_dir / "grid_scaling.md").write_text(markdown(args, table, counts))
    print(f"wrote {args.out_dir / 'grid_scaling.md'}")


def markdown(args: argparse.Namespace, table: pd.DataFrame, counts: list[int]) -> str:
    best = table.groupby("workers")["wall_s"].min()
    base = best[counts[0]]
    command = shlex.join([".venv/bin/python", "benchmarks/grid_scaling.py", *sys.argv[1:]])
    n_cells = int(table["cells"].iloc[0])
    lines = [
        "# Grid scaling: one `tszoo benchmark` grid on 1 vs 2 joblib workers",
        "",
        f"`{command}`",
        "",
        f"Grid: datasets {args.datasets}; models {args.models}; seeds {args.seeds}; "
        f"{n_cells} cells; `--set {' --set '.join(args.set)}`. Each run is a fresh "
        "`tszoo benchmark --workers N` process (start-up, dataset checks, loky start-up and "
        "report included); best of "
        f"{args.repeats} repeat(s).",
        "",
        f"Machine: {describe(STACK)}.",
        "",
        "`cpu used`: cores this grid's processes kept busy on average; `cpu others`: cores "
        "every other process on the machine used meanwhile (from `/proc/stat`). Sessions share "
        "the CPUs fairly (the kernel's autogroup scheduling, whatever the nice value), so while "
        "another session keeps a core busy two workers get about one core between them, and "
        "the speed-up measures the machine's load rather than tszoo.",
        "",
        "`overhead s` = wall s − cell s / workers: start-up (this process's imports and, with "
        "workers, each loky worker's), the parent's dataset checks, the report, and workers "
        "idle at the end of the grid.",
        "",
        "| workers | best wall s | speed-up | cell s (fit + predict, summed) | overhead s |"
        " cpu used | cpu others | same scores |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for workers in counts:
        runs = table[table["workers"] == workers]
        fastest = runs.loc[runs["wall_s"].idxmin()]
        lines.append(
            f"| {workers} | {fastest['wall_s']:.1f} | **{base / best[workers]:.2f}x** | "
            f"{fastest['cell_s']:.1f} | {fastest['wall_s'] - fastest['cell_s'] / workers:.1f} | "
            f"{fastest['cpu_used']:.2f} | {fastest['cpu_others']:.2f} | "
            f"{'yes' if runs['same_scores'].all() else 'NO'} |"
        )
    lines += ["", "Every run:", "", "| " + " | ".join(table.columns) + " |"]
    lines.append("|" + "---|" * len(table.columns))
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in table.itertuples(index=False)]
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
