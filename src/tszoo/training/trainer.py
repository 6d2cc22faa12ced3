"""The one trainer every tszoo network uses.

It trains on a data set of :mod:`tszoo.training.data` (tensors in memory, or cases gathered
a batch at a time), indexing a shuffled permutation into it batch by batch. A run is
deterministic under ``seed`` and leaves the global torch RNG state as it found it.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import time
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from tszoo.errors import TszooError
from tszoo.training.callbacks import Callback, EarlyStopping, LogProgress, StopWhenFitted
from tszoo.training.data import Data
from tszoo.training.history import History

logger = logging.getLogger(__name__)

# (x, lengths, generator) -> augmented x; x is (B, C, T), lengths (B,) or None.
Augment = Callable[[Tensor, Tensor | None, torch.Generator], Tensor]


def resolve_device(device: str = "auto") -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; ``"cpu"`` / ``"cuda"`` as given."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise TszooError(f"device={device!r} is not one of 'auto', 'cpu', 'cuda'")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise TszooError(f"device={device!r} but CUDA is not available; use device='auto'")
    return torch.device(device)


@contextlib.contextmanager
def seeded(seed: int, device: torch.device | None = None) -> Iterator[None]:
    """Run a block under ``torch.manual_seed(seed)`` with PyTorch's deterministic algorithms
    (where it has them; others warn), restoring the RNG state and the settings after."""
    cuda = [device.index or 0] if device is not None and device.type == "cuda" else []
    settings = (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
        torch.backends.cudnn.benchmark,
    )
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
        try:
            yield
        finally:
            torch.use_deterministic_algorithms(settings[0], warn_only=settings[1])
            torch.backends.cudnn.benchmark = settings[2]


@contextlib.contextmanager
def torch_threads(n_jobs: int | None) -> Iterator[None]:
    """Run a block on ``n_jobs`` PyTorch CPU threads (``-1``: every core; None: as set),
    restoring the thread count after."""
    before = torch.get_num_threads()
    if n_jobs is not None and n_jobs < 0:
        n_jobs = max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    if n_jobs is None or n_jobs == before:
        yield
        return
    torch.set_num_threads(n_jobs)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def balanced_class_weight(y: np.ndarray, n_classes: int) -> np.ndarray:
    """Inverse-frequency weights ``n / (n_classes * count_c)`` (scikit-learn's "balanced")."""
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    return len(y) / (n_classes * np.maximum(counts, 1.0))


class Trainer:
    """Mini-batch training with early stopping on a validation split.

    Parameters
    ----------
    max_epochs : int
        Upper bound on epochs.
    batch_size : int
        Cases per mini-batch.
    lr : float
        Initial learning rate.
    optimizer : {"adam", "adamw", "sgd"}
        SGD uses Nesterov momentum ``momentum``.
    weight_decay : float
        L2 penalty (decoupled for ``adamw``).
    scheduler : {"cosine", "plateau", "none"}
        Cosine annealing over ``max_epochs``; or halve the rate, down to a tenth of ``lr``,
        once the monitored loss (``val_loss``, else ``train_loss``) has not improved for
        ``patience // 4`` epochs, or for 50 with ``patience`` None (the schedule of Wang et
        al.'s FCN and ResNet and of InceptionTime).
    patience : int or None
        Early stopping patience on ``val_loss``; the best-``val_loss`` weights are restored.
        Ignored without a validation split (then ``keep`` says which weights are kept).
    keep : {"last", "train_loss"}
        The weights kept without early stopping: the last epoch's, or those of the epoch
        with the lowest mean training loss (as the published recipes of FCN, ResNet and
        InceptionTime keep).
    stop_loss : float or None
        Stop once an epoch's mean training loss is below this (:class:`StopWhenFitted`).
    class_weight : ndarray of shape (n_classes,) or None
        Loss weight per class, e.g. from :func:`balanced_class_weight`.
    seed : int
        Seeds shuffling, augmentation and dropout, without touching the global RNG state.
    device : str
        ``"auto"``, ``"cpu"`` or ``"cuda"``; resolved once.
    augment : callable or None
        ``augment(x, lengths, generator) -> x`` applied to each training batch.
    precise_bn : bool
        After training, recompute every batch norm's running statistics over the training
        cases with the final weights (:func:`update_norm_statistics`).
    callbacks : sequence of Callback
        Extra callbacks, e.g. a progress bar; called after the built-in ones.
    """

    def __init__(
        self,
        *,
        max_epochs: int = 100,
        batch_size: int = 64,
        lr: float = 1e-3,
        optimizer: str = "adam",
        momentum: float = 0.9,
        weight_decay: float = 0.0,
        scheduler: str = "cosine",
        patience: int | None = 20,
        keep: str = "last",
        stop_loss: float | None = None,
        class_weight: np.ndarray | None = None,
        seed: int = 0,
        device: str = "auto",
        augment: Augment | None = None,
        precise_bn: bool = False,
        callbacks: Sequence[Callback] = (),
    ) -> None:
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.scheduler = scheduler
        self.patience = patience
        self.keep = keep
        self.stop_loss = stop_loss
        self.class_weight = class_weight
        self.seed = seed
        self.device = resolve_device(device)
        self.augment = augment
        self.precise_bn = precise_bn
        self.callbacks = list(callbacks)
        self.stop = False

    # -- the run ------------------------------------------------------------------

    def fit(self, model: nn.Module, train: Data, val: Data | None = None) -> History:
        """Train ``model`` in place on ``train``; returns the :class:`History`."""
        with seeded(self.seed, self.device):
            val = None if val is None else val.to(self.device)
            return self._run(model, train.to(self.device), val)

    def _run(self, model: nn.Module, train: Data, val: Data | None) -> History:
        model.to(self.device)
        # 1. optimiser, schedule, loss and callbacks for this run
        optimizer = self.make_optimizer(model)
        scheduler = self.make_scheduler(optimizer)
        weight = None
        if self.class_weight is not None:
            weight = torch.as_tensor(self.class_weight, dtype=torch.float32, device=self.device)
        criterion = nn.CrossEntropyLoss(weight=weight)
        if self.keep not in ("last", "train_loss"):
            raise TszooError(f"keep={self.keep!r} is not one of 'last', 'train_loss'")
        callbacks: list[Callback] = [LogProgress()]
        if val is not None and self.patience is not None:
            callbacks.insert(0, EarlyStopping(self.patience))
        elif self.keep == "train_loss":  # never stops; restores the lowest training loss's
            callbacks.insert(0, EarlyStopping(math.inf, monitor="train_loss"))
        if self.stop_loss is not None:
            callbacks.insert(0, StopWhenFitted(self.stop_loss))
        callbacks += self.callbacks
        generator = torch.Generator().manual_seed(self.seed)
        history, self.stop = History(), False
        for cb in callbacks:
            cb.on_train_begin(self, model)
        # 2. epochs until max_epochs or a callback stops the run
        for epoch in range(1, self.max_epochs + 1):
            start = time.perf_counter()
            lr = optimizer.param_groups[0]["lr"]
            train_loss, train_acc = self.train_epoch(model, train, optimizer, criterion, generator)
            val_loss, val_acc = self.evaluate(model, val, criterion) if val else (math.nan,) * 2
            self.step_scheduler(scheduler, val_loss if val else train_loss)
            record = {
                "epoch": epoch,
                "train_loss": train_loss,
                "train_acc": train_acc,
                "val_loss": val_loss,
                "val_acc": val_acc,
                "lr": lr,
                "seconds": time.perf_counter() - start,
            }
            history.append(record)
            for cb in callbacks:
                cb.on_epoch_end(self, model, record)
            if self.stop:
                break
        # 3. callbacks finish (early stopping restores the best weights)
        for cb in callbacks:
            cb.on_train_end(self, model, history)
        if self.precise_bn:
            update_norm_statistics(model, train, self.device, self.batch_size, generator)
        model.eval()
        return history

    # -- overridable steps --------------------------------------------------------

    def make_optimizer(self, model: nn.Module) -> torch.optim.Optimizer:
        params, kw = model.parameters(), {"lr": self.lr, "weight_decay": self.weight_decay}
        if self.optimizer == "adam":
            return torch.optim.Adam(params, **kw)
        if self.optimizer == "adamw":
            return torch.optim.AdamW(params, **kw)
        if self.optimizer == "sgd":
            return torch.optim.SGD(params, momentum=self.momentum, nesterov=True, **kw)
        raise TszooError(f"optimizer={self.optimizer!r} is not one of 'adam', 'adamw', 'sgd'")

    def make_scheduler(self, optimizer: torch.optim.Optimizer):
        if self.scheduler == "cosine":
            return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=self.max_epochs)
        if self.scheduler == "plateau":
            patience = 50 if self.patience is None else max(1, self.patience // 4)
            plateau = torch.optim.lr_scheduler.ReduceLROnPlateau
            return plateau(optimizer, factor=0.5, patience=patience, min_lr=self.lr / 10)
        if self.scheduler == "none":
            return None
        raise TszooError(f"scheduler={self.scheduler!r} is not one of 'cosine', 'plateau', 'none'")

    def step_scheduler(self, scheduler, monitored: float) -> None:
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(monitored)
        elif scheduler is not None:
            scheduler.step()

    def train_epoch(self, model, data: Data, optimizer, criterion, generator):
        """One pass over ``data`` in shuffled mini-batches; returns ``(mean loss, accuracy)``."""
        model.train()
        total_loss, correct = 0.0, 0
        for x, lengths, y in shuffled_batches(data, self.batch_size, generator, self.device):
            if self.augment is not None:
                x = self.augment(x, lengths, generator)
            loss, n_correct = self.train_step(model, x, lengths, y, optimizer, criterion)
            total_loss += loss * len(y)
            correct += n_correct
        return total_loss / len(data), correct / len(data)

    def train_step(self, model, x, lengths, y, optimizer, criterion) -> tuple[float, int]:
        """Forward, loss, backward and update on one batch; returns ``(loss, n_correct)``."""
        optimizer.zero_grad(set_to_none=True)
        logits = model(x, lengths)
        loss = criterion(logits, y)
        loss.backward()
        optimizer.step()
        return loss.item(), int((logits.argmax(1) == y).sum())

    @torch.no_grad()
    def evaluate(self, model: nn.Module, data: Data, criterion) -> tuple[float, float]:
        """``(mean loss, accuracy)`` on ``data`` in eval mode."""
        logits = self.predict_logits(model, data)
        return criterion(logits, data.y).item(), (logits.argmax(1) == data.y).float().mean().item()

    def predict_logits(self, model: nn.Module, data: Data) -> Tensor:
        """Logits ``(n_cases, n_classes)``; see :func:`predict_logits`."""
        return predict_logits(model, data, self.device, max(self.batch_size, 256))


def shuffled_batches(
    data: Data, batch_size: int, generator: torch.Generator | None, device: torch.device
) -> Iterator[tuple[Tensor, Tensor | None, Tensor | None]]:
    """One pass over ``data`` (already on ``device``) in mini-batches ``(x, lengths, y)`` of a
    new random order drawn from ``generator``."""
    order = torch.randperm(len(data), generator=generator).to(device)
    for start in range(0, len(data), batch_size):
        yield data.batch(order[start : start + batch_size])


# The fewest batches whose statistics :func:`update_norm_statistics` averages.
PRECISE_BN_BATCHES = 100


@torch.no_grad()
def update_norm_statistics(
    model: nn.Module,
    data: Data,
    device: torch.device,
    batch_size: int,
    generator: torch.Generator | None = None,
    min_batches: int = PRECISE_BN_BATCHES,
) -> None:
    """Recompute the running mean and variance of every batch norm in ``model`` over
    ``data`` in shuffled batches of ``batch_size`` (mixed as training batches are: a data
    set sorted by class would otherwise give one-class batches and too small variances),
    with the weights as they are: one pass, or as many as give ``min_batches`` batches.
    Batch statistics vary from batch to batch (with unequal lengths, by how much padding
    each holds), so a small data set's two or three batches alone are a noisy estimate.

    During training those statistics are moving averages over the last few batches, taken
    while the weights still changed; a run that stops after a few dozen steps can keep
    statistics that no longer fit its weights, and then misclassifies in eval mode the
    training cases it fits in train mode. This is "precise BN" (Wu & Johnson, 2021,
    "Rethinking 'Batch' in BatchNorm"), as ``torch.optim.swa_utils.update_bn`` does it
    (a cumulative average, ``momentum=None``) for networks that take lengths beside the
    batch. Leaves ``model`` in train mode.
    """
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms or not len(data):
        return
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # an equal-weight average over the batches
    model.train()
    data = data.to(device)
    for _ in range(math.ceil(min_batches / math.ceil(len(data) / batch_size))):
        for x, lengths, _ in shuffled_batches(data, batch_size, generator, device):
            model(x, lengths)
    for m, momentum in zip(norms, momenta, strict=True):
        m.momentum = momentum


@torch.no_grad()
def predict_logits(
    model: nn.Module, data: Data, device: torch.device, batch_size: int = 256
) -> Tensor:
    """Logits ``(n_cases, n_classes)`` computed in batches under ``model.eval()``."""
    model.eval()
    data = data.to(device)
    index = torch.arange(len(data), device=device)
    out = None  # one tensor for every case's logits: a batch's own would stay behind each
    # batch's freed activations in the C heap, which could then never shrink
    for start in range(0, len(data), batch_size):
        x, lengths, _ = data.batch(index[start : start + batch_size])
        logits = model(x, lengths)
        if out is None:
            out = logits.new_empty((len(data), logits.shape[1]))
        out[start : start + len(logits)] = logits
    return out if out is not None else torch.empty((0, 0), device=device)
