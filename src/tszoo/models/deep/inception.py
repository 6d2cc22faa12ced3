"""InceptionTime: an ensemble of Inception networks (Ismail Fawaz et al., 2020)."""

from __future__ import annotations

from typing import Any

from torch import nn

from tszoo.models.deep.base import STATS_CHUNK, TEST_TRAINING, DeepClassifier
from tszoo.models.deep.networks import InceptionNetwork


def inception_kernel_sizes(kernel_size: int) -> tuple[int, ...]:
    """The three branch lengths from the longest: 39 -> (39, 19, 9), always odd."""
    return tuple(max(1, (kernel_size // 2**i) // 2 * 2 + 1) for i in range(3))


class InceptionTimeClassifier(DeepClassifier):
    """Averages the softmax outputs of ``n_ensemble`` independently initialised networks.

    ``kernel_size`` is the longest branch; the others halve it (the paper's 40/20/10,
    made odd so 'same' padding stays centred).

    Network parameters are those of :class:`~tszoo.models.deep.networks.InceptionNetwork`;
    the rest are :class:`~tszoo.models.deep.base.DeepClassifier`'s.
    """

    def __init__(
        self,
        *,
        n_ensemble: int = 5,
        n_filters: int = 32,
        depth: int = 6,
        kernel_size: int = 39,
        bottleneck: int = 32,
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
        self.n_ensemble = n_ensemble
        self.n_filters = n_filters
        self.depth = depth
        self.kernel_size = kernel_size
        self.bottleneck = bottleneck
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

    def _n_members(self) -> int:
        return self.n_ensemble

    def _build_network(self, n_channels: int, n_classes: int, n_timepoints: int) -> nn.Module:
        return InceptionNetwork(
            n_channels,
            n_classes,
            n_filters=self.n_filters,
            depth=self.depth,
            kernel_sizes=inception_kernel_sizes(self.kernel_size),
            bottleneck=self.bottleneck,
        )

    @classmethod
    def _get_test_params(cls) -> dict[str, Any]:
        return {
            "n_ensemble": 1,
            "n_filters": 4,
            "depth": 3,
            "kernel_size": 9,
            "bottleneck": 4,
            **TEST_TRAINING,
        }
