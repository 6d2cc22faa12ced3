"""A fixed small compare writes exactly what it wrote before the run engine was rebuilt.

The digests below were taken from tszoo at commit 4f6f28e (before ``compare`` and
``benchmark`` became one engine, and the loaders were split), with the same command: the
windows, the scores and every prediction (probabilities rounded to 6 decimals) must not
change when the code is reorganised. Change them only with a change that means to change
what a run computes, and say so in its commit.

The digests depend on the numeric libraries too. MiniRocket's were taken again, from
4f6f28e itself, when the package index moved on (aeon 1.6.0, numba 0.63.1, numpy 2.3.5,
scipy 1.17.1): 4f6f28e and the later code gave the same new files there. They depend on the
processor too: aeon's MiniRocket kernels are compiled by numba for the machine's vector
instructions with fast math, so its probabilities move in the last digits from one CPU to
another (an AMD EPYC gave other digests at 5262b00, with MiniRocket's code unchanged since
4f6f28e), and on windows this few a small change in the features moves the probabilities
of the classifier on them far more: an Intel Xeon gave probabilities up to 0.12 away from
the EPYC's, with the same predicted classes. So MiniRocket's predictions are pinned as
files (``pinned/``, written at 5262b00) in every column but the probabilities, exactly;
its probabilities only have to be probabilities that pick the predicted class.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from tszoo.cli import app

# results.csv's columns at 4f6f28e, less the timings
PINNED_COLUMNS = [
    "dataset", "model", "seed", "accuracy", "precision_macro", "recall_macro", "f1_macro",
    "n_train", "n_val", "n_test", "n_fit", "epochs",
]  # fmt: skip
PINNED = {
    "windows.csv": "b8f95b720f19659dadbd51925efd979b75418496db0c45cec274c078c57dc399",
    "results": "37f612c2f2dc267208c211afea86db538f862f18d453ef2ea00de1279dd99816",
    "random_forest-seed0.csv": "b0bf1d131236314b00edcdf141a41ed9e3b3c61b7b7fe8f0162d4ccb88901212",
    "random_forest-seed1.csv": "0941b57da4e104ae8af127736c9c086cdc2a76a768ef427e8db61240e92785ad",
    "svm-seed0.csv": "67f0c71bfcdbad091912c7c2ec411bf9712dcc1fcb945dbe70ce4460a1627ace",
    "svm-seed1.csv": "9adb083ea39e1b4f2ec1e24f8250422eb666178f93a7e6bc5fe804b0f37b119a",
}


def write_sessions(path: Path) -> None:
    """Six sessions of three activities, 150 to 200 rows each, with a time column."""
    rng = np.random.default_rng(7)
    frames = []
    for i in range(6):
        n = 150 + 10 * i
        frames.append(
            pd.DataFrame(
                {
                    "session": f"s{i}",
                    "time": np.arange(n) * 0.02,
                    "ax": rng.normal(size=n) + (i % 3),
                    "ay": np.sin(np.arange(n) / (3 + i % 3)) + rng.normal(0, 0.3, n),
                    "az": rng.normal(size=n),
                    "activity": ["rest", "walk", "run"][i % 3],
                }
            )
        )
    pd.concat(frames).to_csv(path, index=False)


def digests(run: Path) -> dict[str, str]:
    def sha(text: str | bytes) -> str:
        return hashlib.sha256(text if isinstance(text, bytes) else text.encode()).hexdigest()

    out = {"windows.csv": sha((run / "windows.csv").read_bytes())}
    results = pd.read_csv(run / "results.csv")[PINNED_COLUMNS]  # columns added later: not here
    out["results"] = sha(results.round(6).to_csv(index=False))
    for path in sorted((run / "predictions").glob("*.csv")):
        if not path.name.startswith("minirocket"):  # see the module's docstring
            out[path.name] = sha(pd.read_csv(path).round(6).to_csv(index=False))
    return out


def test_a_fixed_compare_writes_what_it_wrote_before(tmp_path):
    write_sessions(tmp_path / "rec.csv")
    args = [
        "compare", "--data", tmp_path / "rec.csv", "--group", "session", "--label", "activity",
        "--window", "25", "--stride", "10", "--models", "random_forest,svm,minirocket",
        "--seeds", "0,1", "--set", "random_forest.n_estimators=25", "--workers", "1",
        "--out", tmp_path / "run", "--quiet",
    ]  # fmt: skip
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        result = CliRunner().invoke(app, [str(a) for a in args])
    finally:
        root.handlers[:], root.level = handlers, level
    assert result.exit_code == 0, result.output
    assert digests(tmp_path / "run") == PINNED
    for seed in (0, 1):
        name = f"minirocket-seed{seed}.csv"
        got = pd.read_csv(tmp_path / "run" / "predictions" / name)
        pinned = pd.read_csv(Path(__file__).parent / "pinned" / name)
        probas = [c for c in pinned.columns if c.startswith("proba_")]
        assert list(got.columns) == list(pinned.columns)
        pd.testing.assert_frame_equal(got.drop(columns=probas), pinned.drop(columns=probas))
        np.testing.assert_allclose(got[probas].sum(axis=1), 1.0, atol=1e-5)
        picked = got[probas].to_numpy().argmax(axis=1)
        assert [probas[i].removeprefix("proba_") for i in picked] == got["prediction"].tolist()
