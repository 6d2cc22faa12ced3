"""Shared fixtures: small synthetic recordings and the study's sample file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tszoo.data import Recordings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CSV = ROOT.parent / "shared" / "data" / "dataset_sample.csv"


@pytest.fixture(scope="session")
def sample_csv() -> Path:
    if not SAMPLE_CSV.is_file():
        pytest.skip(f"the study's sample recording is not at {SAMPLE_CSV}")
    return SAMPLE_CSV


def make_recordings(
    lengths: list[int], labels: list[list[int]] | None = None, n_channels: int = 2
) -> Recordings:
    """Recordings with values that encode their own position (row * 10 + channel), so a
    window can be checked against the rows it claims to hold."""
    arrays, label_arrays = [], []
    offset = 0
    for i, n in enumerate(lengths):
        rows = np.arange(offset, offset + n)[:, None] * 10 + np.arange(n_channels)[None, :]
        arrays.append(rows.astype(np.float32))
        if labels is None:
            label_arrays.append(np.full(n, i % 2))
        else:
            label_arrays.append(np.asarray(labels[i]))
        offset += n
    return Recordings.from_arrays(arrays, label_arrays)


@pytest.fixture(scope="session")
def recordings_factory():
    """``make_recordings`` for tests in any folder."""
    return make_recordings


@pytest.fixture
def four_recordings() -> Recordings:
    """Four recordings of 200 rows, two classes, one label per recording."""
    return make_recordings([200, 200, 200, 200])


def write_subject_sessions(
    path: Path, subjects: int, sessions: int, labels: list[int], rows: int = 40
) -> Path:
    """A CSV of ``subjects`` x ``sessions`` sessions (session ids ``s<j>`` repeat across
    subjects ``P<i>``), each of one label (``labels`` cycled), time restarting at 0 in every
    session, the sessions in shuffled order. A channel ``x`` tells the labels apart."""
    rng = np.random.default_rng(len(labels))
    frames = []
    for k, (s, j) in enumerate((s, j) for s in range(subjects) for j in range(sessions)):
        label = labels[k % len(labels)]
        frames.append(
            pd.DataFrame(
                {
                    "time": np.arange(rows) * 0.1,
                    "x": rng.normal(size=rows) + 2 * label,
                    "y": rng.normal(size=rows),
                    "subject": f"P{s}",
                    "session": f"s{j}",
                    "label": f"c{label}",
                }
            )
        )
    order = rng.permutation(len(frames))
    pd.concat([frames[i] for i in order], ignore_index=True).to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def subject_sessions():
    """``write_subject_sessions`` for tests in any folder."""
    return write_subject_sessions
