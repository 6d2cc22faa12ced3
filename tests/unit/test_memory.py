"""Freed memory goes back to the system: the allocator's threshold is pinned by tszoo's CLI."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tszoo.memory import _glibc

pytestmark = pytest.mark.skipif(_glibc() is None, reason="glibc's allocator only")

# 40 blocks of 5 MB, each followed by a small block that stays: freeing the large ones
# leaves holes a heap cannot give back, unless they had pages of their own
RETAINED = """
import sys
import numpy as np
from tszoo.memory import map_large_blocks

def rss_mb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) // 1024 for l in f if l.startswith("VmRSS"))

pinned = map_large_blocks() if sys.argv[1] == "pin" else False
np.ones(20 << 20, np.uint8)  # made and freed: freeing a large block raises glibc's own threshold
before, large, small = rss_mb(), [], []
for _ in range(40):
    large.append(np.ones(5 << 20, np.uint8))
    small.append(np.ones(100 << 10, np.uint8))
del large
print(pinned, rss_mb() - before)
"""


def _retained(mode: str, **env) -> tuple[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", RETAINED, mode],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    ).stdout.split()
    return out[0], int(out[1])


def test_pinned_threshold_gives_freed_blocks_back():
    pinned, retained = _retained("pin")
    assert pinned == "True"
    assert retained < 50  # the small blocks (4 MB) and little else

    # without it the same frees stay in the process (what the pin is for)
    pinned, retained = _retained("default")
    assert pinned == "False" and retained > 150


def test_a_users_own_threshold_wins():
    pinned, _ = _retained("pin", MALLOC_MMAP_THRESHOLD_="131072")
    assert pinned == "False"
