"""Benchmark: one deep fit alone and two identical fits started together, per thread policy.

Run from the repository root::

    .venv/bin/python benchmarks/concurrent_training.py
    .venv/bin/python benchmarks/concurrent_training.py --repeats 5 --model cnn_1d

Each run is a user's command, ``tszoo train MODEL --data <sample> --seed 0 --quiet --set
MODEL.inputs=raw --set MODEL.n_steps=300 --out DIR`` (a short fit: what matters is how two
processes share the cores), in a fresh process; its fit seconds are read from the run's
``results.csv``. Per policy (settings and environment variables given to both processes),
the benchmark runs the fit alone ``--repeats`` times, then ``--repeats`` times as a pair
started together, alternating, and reports the medians: ``slowdown`` = median fit in a pair
/ median fit alone. Two processes that each use every core of the machine get half of it
each, a fair share of 2x; the target is at most about 2.5x.

Policies: tszoo's default (each deep model computes on one thread, ``n_jobs=1``), every core
(``n_jobs=-1``: PyTorch's OpenMP threads, which spin while they wait for work), and every
core with ``OMP_WAIT_POLICY=PASSIVE`` (threads sleep instead of spinning). Other load on the
machine is recorded as the 1-minute load average before each run.

Writes ``concurrent_training.md`` and ``.csv`` under ``--out-dir`` (default
``benchmarks/results/``).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
TSZOO = Path(sys.executable).with_name("tszoo")
SAMPLE = ROOT.parent / "shared" / "data" / "dataset_sample.csv"
# A shorter fit than the defaults' (one input, 300 steps): what is measured is how two
# processes share the cores, not how long one fit is.
SETS = ["inputs=raw", "n_steps=300"]
POLICIES = {  # name -> (extra --set items, environment)
    "tszoo's default: one thread (n_jobs=1)": ([], {}),
    "every core (n_jobs=-1)": (["n_jobs=-1"], {}),
    "every core, passive wait": (["n_jobs=-1"], {"OMP_WAIT_POLICY": "PASSIVE"}),
}


def start(model: str, out: Path, policy: tuple[list, dict]) -> subprocess.Popen:
    extra, env = policy
    cmd = [str(TSZOO), "train", model, "--data", str(SAMPLE), "--seed", "0", "--quiet"]
    sets = [arg for item in [*SETS, *extra] for arg in ("--set", f"{model}.{item}")]
    return subprocess.Popen(
        [*cmd, *sets, "--out", str(out)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def fit_seconds(proc: subprocess.Popen, out: Path) -> float:
    _, err = proc.communicate()
    if proc.returncode:
        sys.exit(f"tszoo train failed ({proc.returncode}):\n{err.decode()[-2000:]}")
    return float(pd.read_csv(out / "results.csv").fit_seconds.iloc[0])


def measure(model: str, policy: tuple, together: int, scratch: Path) -> list[float]:
    """Fit seconds of ``together`` identical runs started at once."""
    outs = [Path(tempfile.mkdtemp(dir=scratch)) / "run" for _ in range(together)]
    procs = [start(model, out, policy) for out in outs]
    return [fit_seconds(p, out) for p, out in zip(procs, outs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="hybrid_attention")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out-dir", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--report-only", action="store_true", help="the markdown from the CSV")
    args = parser.parse_args()
    if args.report_only:
        report(pd.read_csv(args.out_dir / "concurrent_training.csv"), args)
        return
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        measure(args.model, ([], {}), 1, Path(scratch))  # warm the file cache and imports
        for repeat in range(args.repeats):
            for policy, settings in POLICIES.items():
                for together in (1, 2):
                    load = os.getloadavg()[0]
                    for seconds in measure(args.model, settings, together, Path(scratch)):
                        rows.append({"policy": policy, "together": together, "repeat": repeat,
                                     "fit_seconds": seconds, "load_before": load})  # fmt: skip
                    print(rows[-1], flush=True)
    results = pd.DataFrame(rows)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    results.to_csv(args.out_dir / "concurrent_training.csv", index=False)
    report(results, args)


def report(results: pd.DataFrame, args: argparse.Namespace) -> None:
    repeats = results.repeat.nunique()
    medians = results.pivot_table(
        index="policy", columns="together", values="fit_seconds", aggfunc="median"
    ).reindex(list(POLICIES))
    lines = [
        f"# Two `tszoo train {args.model}` runs at once",
        "",
        f"Each run: `tszoo train {args.model} --data <sample> --seed 0 --quiet "
        + " ".join(f"--set {args.model}.{item}" for item in SETS)
        + "`.",
        "",
        "`.venv/bin/python "
        + " ".join(
            [
                "benchmarks/concurrent_training.py",
                *(a for a in sys.argv[1:] if a != "--report-only"),
            ]
        )
        + "`",
        "",
        f"The study's sample recording, seed 0; median fit seconds of {repeats} repeats "
        "(a pair gives two fits a repeat). Slowdown = median fit in a pair / median fit alone; "
        "two processes that each use every core get half of it each, a fair share of 2x "
        f"(target: at most about 2.5x). Machine: {platform.platform()}, "
        f"{os.cpu_count()} CPUs; 1-minute load average before the runs: "
        f"{results.load_before.min():.2f}-{results.load_before.max():.2f}.",
        "",
        "| policy | settings | fit alone s | fit in a pair s | slowdown |",
        "|---|---|---|---|---|",
    ]
    for policy, row in medians.iterrows():
        extra, env = POLICIES[policy]
        words = [f"--set {args.model}.{e}" for e in extra] + [f"{k}={v}" for k, v in env.items()]
        lines.append(
            f"| {policy} | {' '.join(words) or '(none)'} | {row[1]:.2f} | {row[2]:.2f} | "
            f"{row[2] / row[1]:.2f}x |"
        )
    text = "\n".join(lines) + "\n"
    (args.out_dir / "concurrent_training.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
