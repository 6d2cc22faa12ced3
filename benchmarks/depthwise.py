"""Benchmark: LITE's dilated depthwise convolution, phase by phase against PyTorch's own.

Run from the repository root::

    .venv/bin/python benchmarks/depthwise.py                 # about a minute
    .venv/bin/python benchmarks/depthwise.py --repeats 5 --lengths 100,251

:class:`tszoo.models.deep.networks.layers.DepthwiseConv1d` runs a dilated depthwise
convolution as an undilated one on each phase of the series; PyTorch's dilated grouped
convolution computes the same sums (checked here before timing). For LITE's first separable
block (113 channels, kernel 20, dilation 2, batch 16) at each of ``--lengths`` this times a
forward and backward pass of both, and a whole LITE training step (Adam, one channel, three
classes) with the layer as it is and with PyTorch's dilated convolution put back. One torch
thread; each figure is the median of ``--repeats`` runs of ``--steps`` passes, the two
variants alternating. Writes ``depthwise.{md,csv}`` under ``--out-dir`` (default
``benchmarks/results/``).
"""

from __future__ import annotations

import argparse
import platform
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from tszoo.models.deep.networks import LITE
from tszoo.models.deep.networks.layers import DepthwiseConv1d, SameConv1d

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def dilated_pytorch():
    """DepthwiseConv1d as PyTorch's dilated grouped convolution, for the comparison."""
    phased = DepthwiseConv1d.forward
    DepthwiseConv1d.forward = SameConv1d.forward
    try:
        yield
    finally:
        DepthwiseConv1d.forward = phased


def layer_pass(conv: nn.Module, x: torch.Tensor) -> None:
    x = x.detach().requires_grad_()
    conv(x).square().sum().backward()


def lite_step(net: nn.Module, opt: torch.optim.Optimizer, x, y) -> None:
    opt.zero_grad()
    F.cross_entropy(net(x), y).backward()
    opt.step()


def timed(fn, steps: int) -> float:
    """Milliseconds a call of ``fn``, over ``steps`` calls after two untimed ones."""
    for _ in range(2):
        fn()
    start = time.perf_counter()
    for _ in range(steps):
        fn()
    return (time.perf_counter() - start) / steps * 1000


def measure(length: int, repeats: int, steps: int) -> dict:
    torch.manual_seed(0)
    conv = DepthwiseConv1d(113, 20, dilation=2, bias=False)
    x = torch.randn(16, 113, length)
    with torch.no_grad():
        phased = conv(x)
        with dilated_pytorch():
            same = torch.equal(phased, conv(x))
    net = LITE(1, 3)
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    xs, ys = torch.randn(16, 1, length), torch.randint(0, 3, (16,))
    runs = {"layer_phased": [], "layer_dilated": [], "step_phased": [], "step_dilated": []}
    for _ in range(repeats):
        runs["layer_phased"].append(timed(lambda: layer_pass(conv, x), steps))
        runs["step_phased"].append(timed(lambda: lite_step(net, opt, xs, ys), steps))
        with dilated_pytorch():
            runs["layer_dilated"].append(timed(lambda: layer_pass(conv, x), steps))
            runs["step_dilated"].append(timed(lambda: lite_step(net, opt, xs, ys), steps))
    return {
        "length": length,
        "same_output": same,
        **{k: float(np.median(v)) for k, v in runs.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="100,251,1460")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--out-dir", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = [measure(int(n), args.repeats, args.steps) for n in args.lengths.split(",")]
    table = pd.DataFrame(rows)
    lines = [
        "# LITE's dilated depthwise convolution: phase by phase against PyTorch's own",
        "",
        f"`.venv/bin/python benchmarks/depthwise.py --lengths {args.lengths} --repeats "
        f"{args.repeats} --steps {args.steps}`",
        "",
        "Forward and backward of the first separable block's depthwise convolution (113 "
        "channels, kernel 20, dilation 2, batch 16), and a whole LITE training step (batch "
        "16, one channel); milliseconds, median of the repeats, one torch thread. "
        f"Machine: {platform.platform()}, torch {torch.__version__}.",
        "",
        "| length | same output | layer, phases | layer, dilated | ratio | LITE step, phases "
        "| LITE step, dilated | ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['length']} | {'yes' if r['same_output'] else 'NO'} | "
            f"{r['layer_phased']:.1f} | {r['layer_dilated']:.1f} | "
            f"{r['layer_phased'] / r['layer_dilated']:.2f} | {r['step_phased']:.1f} | "
            f"{r['step_dilated']:.1f} | {r['step_phased'] / r['step_dilated']:.2f} |"
        )
    args.out_dir.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out_dir / "depthwise.csv", index=False)
    (args.out_dir / "depthwise.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
