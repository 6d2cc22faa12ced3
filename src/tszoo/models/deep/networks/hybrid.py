"""Hybrid CNN-LSTM with optional spatial attention over time."""

from __future__ import annotations

import itertools

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence

from tszoo.models.deep.networks.layers import ConvBlock, length_mask, masked_mean, pool_time


class SpatialAttention(nn.Module):
    """A 1x1 convolution scores each time step; softmax over valid steps gives the weights.

    The features are multiplied by ``weights * n_valid`` so that uniform attention leaves
    them unchanged (plain softmax weights would shrink them by the sequence length).
    """

    def __init__(self, n_features: int):
        super().__init__()
        self.score = nn.Conv1d(n_features, 1, kernel_size=1)

    def forward(self, h: Tensor, mask: Tensor | None) -> tuple[Tensor, Tensor]:
        scores = self.score(h).squeeze(1)  # (B, F, T) -> (B, T)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)  # (B, T), sums to 1 over valid steps
        n_valid = h.shape[-1] if mask is None else mask.sum(1, keepdim=True)
        return h * (weights * n_valid).unsqueeze(1), weights  # (B, F, T), (B, T)


class HybridCNNLSTM(nn.Module):
    """Conv feature extractor -> optional spatial attention -> LSTM -> linear.

    Parameters
    ----------
    n_channels, n_classes : int
    n_filters : int
        Filters of the first conv block; each further block doubles them.
    n_conv_layers : int
        Conv blocks, each followed by max pooling of size ``pool``.
    kernel_size, pool : int
    hidden_size : int
        LSTM units.
    attention : bool
        Insert :class:`SpatialAttention` between the convolutions and the LSTM.
    dropout : float
        Dropout before the classifier.
    pooling : {"last", "mean"}
        Summarise the LSTM by its last valid hidden state or the mean over valid steps.
    n_timepoints : int or None
        The series length the network is built for; with ``max_steps``, it fixes how much
        more the conv features are pooled (the same for every input, so a series gives
        the same alone or padded in a batch).
    max_steps : int or None
        The most time steps the attention and LSTM see: conv features of a longer series
        (``n_timepoints // pool**n_conv_layers`` steps) are max-pooled further by
        ``ceil(steps / max_steps)``. None: no further pooling.
    """

    def __init__(
        self,
        n_channels: int,
        n_classes: int,
        *,
        n_filters: int = 32,
        n_conv_layers: int = 2,
        kernel_size: int = 3,
        pool: int = 2,
        hidden_size: int = 64,
        attention: bool = True,
        dropout: float = 0.2,
        pooling: str = "last",
        n_timepoints: int | None = None,
        max_steps: int | None = None,
    ):
        super().__init__()
        widths = [n_channels] + [n_filters * 2**i for i in range(n_conv_layers)]
        self.convs = nn.ModuleList(
            ConvBlock(a, b, kernel_size, pool) for a, b in itertools.pairwise(widths)
        )
        self.attention = SpatialAttention(widths[-1]) if attention else None
        self.lstm = nn.LSTM(widths[-1], hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, n_classes)
        self.pooling = pooling
        steps = None if n_timepoints is None else n_timepoints // pool**n_conv_layers
        self.step_pool = 1 if steps is None or max_steps is None else -(-steps // max_steps)

    def encode(self, x: Tensor, lengths: Tensor | None):
        """Conv features (after attention), their lengths and the attention weights
        ``(B, T')`` (None without attention)."""
        for conv in self.convs:
            x, lengths = conv(x, lengths)  # (B, C, T) -> (B, F, T')
        if self.step_pool > 1:  # (B, F, T') -> (B, F, T' // step_pool)
            x, lengths = pool_time(x, lengths, self.step_pool)
        weights = None
        if self.attention is not None:
            x, weights = self.attention(x, length_mask(lengths, x.shape[-1]))
        return x, lengths, weights

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        h, lengths, _ = self.encode(x, lengths)  # (B, F, T')
        seq = h.transpose(1, 2)  # (B, T', F)
        if lengths is None:
            out, (last, _) = self.lstm(seq)  # (B, T', H), (1, B, H)
        else:  # packing makes the LSTM stop at each series' last valid step
            packed = pack_padded_sequence(seq, lengths.clamp(min=1).cpu(), True, False)
            out, (last, _) = self.lstm(packed)
            out = nn.utils.rnn.pad_packed_sequence(out, True, total_length=seq.shape[1])[0]
        if self.pooling == "mean":
            feature = masked_mean(out.transpose(1, 2), length_mask(lengths, out.shape[1]))
        else:
            feature = last[-1]  # (B, H)
        return self.head(self.dropout(feature))  # (B, n_classes)
