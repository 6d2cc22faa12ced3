"""Building blocks shared by the networks, and the masking of padded time steps.

Unequal-length series arrive right-padded with zeros plus their true ``lengths``. Every
block zeroes the padded steps of its output, so a padded series gives exactly what it
gives alone (in eval mode): 'same' convolutions see zeros past the end either way, max
pooling fills padding with -inf first, and pooling over time averages valid steps only.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def length_mask(lengths: Tensor | None, n_timepoints: int) -> Tensor | None:
    """``(B,)`` lengths -> ``(B, T)`` bool mask, True on valid steps (None stays None)."""
    if lengths is None:
        return None
    return torch.arange(n_timepoints, device=lengths.device)[None, :] < lengths[:, None]


def apply_mask(x: Tensor, mask: Tensor | None) -> Tensor:
    """Zero the padded steps of ``x`` ``(B, C, T)``."""
    return x if mask is None else x * mask[:, None, :].to(x.dtype)


def masked_mean(x: Tensor, mask: Tensor | None) -> Tensor:
    """Mean over valid time steps: ``(B, C, T) -> (B, C)``."""
    if mask is None:
        return x.mean(dim=-1)
    m = mask[:, None, :].to(x.dtype)
    return (x * m).sum(dim=-1) / m.sum(dim=-1).clamp(min=1.0)


def masked_max_pool(x: Tensor, mask: Tensor | None, kernel: int, stride: int) -> Tensor:
    """Max pooling that never picks a padded step (they become -inf first)."""
    if mask is not None:
        x = x.masked_fill(~mask[:, None, :], float("-inf"))
    x = F.max_pool1d(x, kernel, stride=stride, padding=kernel // 2 if stride == 1 else 0)
    return x if mask is None else x.masked_fill(torch.isinf(x), 0.0)


def pool_time(x: Tensor, lengths: Tensor | None, size: int) -> tuple[Tensor, Tensor | None]:
    """Max-pool ``(B, C, T)`` over time in windows of ``size`` (stride ``size``), never
    picking a padded step; lengths shrink by ``size``, and a window that straddles a series'
    end is dropped, as it is when the series is pooled alone."""
    x = masked_max_pool(x, length_mask(lengths, x.shape[-1]), size, size)
    if lengths is not None:
        lengths = lengths // size
        x = apply_mask(x, length_mask(lengths, x.shape[-1]))
    return x, lengths  # (B, C, T // size)


class SameConv1d(nn.Conv1d):
    """``Conv1d`` whose output has its input's length, for odd and even kernels alike.

    PyTorch's ``padding="same"`` copies the input into a padded buffer for even kernels
    (with a warning each call); this pads explicitly, as that does: ``(k - 1) // 2`` zeros
    on the left and the rest on the right, times the dilation.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, **kwargs):
        super().__init__(in_channels, out_channels, kernel_size, padding=0, **kwargs)
        total = self.dilation[0] * (kernel_size - 1)
        self.pad = (total // 2, total - total // 2)

    def forward(self, x: Tensor) -> Tensor:
        return super().forward(F.pad(x, self.pad))  # (B, C_in, T) -> (B, C_out, T)


class DepthwiseConv1d(SameConv1d):
    """A 'same' depthwise convolution (``groups == channels``): each channel filtered alone.

    PyTorch's own grouped convolution; a dilated one runs undilated on each phase of the
    series (every ``dilation``-th step, from each offset), the same sums at the same steps
    and so the same output (to float rounding), because PyTorch's dilated grouped
    convolution is slow on the CPU. For LITE's 113 channels, kernel 20 and dilation 2 on a
    batch of 16, forward and backward took 4.9, 9.9 and 59 ms at 100, 251 and 1,460 steps,
    against 7.0, 15.0 and 94 ms dilated, and a whole LITE training step 0.68-0.79 of the
    time (``benchmarks/depthwise.py``, torch 2.13, one thread); a sum of ``k`` shifted
    slices was slower still. The phases run
    as a 2D convolution on channels-last memory, where oneDNN's depthwise kernels (above
    all the weight gradient's) are faster again: a LITE training step took 0.84-0.88 of
    the time of the same phases on the default layout from 100 to 427 steps, and the same
    (1.00-1.02) at 24 and 1,460 (``benchmarks/results/depthwise.md``).
    """

    def __init__(self, channels: int, kernel_size: int, **kwargs):
        super().__init__(channels, channels, kernel_size, groups=channels, **kwargs)

    def forward(self, x: Tensor) -> Tensor:
        d = self.dilation[0]
        if d == 1:
            return super().forward(x)
        B, C, T = x.shape
        k, n = self.kernel_size[0], -(-T // d)  # n: steps of the longest phase
        # out[q d + r] = sum_j w[j] x[(q + j) d + r - left]: phase r of the left-padded
        # series, convolved (undilated, valid) with the kernel; channels last in memory
        m = n + k - 1
        padded = F.pad(x, (self.pad[0], m * d - self.pad[0] - T))  # (B, C, m d)
        phases = padded.reshape(B, C, m, d).permute(0, 3, 2, 1).reshape(B * d, 1, m, C)
        out = F.conv2d(phases.permute(0, 3, 1, 2), self.weight[:, :, None], self.bias, groups=C)
        out = out.permute(0, 2, 3, 1).reshape(B, d, n, C)  # a view: out is channels last
        return out.permute(0, 3, 2, 1).reshape(B, C, n * d)[..., :T]


class ConvBlock(nn.Module):
    """Conv1d ('same' padding) -> BatchNorm -> ReLU -> optional max pool, padding kept at zero.

    Parameters
    ----------
    in_channels, out_channels, kernel_size : int
    pool : int
        Max-pool size and stride after the activation (1: none); lengths shrink by it.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, pool: int = 1):
        super().__init__()
        self.conv = SameConv1d(in_channels, out_channels, kernel_size, bias=False)
        self.norm = nn.BatchNorm1d(out_channels)
        self.pool = pool

    def forward(self, x: Tensor, lengths: Tensor | None) -> tuple[Tensor, Tensor | None]:
        mask = length_mask(lengths, x.shape[-1])
        x = apply_mask(F.relu(self.norm(self.conv(x))), mask)  # (B, C_in, T) -> (B, C_out, T)
        if self.pool > 1:
            x, lengths = pool_time(x, lengths, self.pool)  # (B, C_out, T // pool)
        return x, lengths
