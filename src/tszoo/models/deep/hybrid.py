"""Hybrid CNN-LSTM classifier, with or without spatial attention."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from tszoo.errors import TszooError
from tszoo.models.base import ArrayLike3D, check_X
from tszoo.models.deep.base import STATS_CHUNK, TEST_TRAINING, DeepClassifier
from tszoo.models.deep.networks import HybridCNNLSTM
from tszoo.training import resolve_device


class HybridCNNLSTMClassifier(DeepClassifier):
    """Conv features -> optional spatial attention over time -> LSTM -> linear.

    The study's model; ``attention=False`` is its plain hybrid CNN-LSTM variant. Network
    parameters are those of :class:`~tszoo.models.deep.networks.HybridCNNLSTM`; the rest
    are :class:`~tszoo.models.deep.base.DeepClassifier`'s. ``max_steps=32`` (the attention
    and LSTM see at most 32 pooled steps) validated better than no further pooling on
    development sets with longer series (``hybrid_max_steps.md`` in
    ``benchmarks/results/tuning/``); series of up to 131 points (32 steps after the conv
    blocks) are not pooled further.

    The training defaults are every tszoo network's (see
    :class:`~tszoo.models.deep.base.DeepClassifier` and the README's "How the defaults were
    chosen"); the study's own settings (Adam lr 1e-3 or SGD lr 0.01, batch 64, 200 epochs)
    are ``configs/models/hybrid_attention.yaml`` and ``hybrid_cnn_lstm.yaml``.
    """

    _tags: ClassVar[dict[str, Any]] = {**DeepClassifier._tags, "attention": True}

    def __init__(
        self,
        *,
        attention: bool = True,
        n_filters: int = 32,
        n_conv_layers: int = 2,
        kernel_size: int = 3,
        pool: int = 2,
        hidden_size: int = 64,
        dropout: float = 0.2,
        pooling: str = "last",
        max_steps: int | None = 32,
        n_steps: int | None = 1000,
        max_epochs: int = 500,
        batch_size: int = 16,
        lr: float = 1e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        scheduler: str = "cosine",
        patience: int | None = None,
        keep: str = "last",
        refit: bool = True,
        min_validation_per_class: int = 5,
        stop_loss: float | None = 0.01,
        class_weight: str | None = None,
        inputs: str = "auto",
        augment_shift: float = 0.0,
        augment_noise: float = 0.0,
        augment_scale: float = 0.0,
        precise_bn: bool = False,
        random_state: int | None = None,
        n_jobs: int = 1,
        device: str = "auto",
        chunk_size: int = STATS_CHUNK,
        callbacks: list | None = None,
    ) -> None:
        self.attention = attention
        self.n_filters = n_filters
        self.n_conv_layers = n_conv_layers
        self.kernel_size = kernel_size
        self.pool = pool
        self.hidden_size = hidden_size
        self.dropout = dropout
        self.pooling = pooling
        self.max_steps = max_steps
        self.n_steps = n_steps
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.scheduler = scheduler
        self.patience = patience
        self.keep = keep
        self.refit = refit
        self.min_validation_per_class = min_validation_per_class
        self.stop_loss = stop_loss
        self.class_weight = class_weight
        self.inputs = inputs
        self.augment_shift = augment_shift
        self.augment_noise = augment_noise
        self.augment_scale = augment_scale
        self.precise_bn = precise_bn
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.device = device
        self.chunk_size = chunk_size
        self.callbacks = callbacks

    def _build_network(self, n_channels: int, n_classes: int, n_timepoints: int) -> nn.Module:
        if self.pooling not in ("last", "mean"):
            raise TszooError(f"pooling={self.pooling!r} is not one of 'last', 'mean'")
        return HybridCNNLSTM(
            n_channels,
            n_classes,
            n_filters=self.n_filters,
            n_conv_layers=self.n_conv_layers,
            kernel_size=self.kernel_size,
            pool=self.pool,
            hidden_size=self.hidden_size,
            attention=self.attention,
            dropout=self.dropout,
            pooling=self.pooling,
            n_timepoints=n_timepoints,
            max_steps=self.max_steps,
        )

    @torch.no_grad()
    def attention_weights(self, X: ArrayLike3D) -> np.ndarray:
        """Attention over the pooled time steps, ``(n_cases, n_timepoints')``, for plotting.

        ``n_timepoints' = n_timepoints // pool**n_conv_layers``, pooled further under
        ``max_steps`` (see :class:`~tszoo.models.deep.networks.HybridCNNLSTM`); each row
        sums to 1 over the series' valid steps (padding gets 0). Averaged over the ensemble, if any.
        """
        if not self.attention:
            raise TszooError("this model has no attention (attention=False); refit with True")
        data = self._tensor_data(check_X(X))
        device = resolve_device(self.device)
        self.network_.to(device).eval()
        data = data.to(device)
        weights = [net.encode(data.X, data.lengths)[2] for net in self.network_]
        return torch.stack(weights).mean(0).cpu().numpy()

    @classmethod
    def _get_test_params(cls) -> dict[str, Any]:
        return {"n_filters": 4, "n_conv_layers": 1, "hidden_size": 8, **TEST_TRAINING}
