"""The fully convolutional network (FCN) of Wang et al. (2017) as a classifier."""

from __future__ import annotations

from typing import Any

from torch import nn

from tszoo.models.deep.base import STATS_CHUNK, TEST_TRAINING, DeepClassifier
from tszoo.models.deep.networks import CNN1D


class CNN1DClassifier(DeepClassifier):
    """Conv blocks, global average pooling over valid steps, linear: the FCN baseline.

    Network parameters are those of :class:`~tszoo.models.deep.networks.CNN1D`; the rest
    are :class:`~tszoo.models.deep.base.DeepClassifier`'s. The paper's network has 128,
    256 and 128 filters; the default here halves them (64, 128, 64), a quarter of the
    arithmetic, so that it trains in seconds on a CPU.
    """

    def __init__(
        self,
        *,
        n_filters: int = 64,
        n_layers: int = 3,
        kernel_size: int = 8,
        dropout: float = 0.0,
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
        self.n_filters = n_filters
        self.n_layers = n_layers
        self.kernel_size = kernel_size
        self.dropout = dropout
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
