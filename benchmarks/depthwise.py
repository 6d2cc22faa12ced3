"""Benchmark: LITE's dilated depthwise convolution, three ways of computing the same sums.

Run from the repository root::

    .venv/bin/python benchmarks/depthwise.py                 # about three minutes
    .venv/bin/python benchmarks/depthwise.py --repeats 5 --lengths 100,251

:class:`tszoo.models.deep.networks.layers.DepthwiseConv1d` runs a dilated depthwise
convolution as an undilated one on each phase of the series, as a 2D convolution on
channels-last memory ("as it is"). Beside it: the same phases as a 1D convolution on the
default memory layout (tszoo's form before), and PyTorch's dilated grouped convolution.
All three compute the same sums (checked here to float rounding before timing). For LITE's
first separable block (113 channels, kernel 20, dilation 2, batch 16) at each of
``--lengths`` this times a forward and backward pass of each, and a whole LITE training step
(Adam, one channel, three classes) with each form in the network. One torch thread; each
figure is the median of ``--repeats`` runs of ``--steps`` passes, the forms alternating.
Writes ``depthwise.{md,csv}`` under ``--out-dir`` (default ``benchmarks/results/``).
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


def phases_conv1d(self: DepthwiseConv1d, x: torch.Tensor) -> torch.Tensor:
    """The phases as a 1D convolution on the default memory layout."""
    d = self.dilation[0]
    B, C, T = x.shape
    k, n = self.kernel_size[0], -(-T // d)
    padded = F.pad(x, (self.pad[0], (n + k - 1) * d - self.pad[0] - T))
    phases = padded.reshape(B, C, n + k - 1, d).permute(0, 3, 1, 2).reshape(B * d, C, -1)
    out = F.conv1d(phases, self.weight, self.bias, groups=C)  # (B d, C, n)
    return out.reshape(B, d, C, n).permute(0, 2, 3, 1).reshape(B, C, n * d)[..., :T]


FORMS = {
    "as it is": DepthwiseConv1d.forward,
    "phases, conv1d": phases_conv1d,
    "dilated": SameConv1d.forward,
}


@contextmanager
def form(name: str):
    """DepthwiseConv1d computed the ``name`` way, for the comparison."""
    DepthwiseConv1d.forward = FORMS[name]
    try:
        yield
    finally:
        DepthwiseConv1d.forward = FORMS["as it is"]


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
        outputs = {}
        for name in FORMS:
            with form(name):
                outputs[name] = conv(x)
    same = all(torch.allclose(o, outputs["dilated"], atol=1e-5) for o in outputs.values())
    net = LITE(1, 3)
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    xs, ys = torch.randn(16, 1, length), torch.randint(0, 3, (16,))
    runs = {(kind, name): [] for kind in ("layer", "step") for name in FORMS}
    for _ in range(repeats):
        for name in FORMS:
            with form(name):
                runs["layer", name].append(timed(lambda: layer_pass(conv, x), steps))
                runs["step", name].append(timed(lambda: lite_step(net, opt, xs, ys), steps))
    row = {"length": length, "same_output": same}
    row.update({f"{kind}_{name}": float(np.median(v)) for (kind, name), v in runs.items()})
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="24,100,251,427,1460")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--out-dir", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = [measure(int(n), args.repeats, args.steps) for n in args.lengths.split(",")]
    names = list(FORMS)
    lines = [
        "# LITE's dilated depthwise convolution, three ways of computing the same sums",
        "",
        f"`.venv/bin/python benchmarks/depthwise.py --lengths {args.lengths} --repeats "
        f"{args.repeats} --steps {args.steps}`",
        "",
        "Forward and backward of the first separable block's depthwise convolution (113 "
        "channels, kernel 20, dilation 2, batch 16), and a whole LITE training step (batch "
        "16, one channel) with each form; milliseconds, median of the repeats, one torch "
        'thread; in brackets the ratio to PyTorch\'s dilated convolution. "as it is": '
        "the phases as a 2D convolution on channels-last memory (`DepthwiseConv1d`); "
        '"phases, conv1d": the same phases on the default layout. '
        f"Machine: {platform.platform()}, torch {torch.__version__}.",
        "",
        "| length | same output | "
        + " | ".join(f"{kind}, {name}" for kind in ("layer", "LITE step") for name in names)
        + " |",
        "|---|---|" + "---|" * (2 * len(names)),
    ]
    for r in rows:
        cells = []
        for kind in ("layer", "step"):
            base = r[f"{kind}_dilated"]
            cells += [f"{r[f'{kind}_{n}']:.1f} ({r[f'{kind}_{n}'] / base:.2f})" for n in names]
        same = "yes" if r["same_output"] else "NO"
        lines.append(f"| {r['length']} | {same} | " + " | ".join(cells) + " |")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(args.out_dir / "depthwise.csv", index=False)
    (args.out_dir / "depthwise.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
