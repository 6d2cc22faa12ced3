"""Handing freed memory back to the system, so a long run's peak is what it holds.

Under glibc, a freed block below the allocator's mmap threshold stays in the process's
heap for reuse, and the threshold rises (up to 32 MB) each time a larger block is freed:
a run that copies windows out a few MB at a time ends with hundreds of MB of free heap
counted in its memory. :func:`map_large_blocks` pins the threshold for the process;
:func:`release_unused_memory` returns what is free now. Both do nothing off glibc.
"""

from __future__ import annotations

import ctypes
import os
import sys

# Blocks from this size on get their own pages and go back to the system when freed.
# Chosen by measurement (``benchmarks/train_memory.py``; docs/benchmarks/speed-and-memory.md):
# 1 MB made deep training about 13 % slower (a page fault per touched page of each large
# activation); 4 MB kept its speed and took the forest's peak from 1,347 to 1,237 MB.
MMAP_THRESHOLD = 4 << 20
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number, from glibc's malloc.h


def _glibc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)
        libc.malloc_trim, libc.mallopt  # noqa: B018  (glibc has both; musl lacks them)
    except (AttributeError, OSError):
        return None
    return libc


def map_large_blocks(threshold: int = MMAP_THRESHOLD) -> bool:
    """Give every allocation of ``threshold`` bytes or more its own pages, for the rest of
    the process. A user's own ``MALLOC_MMAP_THRESHOLD_`` wins. Returns whether it was set."""
    libc = _glibc()
    if libc is None or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, int(threshold)))


def release_unused_memory() -> None:
    """Hand the memory freed while reading back to the system: the pages Arrow's allocator
    keeps for reuse once the last batch is gone (90 MB after a 10M-row Parquet file), and
    under glibc the free pages of the C heap (``malloc_trim``; 45 MB more). The rows read
    stay as they are."""
    if "pyarrow" in sys.modules:
        sys.modules["pyarrow"].default_memory_pool().release_unused()
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)
