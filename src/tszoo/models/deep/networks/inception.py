"""InceptionTime's network (Ismail Fawaz et al., 2020, "InceptionTime: Finding AlexNet for
Time Series Classification")."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from tszoo.models.deep.networks.layers import apply_mask, length_mask, masked_max_pool, masked_mean


class InceptionModule(nn.Module):
    """Bottleneck -> parallel convolutions of three lengths, plus max pool -> 1x1 conv.

    Odd kernel sizes (9/19/39 for the paper's 10/20/40) keep the output centred.
    """

    def __init__(self, in_channels: int, n_filters: int, kernel_sizes, bottleneck: int):
        super().__init__()
        use_bottleneck = in_channels > 1
        width = bottleneck if use_bottleneck else in_channels
        self.bottleneck = (
            nn.Conv1d(in_channels, bottleneck, 1, bias=False) if use_bottleneck else nn.Identity()
        )
        self.convs = nn.ModuleList(
            nn.Conv1d(width, n_filters, k, padding=k // 2, bias=False) for k in kernel_sizes
        )
        self.pool_conv = nn.Conv1d(in_channels, n_filters, 1, bias=False)
        self.norm = nn.BatchNorm1d(n_filters * (len(kernel_sizes) + 1))

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        z = self.bottleneck(x)  # (B, C, T) -> (B, bottleneck, T)
        branches = [conv(z) for conv in self.convs]  # each (B, F, T)
        branches.append(self.pool_conv(masked_max_pool(x, mask, 3, 1)))  # (B, F, T)
        out = F.relu(self.norm(torch.cat(branches, dim=1)))  # (B, 4F, T)
        return apply_mask(out, mask)


class InceptionNetwork(nn.Module):
    """``depth`` inception modules, a residual shortcut every 3, global average pooling, linear.

    Parameters
    ----------
    n_channels, n_classes : int
    n_filters : int
        Filters per branch (the module outputs ``4 * n_filters``).
    depth : int
        Inception modules.
    kernel_sizes : tuple of int
    bottleneck : int
        Channels of the 1x1 bottleneck.
    """

    def __init__(
        self,
        n_channels: int,
        n_classes: int,
        *,
        n_filters: int = 32,
        depth: int = 6,
        kernel_sizes: tuple[int, ...] = (9, 19, 39),
        bottleneck: int = 32,
    ):
        super().__init__()
        width = n_filters * (len(kernel_sizes) + 1)
        self.blocks = nn.ModuleList(
            InceptionModule(n_channels if i == 0 else width, n_filters, kernel_sizes, bottleneck)
            for i in range(depth)
        )
        n_shortcuts = depth // 3
        self.shortcuts = nn.ModuleList(
            nn.Sequential(
                nn.Conv1d(n_channels if i == 0 else width, width, 1, bias=False),
                nn.BatchNorm1d(width),
            )
            for i in range(n_shortcuts)
        )
        self.head = nn.Linear(width, n_classes)

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        mask = length_mask(lengths, x.shape[-1])
        residual = x
        for i, block in enumerate(self.blocks):
            x = block(x, mask)  # (B, C, T) -> (B, 4F, T)
            if i % 3 == 2:  # residual connection every third module
                shortcut = self.shortcuts[i // 3](residual)  # (B, C, T) -> (B, 4F, T)
                x = residual = apply_mask(F.relu(x + shortcut), mask)
        return self.head(masked_mean(x, mask))  # (B, 4F) -> (B, n_classes)
