"""A plain 1D convolutional classifier."""

from __future__ import annotations

from typing import Any

from torch import nn

from tszoo.models.deep.base import TEST_TRAINING, DeepClassifier
from tszoo.models.deep.networks import CNN1D


class CNN1DClassifier(DeepClassifier):
    """Stacked conv blocks, global average pooling over valid steps, linear.

    Network parameters are those of :class:`~tszoo.models.deep.networks.CNN1D`; the rest
    are :class:`~tszoo.models.deep.base.DeepClassifier`'s.

    The defaults — one conv block of kernel 3 on first differences — make it a learned
    roughness detector: on the study's sample recording deeper or wider nets, and raw or
    centred input, overfit the slow drifts between blocks (mean test accuracy over five
    seeds 0.68-0.88 against about 0.95; see ``benchmarks/study_table.py``).
    """

    def __init__(
        self,
        *,
        n_filters: int = 32,
        n_layers: int = 1,
        kernel_size: int = 3,
        dropout: float = 0.2,
        max_epochs: int = 100,
        batch_size: int = 32,
        lr: float = 1e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        scheduler: str = "cosine",
        patience: int = 30,
        class_weight: str | None = None,
        inputs: str = "diff",
        augment_shift: float = 0.0,
        augment_noise: float = 0.0,
        augment_scale: float = 0.0,
        random_state: int | None = None,
        device: str = "auto",
        callbacks: list | None = None,
    ) -> None:
        self.n_filters = n_filters
        self.n_layers = n_layers
        self.kernel_size = kernel_size
        self.dropout = dropout
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.scheduler = scheduler
        self.patience = patience
        self.class_weight = class_weight
        self.inputs = inputs
        self.augment_shift = augment_shift
        self.augment_noise = augment_noise
        self.augment_scale = augment_scale
        self.random_state = random_state
        self.device = device
        self.callbacks = callbacks

    def _build_network(self, n_channels: int, n_classes: int, n_timepoints: int) -> nn.Module:
        return CNN1D(
            n_channels,
            n_classes,
            n_filters=self.n_filters,
            n_layers=self.n_layers,
            kernel_size=self.kernel_size,
            dropout=self.dropout,
        )

    @classmethod
    def _get_test_params(cls) -> dict[str, Any]:
        return {"n_filters": 4, "n_layers": 1, **TEST_TRAINING}
