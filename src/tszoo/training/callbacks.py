"""Callbacks: small objects the trainer calls at fixed points of a run.

Every hook is a no-op here; a callback overrides the ones it needs. The trainer passes
itself, so a callback can stop the run (``trainer.stop = True``) or read its settings.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # torch only for the hints: progress bars import this without a network
    from torch import nn

    from tszoo.training.history import History
    from tszoo.training.trainer import Trainer

logger = logging.getLogger(__name__)


class Callback:
    """Base class with no-op hooks."""

    def on_train_begin(self, trainer: Trainer, model: nn.Module) -> None:
        """Before the first epoch."""

    def on_epoch_end(self, trainer: Trainer, model: nn.Module, record: dict[str, Any]) -> None:
        """After each epoch; ``record`` is the epoch's History entry (callbacks may add keys)."""

    def on_train_end(self, trainer: Trainer, model: nn.Module, history: History) -> None:
        """After the last epoch."""


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs; restore the best weights.

    Parameters
    ----------
    patience : int
        Epochs without improvement before stopping.
    monitor : str
        History key to minimise.
    min_delta : float
        The smallest decrease that counts as an improvement.
    """

    def __init__(self, patience: int = 20, monitor: str = "val_loss", min_delta: float = 0.0):
        self.patience = patience
        self.monitor = monitor
        self.min_delta = min_delta

    def on_train_begin(self, trainer: Trainer, model: nn.Module) -> None:
        self.best_value = math.inf
        self.best_epoch = 0
        self.best_state: dict | None = None

    def on_epoch_end(self, trainer: Trainer, model: nn.Module, record: dict[str, Any]) -> None:
        value = record[self.monitor]
        record["best"] = bool(value < self.best_value - self.min_delta)
        if record["best"]:
            self.best_value, self.best_epoch = value, record["epoch"]
            # A copy, not a view: later steps update the parameters in place.
            self.best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        elif record["epoch"] - self.best_epoch >= self.patience:
            logger.debug("early stop at epoch %d (best %d)", record["epoch"], self.best_epoch)
            trainer.stop = True

    def on_train_end(self, trainer: Trainer, model: nn.Module, history: History) -> None:
        if self.best_state is not None:
            model.load_state_dict(self.best_state)


class StopWhenFitted(Callback):
    """Stop once an epoch's mean training loss is below ``loss``: the network fits its
    training data, and further steps would mostly sharpen its confidence.

    Parameters
    ----------
    loss : float
        Mean training cross-entropy to reach (0.01: the true class gets about 0.99).
    """

    def __init__(self, loss: float):
        self.loss = loss

    def on_epoch_end(self, trainer: Trainer, model: nn.Module, record: dict[str, Any]) -> None:
        if record["train_loss"] < self.loss:
            logger.debug("training loss %.4g < %g at epoch %d", record["train_loss"], self.loss,
                         record["epoch"])  # fmt: skip
            trainer.stop = True


class LogProgress(Callback):
    """Log each epoch at DEBUG and a summary at INFO through :mod:`logging`."""

    def on_epoch_end(self, trainer: Trainer, model: nn.Module, record: dict[str, Any]) -> None:
        logger.debug(
            "epoch %d: train_loss=%.4f train_acc=%.3f val_loss=%.4f val_acc=%.3f lr=%.2g",
            *(record[k] for k in ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr")),
        )

    def on_train_end(self, trainer: Trainer, model: nn.Module, history: History) -> None:
        # Early stopping marks each improvement "best" and restores the last one marked.
        marked = [r["epoch"] for r in history if r.get("best")]
        kept = marked[-1] if marked else len(history)
        seconds = sum(history.column("seconds"))
        logger.info("trained %d epochs in %.1fs (kept epoch %d)", len(history), seconds, kept)
