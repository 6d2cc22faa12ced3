"""A plain 1D convolutional network."""

from __future__ import annotations

import itertools

from torch import Tensor, nn

from tszoo.models.deep.networks.layers import ConvBlock, length_mask, masked_mean


class CNN1D(nn.Module):
    """Stacked conv blocks -> global average pooling over valid steps -> linear.

    Parameters
    ----------
    n_channels, n_classes : int
    n_filters : int
        Filters of every conv block.
    n_layers, kernel_size : int
    dropout : float
        Dropout before the classifier.
    """

    def __init__(
        self,
        n_channels: int,
        n_classes: int,
        *,
        n_filters: int = 32,
        n_layers: int = 1,
        kernel_size: int = 3,
        dropout: float = 0.2,
    ):
        super().__init__()
        widths = [n_channels] + [n_filters] * n_layers
        self.convs = nn.ModuleList(
            ConvBlock(a, b, kernel_size) for a, b in itertools.pairwise(widths)
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(n_filters, n_classes)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        for conv in self.convs:
            x, lengths = conv(x, lengths)  # (B, C, T) -> (B, F, T)
        pooled = masked_mean(x, length_mask(lengths, x.shape[-1]))  # (B, F)
        return self.head(self.dropout(pooled))  # (B, n_classes)
