"""LITE (Ismail-Fawaz, Devanne, Berretti, Weber & Forestier, 2023, "LITE: Light Inception
with boosTing tEchniques for Time Series Classification").

Follows aeon's ``LITENetwork`` (``aeon/networks/_lite.py``, with ``use_litemv=False``),
itself adapted from the authors' code: the same layers, kernel sizes, dilations, fixed
filters and activations, no biases but the classifier's. Two departures: the 17 fixed filters
run as one convolution, which computes the same (see :class:`HandCraftedFilters`), and
padded steps of unequal-length series are masked as in every tszoo network.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from tszoo.models.deep.networks.layers import (
    DepthwiseConv1d,
    SameConv1d,
    apply_mask,
    length_mask,
    masked_mean,
)

# Lengths of the fixed filters: increasing- and decreasing-trend detectors of each length,
# peak detectors of 1.5 times each length but the first.
HAND_CRAFTED_SIZES = (2, 4, 8, 16, 32, 64)


def increasing_filter(size: int) -> Tensor:
    """``[-1, 1, -1, 1, ...]``: sums every other first difference, large on a rise."""
    w = torch.ones(size)
    w[0::2] = -1.0
    return w


def decreasing_filter(size: int) -> Tensor:
    """``[1, -1, 1, -1, ...]``: the mirror image, large on a fall."""
    return -increasing_filter(size)


def peak_filter(size: int) -> Tensor:
    """A positive quadratic bump between two negative ones, ``size + size // 2`` long.

    ``size`` divisible by 4; the filter sums to zero, so it ignores the level.
    """
    rise = torch.linspace(0.0, 1.0, size // 4 + 1)[1:] ** 2  # (size // 4,)
    bump = torch.cat([rise, rise.flip(0)])  # (size // 2,)
    return torch.cat([-bump, 2 * bump, -bump])  # (3 * size // 2,)


def hand_crafted_filters(sizes: tuple[int, ...] = HAND_CRAFTED_SIZES) -> list[Tensor]:
    """The increasing, decreasing and peak detectors, in aeon's order (17 by default)."""
    return (
        [increasing_filter(k) for k in sizes]
        + [decreasing_filter(k) for k in sizes]
        + [peak_filter(k) for k in sizes[1:]]
    )


class HandCraftedFilters(nn.Module):
    """Fixed (never trained) filters, each summed over all channels, then ReLU.

    The filters are a buffer, not a parameter: saved with the weights, never seen by the
    optimiser. They run as one convolution: each is placed in a kernel of the longest
    length so that 'same' padding centres it exactly as it centres the filter alone.

    Parameters
    ----------
    n_channels : int
    sizes : tuple of int
        See :func:`hand_crafted_filters`.
    """

    def __init__(self, n_channels: int, sizes: tuple[int, ...] = HAND_CRAFTED_SIZES):
        super().__init__()
        filters = hand_crafted_filters(sizes)
        longest = max(len(w) for w in filters)
        weight = torch.zeros(len(filters), n_channels, longest)
        for i, w in enumerate(filters):
            start = (longest - 1) // 2 - (len(w) - 1) // 2  # 'same' pads (k - 1) // 2 on the left
            weight[i, :, start : start + len(w)] = w
        self.register_buffer("weight", weight)
        self.pad = ((longest - 1) // 2, longest // 2)  # 'same' padding, as SameConv1d's

    @property
    def n_filters(self) -> int:
        return self.weight.shape[0]

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(F.conv1d(F.pad(x, self.pad), self.weight))  # (B, C, T) -> (B, 17, T)


class SeparableConvBlock(nn.Module):
    """Depthwise (dilated) then pointwise convolution -> BatchNorm -> ReLU, padding kept at zero.

    Parameters
    ----------
    in_channels, out_channels, kernel_size, dilation : int
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, dilation: int):
        super().__init__()
        self.depthwise = DepthwiseConv1d(in_channels, kernel_size, dilation=dilation, bias=False)
        self.pointwise = nn.Conv1d(in_channels, out_channels, 1, bias=False)
        self.norm = nn.BatchNorm1d(out_channels)

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        z = self.pointwise(self.depthwise(x))  # (B, C, T) -> (B, C, T) -> (B, F, T)
        return apply_mask(F.relu(self.norm(z)), mask)


class LITE(nn.Module):
    """Multiplexed convolutions + fixed filters, two dilated separable convolutions, GAP, linear.

    1. Three convolutions of ``kernel_size``, ``kernel_size // 2`` and ``kernel_size // 4``
       (``n_filters`` each, no activation) beside :class:`HandCraftedFilters`, concatenated,
       BatchNorm, ReLU.
    2. Two :class:`SeparableConvBlock` of ``n_filters``: kernel ``kernel_size // 2`` with
       dilation 2, then ``kernel_size // 4`` with dilation 4.
    3. Global average pooling over valid steps, linear.

    With one channel and two classes it has 9,880 trainable parameters, 2.4 % of the
    404,994 of :class:`~tszoo.models.deep.networks.InceptionNetwork` at its defaults (the
    paper: about 2 %).

    Parameters
    ----------
    n_channels, n_classes : int
    n_filters : int
        Filters of each multiplexed convolution and of the separable blocks.
    kernel_size : int
        The longest multiplexed kernel (the paper's 40); the others halve it.
    """

    def __init__(
        self, n_channels: int, n_classes: int, *, n_filters: int = 32, kernel_size: int = 40
    ):
        super().__init__()
        kernels = [max(1, kernel_size // 2**i) for i in range(3)]
        self.multiplexed = nn.ModuleList(
            SameConv1d(n_channels, n_filters, k, bias=False) for k in kernels
        )
        self.hand_crafted = HandCraftedFilters(n_channels)
        width = len(kernels) * n_filters + self.hand_crafted.n_filters
        self.norm = nn.BatchNorm1d(width)
        self.separable = nn.ModuleList(
            [
                SeparableConvBlock(width, n_filters, kernels[1], dilation=2),
                SeparableConvBlock(n_filters, n_filters, kernels[2], dilation=4),
            ]
        )
        self.head = nn.Linear(n_filters, n_classes)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        mask = length_mask(lengths, x.shape[-1])
        branches = [conv(x) for conv in self.multiplexed]  # each (B, C, T) -> (B, F, T)
        branches.append(self.hand_crafted(x))  # (B, C, T) -> (B, 17, T)
        x = apply_mask(F.relu(self.norm(torch.cat(branches, dim=1))), mask)  # (B, 3F + 17, T)
        for block in self.separable:
            x = block(x, mask)  # (B, C, T) -> (B, F, T)
        return self.head(masked_mean(x, mask))  # (B, F) -> (B, n_classes)
