"""Benchmark: what a subject leak does to test accuracy, on the README's example recording.

Run from the repository root::

    .venv/bin/python benchmarks/subject_split.py                          # ~6 minutes
    .venv/bin/python benchmarks/subject_split.py --models svm --seeds 0

Data: ``examples/subject_sessions.py`` (10 subjects x 2 arms x 3 exercises, one session
each, time restarting at 0 in every session, 6 channels whose amplitude, offset and tempo
depend on the subject). Windows of 100 rows every 50. Three protocols, each a
``tszoo compare`` run directory under a temporary folder:

1. ``sessions``: ``--group session`` and the default 80/10/10 split of whole recordings, so
   a subject's other sessions sit in train while one is tested (a subject leak).
2. ``subjects``: ``--split-by subject``, whole subjects dealt 80/10/10.
3. ``loo``: ``--split-by subject --cv loo``, each subject tested once (seed 0 only: the
   folds are the same on every seed, so more seeds only vary the models).

Each protocol's accuracy is the mean ± std over its cells (seeds, or folds). Writes
``subject_split.md`` and ``subject_split.csv`` (every cell) under ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))
from subject_sessions import subject_sessions  # noqa: E402

TSZOO = Path(sys.executable).parent / "tszoo"
DATA = ["--label", "exercise", "--window", "100", "--stride", "50"]
PROTOCOLS = {
    "sessions": ["--group", "session"],
    "subjects": ["--group", "session", "--split-by", "subject"],
    "loo": ["--group", "session", "--split-by", "subject", "--cv", "loo"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="random_forest,svm,minirocket")
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "watch.csv"
        subject_sessions().to_csv(data, index=False)
        frames, commands = [], {}
        for name, options in PROTOCOLS.items():
            seeds = "0" if name == "loo" else args.seeds
            out = Path(tmp) / name
            command = [str(TSZOO), "compare", "--data", str(data), *DATA, *options]
            command += ["--models", args.models, "--seeds", seeds, "--out", str(out), "-q"]
            commands[name] = " ".join(shlex.quote(c) for c in command[1:]).replace(tmp, "$TMP")
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            frames.append(pd.read_csv(out / "results.csv").assign(protocol=name))
    cells = pd.concat(frames, ignore_index=True)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    cells.to_csv(args.out_dir / "subject_split.csv", index=False)
    (args.out_dir / "subject_split.md").write_text(markdown(cells, commands), encoding="utf-8")
    print(markdown(cells, commands))


def markdown(cells: pd.DataFrame, commands: dict[str, str]) -> str:
    stats = cells.groupby(["model", "protocol"], sort=False)["accuracy"].agg(["mean", "std"])
    models = list(dict.fromkeys(cells["model"]))
    lines = [
        "| model | sessions split (subject leak) | subjects split | leave one subject out |",
        "|---|---|---|---|",
    ]
    for model in models:
        row = [
            f"{stats.loc[(model, p), 'mean']:.3f} ± {stats.loc[(model, p), 'std']:.3f}"
            for p in PROTOCOLS
        ]
        lines.append(f"| {model} | {' | '.join(row)} |")
    worst = cells[cells["protocol"] == "loo"].groupby("model")["accuracy"].min()
    lines += [
        "",
        "Test accuracy, mean ± std over seeds (sessions, subjects) or the 10 folds (leave one "
        "out, seed 0). Lowest single subject under leave one out: "
        + ", ".join(f"{m} {worst[m]:.3f}" for m in models)
        + ".",
        "",
        "Commands (`$TMP` a temporary folder; the data from `examples/subject_sessions.py`):",
        "",
        *(f"- {name}: `tszoo {command}`" for name, command in commands.items()),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
