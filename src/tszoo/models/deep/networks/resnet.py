"""ResNet for time series (Wang, Yan & Oates, 2017, "Time series classification from scratch
with deep neural networks: a strong baseline"), as in Ismail Fawaz et al.'s 2019 review."""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor, nn

from tszoo.models.deep.networks.layers import SameConv1d, apply_mask, length_mask, masked_mean


class ResidualBlock(nn.Module):
    """Three 'same' convolutions with BatchNorm, a shortcut added before the last ReLU.

    The shortcut is a 1x1 convolution + BatchNorm where the width changes and BatchNorm
    alone where it does not, as in the review's code.

    Parameters
    ----------
    in_channels, out_channels : int
    kernel_sizes : tuple of int
        One kernel per convolution, e.g. the paper's (8, 5, 3).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_sizes: tuple[int, ...]):
        super().__init__()
        widths = [in_channels] + [out_channels] * len(kernel_sizes)
        # no conv bias: the BatchNorm after each convolution has its own
        self.convs = nn.ModuleList(
            SameConv1d(widths[i], out_channels, k, bias=False) for i, k in enumerate(kernel_sizes)
        )
        self.norms = nn.ModuleList(nn.BatchNorm1d(out_channels) for _ in kernel_sizes)
        projection = (
            [nn.Conv1d(in_channels, out_channels, 1, bias=False)]
            if in_channels != out_channels
            else []
        )
        self.shortcut = nn.Sequential(*projection, nn.BatchNorm1d(out_channels))

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        z = x
        for i, (conv, norm) in enumerate(zip(self.convs, self.norms)):
            z = norm(conv(z))  # (B, C, T) -> (B, F, T)
            if i < len(self.convs) - 1:  # the last ReLU comes after the addition
                z = apply_mask(F.relu(z), mask)
        out = F.relu(z + self.shortcut(x))  # (B, F, T) + (B, C, T) -> (B, F, T)
        return apply_mask(out, mask)


class ResNet(nn.Module):
    """``n_blocks`` residual blocks, global average pooling over valid steps, linear.

    Block widths are ``n_filters`` and then ``2 * n_filters`` (the paper's 64, 128, 128).

    Parameters
    ----------
    n_channels, n_classes : int
    n_filters : int
        Width of the first block; the later blocks have twice as many filters.
    kernel_sizes : tuple of int
        The kernels of the convolutions in each block.
    n_blocks : int
        Residual blocks.
    """

    def __init__(
        self,
        n_channels: int,
        n_classes: int,
        *,
        n_filters: int = 64,
        kernel_sizes: tuple[int, ...] = (8, 5, 3),
        n_blocks: int = 3,
    ):
        super().__init__()
        widths = [n_channels, n_filters] + [2 * n_filters] * (n_blocks - 1)
        self.blocks = nn.ModuleList(
            ResidualBlock(widths[i], widths[i + 1], kernel_sizes) for i in range(n_blocks)
        )
        self.head = nn.Linear(widths[-1], n_classes)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        mask = length_mask(lengths, x.shape[-1])
        for block in self.blocks:
            x = block(x, mask)  # (B, C, T) -> (B, F, T)
        return self.head(masked_mean(x, mask))  # (B, F) -> (B, n_classes)
