"""Write a smartwatch-style recording set with a subject column, for the README's example.

Run from the repository root::

    .venv/bin/python examples/subject_sessions.py watch.csv

Ten subjects each do three exercises with each arm, one session per arm and exercise:
``time`` restarts at 0 in every session, ``session`` ids (``left_squat``, ...) repeat
across subjects, and six channels ``acc_x ... gyr_z`` hold a noisy movement whose rhythm
depends on the exercise and whose amplitude, offset and tempo depend on the subject, so a
model can learn the subjects it has seen better than the next one.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

EXERCISES = ("squat", "curl", "press")
CHANNELS = ("acc_x", "acc_y", "acc_z", "gyr_x", "gyr_y", "gyr_z")


def subject_sessions(n_subjects: int = 10, rows: int = 500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for s in range(n_subjects):
        gain, offset, tempo = rng.uniform(0.6, 1.4), rng.normal(0, 0.5, 6), rng.uniform(0.8, 1.2)
        for arm in ("left", "right"):
            for k, exercise in enumerate(EXERCISES):
                t = np.arange(rows) / 50.0  # 50 Hz
                phase = 2 * np.pi * tempo * (0.5 + 0.25 * k) * t
                shape = np.stack([np.sin(phase * (1 + j % 3) / 2 + j) for j in range(6)], axis=1)
                values = gain * shape * (1 + 0.3 * k) + offset + rng.normal(0, 0.6, (rows, 6))
                frame = pd.DataFrame(values.astype(np.float32), columns=CHANNELS)
                frame.insert(0, "time", t)
                frame["subject"] = f"S{s:02d}"
                frame["session"] = f"{arm}_{exercise}"
                frame["exercise"] = exercise
                frames.append(frame)
    return pd.concat(frames, ignore_index=True)


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else "watch.csv"
    subject_sessions().to_csv(out, index=False)
    print(f"wrote {out}")
