"""The fully convolutional network of Wang, Yan & Oates (2017)."""

from __future__ import annotations

import itertools

from torch import Tensor, nn

from tszoo.models.deep.networks.layers import ConvBlock, length_mask, masked_mean


def fcn_widths(n_filters: int, n_layers: int) -> list[int]:
    """Filters per block: ``n_filters`` at both ends, twice as many in between
    (the paper's 128, 256, 128)."""
    if n_layers <= 2:
        return [n_filters] * n_layers
    return [n_filters] + [2 * n_filters] * (n_layers - 2) + [n_filters]


def fcn_kernels(kernel_size: int, n_layers: int) -> list[int]:
    """Kernel lengths shrinking geometrically from ``kernel_size`` to 3/8 of it (the paper's
    8, 5, 3)."""
    if n_layers == 1:
        return [kernel_size]
    return [max(1, round(kernel_size * (3 / 8) ** (i / (n_layers - 1)))) for i in range(n_layers)]


class CNN1D(nn.Module):
    """Conv blocks (conv -> BatchNorm -> ReLU, no pooling) -> global average pooling -> linear.

    With the defaults this is the FCN of Wang et al. (2017, "Time series classification
    from scratch with deep neural networks: a strong baseline"): three blocks of 128, 256
    and 128 filters with kernels 8, 5 and 3.

    Parameters
    ----------
    n_channels, n_classes : int
    n_filters : int
        Filters of the first and last block; the blocks between have twice as many.
    n_layers : int
        Conv blocks.
    kernel_size : int
        Kernel of the first block; later blocks shrink it to about 3/8 (8 -> 8, 5, 3).
    dropout : float
        Dropout before the classifier.
    """

    def __init__(
        self,
        n_channels: int,
        n_classes: int,
        *,
        n_filters: int = 128,
        n_layers: int = 3,
        kernel_size: int = 8,
        dropout: float = 0.0,
    ):
        super().__init__()
        widths = [n_channels, *fcn_widths(n_filters, n_layers)]
        kernels = fcn_kernels(kernel_size, n_layers)
        self.convs = nn.ModuleList(
            ConvBlock(a, b, k) for (a, b), k in zip(itertools.pairwise(widths), kernels)
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(widths[-1], n_classes)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        for conv in self.convs:
            x, lengths = conv(x, lengths)  # (B, C, T) -> (B, F, T)
        pooled = masked_mean(x, length_mask(lengths, x.shape[-1]))  # (B, F)
        return self.head(self.dropout(pooled))  # (B, n_classes)
