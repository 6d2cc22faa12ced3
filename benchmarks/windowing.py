"""Benchmark: cut a long recording into sliding windows, and measure time and peak memory.

Run from the repository root::

    .venv/bin/python benchmarks/windowing.py

Builds a seeded ``--rows`` x ``--channels`` float32 recording with integer labels in runs of
100,000 rows (4 classes), times :func:`tszoo.data.make_windows` (best of ``--repeats``),
measures the memory it adds with ``tracemalloc`` and, in a fresh subprocess, with the
process peak RSS, times one pass over all windows in batches of 4096, checks a few windows
against the recording, and writes ``windowing.md`` and ``windowing.csv`` to ``--out-dir``.
Target: peak process memory during windowing, over the interpreter baseline, below twice
the size of the recording's values.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tszoo.data import Recordings, Windows, make_windows

MB = 1e6
RUN = 100_000  # rows per label run
BATCH = 4096


def build_recording(rows: int, channels: int) -> Recordings:
    """Seeded random recording; every allocation is final, so no temporary raises peak RSS."""
    values = np.random.default_rng(0).standard_normal((rows, channels), dtype=np.float32)
    labels = np.repeat(np.arange(-(-rows // RUN)) % 4, RUN)[:rows]
    return Recordings(
        values=values,
        labels=labels,
        bounds=np.array([0, rows], dtype=np.int64),
        ids=["0"],
        channels=[f"ch{i}" for i in range(channels)],
        source_rows=np.arange(rows, dtype=np.int64),
    )


def max_rss_mb() -> float:
    """Peak resident set size of this process so far (``ru_maxrss`` is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / MB


def traced_peak_mb(fn: Callable[[], Any]) -> float:
    """Peak memory allocated (per ``tracemalloc``) while ``fn`` runs, beyond what was before."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - before) / MB


def batch_pass(w: Windows) -> int:
    """Copy every window out once, in batches, as a model would see them."""
    return sum(len(b) for b in w.batches(BATCH))


def rss_child(args: argparse.Namespace) -> None:
    """In a fresh process: RSS after imports, after building the recording, after windowing."""
    base = max_rss_mb()
    rec = build_recording(args.rows, args.channels)
    built = max_rss_mb()
    make_windows(rec, args.window, args.stride)
    print(json.dumps({"base": base, "built": built, "peak": max_rss_mb()}))


def check(w: Windows, rec: Recordings, window: int, stride: int) -> None:
    """Cheap correctness checks: window count, views, and a few windows against the data."""
    s = np.arange(0, rec.n_rows - window + 1, stride)  # runs are longer than a window
    expected = int((rec.labels[s] == rec.labels[s + window - 1]).sum())
    assert len(w) == expected, f"{len(w)} windows, expected {expected}"
    assert np.shares_memory(w[0], rec.values), "windows are not views of the recording"
    for i in np.random.default_rng(1).integers(0, len(w), 8):
        a = int(w.starts[i])
        assert np.array_equal(w[i], rec.values[a : a + window].T), f"window {i} differs"
        assert (rec.labels[a : a + window] == w.y[i]).all(), f"window {i} label differs"


def machine() -> dict[str, str]:
    return {
        "platform": platform.platform(),
        "cpus": str(os.cpu_count()),
        "python": platform.python_version(),
        "numpy": np.__version__,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--channels", type=int, default=8)
    p.add_argument("--window", type=int, default=50)
    p.add_argument("--stride", type=int, default=10)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out-dir", type=Path, default=Path(__file__).parent / "results")
    p.add_argument("--rss-child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.rss_child:
        rss_child(args)
        return

    sizes = [f"--{k}={getattr(args, k)}" for k in ("rows", "channels", "window", "stride")]
    child = subprocess.run(
        [sys.executable, __file__, "--rss-child", *sizes], capture_output=True, text=True
    )
    if child.returncode:
        sys.exit(f"RSS subprocess failed:\n{child.stderr}")
    rss = json.loads(child.stdout.splitlines()[-1])

    rec = build_recording(args.rows, args.channels)
    rec_mb = rec.values.nbytes / MB
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        w = make_windows(rec, args.window, args.stride)
        times.append(time.perf_counter() - t0)
    check(w, rec, args.window, args.stride)
    tm_peak = traced_peak_mb(lambda: make_windows(rec, args.window, args.stride))
    t0 = time.perf_counter()
    seen = batch_pass(w)
    pass_s = time.perf_counter() - t0
    assert seen == len(w)
    pass_peak = traced_peak_mb(lambda: batch_pass(w))

    over_base = rss["peak"] - rss["base"]
    ratio = over_base / rec_mb
    row = {
        "rows": args.rows,
        "channels": args.channels,
        "window": args.window,
        "stride": args.stride,
        "n_windows": len(w),
        "recording_MB": round(rec_mb, 1),
        "recording_all_arrays_RSS_MB": round(rss["built"] - rss["base"], 1),
        "make_windows_s": round(min(times), 3),
        "tracemalloc_peak_MB": round(tm_peak, 1),
        "rss_peak_over_baseline_MB": round(over_base, 1),
        "rss_extra_over_recording_MB": round(rss["peak"] - rss["built"], 1),
        "ratio_to_recording": round(ratio, 2),
        "target": "PASS" if ratio < 2 else "FAIL",
        "batch_pass_s": round(pass_s, 3),
        "batch_pass_windows_per_s": round(len(w) / pass_s),
        "batch_pass_tracemalloc_peak_MB": round(pass_peak, 1),
        "to_numpy_all_would_be_MB": round(len(w) * args.channels * args.window * 4 / MB, 1),
        **machine(),
    }
    md = "\n".join(
        [
            "# Windowing benchmark",
            "",
            f"`.venv/bin/python benchmarks/windowing.py {' '.join(sizes)}"
            f" --repeats={args.repeats}`",
            "",
            "Target: RSS peak over the interpreter baseline < 2 x recording values "
            f"({2 * rec_mb:.0f} MB). Not materialised: `w.to_numpy()` of every window.",
            "",
            "| metric | value |",
            "|---|---|",
            *(f"| {k} | {v} |" for k, v in row.items()),
            "",
        ]
    )
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "windowing.md").write_text(md)
    with open(args.out_dir / "windowing.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    print(md)
    print(f"{row['target']}: peak {over_base:.0f} MB over baseline, {ratio:.2f}x the recording")


if __name__ == "__main__":
    main()
