"""Running a command in a subprocess and measuring it: wall time and memory, sampled and peak.

The peak is the process's own ``ru_maxrss`` (``os.wait4``), so a benchmark that starts
tszoo's CLI measures tszoo, not itself.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_measured(cmd: list[str], check: bool = True) -> dict:
    """Run ``cmd``: its wall time, peak RSS (``ru_maxrss`` from ``os.wait4``, that process
    alone), its RSS sampled from ``/proc`` twice a second, as (seconds, MB), its exit code
    and its stderr. A failure ends the benchmark, unless ``check`` is false."""
    samples = []  # (seconds, RSS MB)
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            samples.append((time.perf_counter() - t0, rss_mb(proc.pid)))
            time.sleep(0.5)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
        if proc.returncode and check:
            sys.exit(f"failed ({proc.returncode}): {shlex.join(cmd)}\n{stderr[-3000:]}")
    return {
        "wall_s": wall,
        "peak_mb": usage.ru_maxrss * 1024 / 1e6,
        "samples": samples,
        "returncode": proc.returncode,
        "stderr": stderr,
    }


def growth_mb(samples: list[tuple[float, float]], startup: float, wall: float) -> float:
    """Highest RSS in the second half of the time after start-up, minus the highest in the
    first half: about 0 when memory does not grow with the windows predicted."""
    mid = startup + (wall - startup) / 2
    early = [r for t, r in samples if startup < t <= mid] or [0.0]
    late = [r for t, r in samples if t > mid] or [0.0]
    return max(late) - max(early)


def rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # the process has just ended
        return 0.0
    kib = next((line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")), 0)
    return int(kib) * 1024 / 1e6
