"""LITETime: an ensemble of LITE networks (Ismail-Fawaz et al., 2023)."""

from __future__ import annotations

from typing import Any

from torch import nn

from tszoo.models.deep.base import STATS_CHUNK, TEST_TRAINING, DeepClassifier
from tszoo.models.deep.networks import LITE


class LITETimeClassifier(DeepClassifier):
    """Averages the softmax outputs of ``n_ensemble`` independently initialised LITE networks.

    LITE is InceptionTime's design at about 2 % of its parameters: multiplexed convolutions
    beside fixed trend and peak filters, then dilated depthwise-separable convolutions. The
    network follows aeon's ``LITENetwork``; see :class:`~tszoo.models.deep.networks.LITE`.

    Network parameters are those of :class:`~tszoo.models.deep.networks.LITE`; the rest are
    :class:`~tszoo.models.deep.base.DeepClassifier`'s, but for a learning rate of 3e-3: on
    the development suite's validation splits it beat 1e-3 and 1e-2 for this small network
    (mean 0.852 against 0.838 and 0.841, seeds 0 and 1, 7 sets) and fitted in three
    quarters of 1e-3's time (``benchmarks/results/tuning/lite_lr.md``).
    """

    def __init__(
        self,
        *,
        n_ensemble: int = 5,
        n_filters: int = 32,
        kernel_size: int = 40,
        n_steps: int | None = 1000,
        max_epochs: int = 500,
        batch_size: int = 16,
        lr: float = 3e-3,
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
        self.kernel_size = kernel_size
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
        return LITE(n_channels, n_classes, n_filters=self.n_filters, kernel_size=self.kernel_size)

    @classmethod
    def _get_test_params(cls) -> dict[str, Any]:
        return {"n_ensemble": 1, "n_filters": 4, "kernel_size": 8, **TEST_TRAINING}
