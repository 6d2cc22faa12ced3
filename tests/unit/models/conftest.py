"""Data the model tests share."""

from __future__ import annotations

import numpy as np
import pytest


def make_sines(n_per_class: int = 15, n_channels: int = 2, n_timepoints: int = 40, seed: int = 0):
    """Sines whose frequency depends on the class, in noise; string labels."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, n_timepoints)
    X, y = [], []
    for k, label in enumerate(["a", "b", "c"]):
        phase = rng.uniform(0, 2 * np.pi, (n_per_class, n_channels, 1))
        X.append(np.sin(2 * np.pi * (2 + 3 * k) * t + phase))
        y += [label] * n_per_class
    X = np.concatenate(X) + rng.normal(0, 0.2, (3 * n_per_class, n_channels, n_timepoints))
    return X.astype(np.float32), np.array(y)


@pytest.fixture(name="make_sines")
def make_sines_fixture():
    """:func:`make_sines`, for tests that need other sizes."""
    return make_sines


@pytest.fixture(scope="module")
def sines():
    """``((X, y), (X_test, y_test))``: 45 training and 18 test sines."""
    return make_sines(seed=0), make_sines(n_per_class=6, seed=1)
