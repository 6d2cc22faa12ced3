"""ResNet (Wang, Yan & Oates, 2017), the strong baseline of Ismail Fawaz et al.'s 2019 review."""

from __future__ import annotations

from typing import Any

from torch import nn

from tszoo.models.deep.base import STATS_CHUNK, TEST_TRAINING, DeepClassifier
from tszoo.models.deep.networks import ResNet
from tszoo.models.deep.networks.cnn import fcn_kernels


class ResNetClassifier(DeepClassifier):
    """One ResNet: by default three residual blocks of 64, 128, 128 filters, GAP, linear.

    ``kernel_size`` is the first convolution's kernel in every block; the second and third
    shrink it as the paper's 8, 5, 3, by the rule of the paper's FCN (``cnn_1d``, see
    :func:`~tszoo.models.deep.networks.cnn.fcn_kernels`).

    Network parameters are those of :class:`~tszoo.models.deep.networks.ResNet`; the rest
    are :class:`~tszoo.models.deep.base.DeepClassifier`'s.
    """

    def __init__(
        self,
        *,
        n_filters: int = 64,
        kernel_size: int = 8,
        n_blocks: int = 3,
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
        self.kernel_size = kernel_size
        self.n_blocks = n_blocks
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
        return ResNet(
            n_channels,
            n_classes,
            n_filters=self.n_filters,
            kernel_sizes=tuple(fcn_kernels(self.kernel_size, 3)),
            n_blocks=self.n_blocks,
        )

    @classmethod
    def _get_test_params(cls) -> dict[str, Any]:
        return {"n_filters": 4, "kernel_size": 8, "n_blocks": 3, **TEST_TRAINING}
