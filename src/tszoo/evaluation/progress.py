"""Progress reporting for experiments: a silent default and a rich progress display."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tszoo.training.callbacks import Callback

if TYPE_CHECKING:
    from rich.console import Console
    from torch import nn

    from tszoo.training.history import History
    from tszoo.training.trainer import Trainer


class Progress:
    """Hooks an experiment calls as it goes; every one is a no-op here."""

    def start(self, total: int) -> None:
        """Before the first cell (one model on one seed); ``total`` cells follow."""

    def cell(self, model: str, seed: int, deep: bool) -> list[Callback]:
        """A cell begins; returns trainer callbacks for a deep model (else ignored)."""
        return []

    def cell_done(self) -> None:
        """A cell finished."""

    def stop(self) -> None:
        """After the last cell, or when the run fails."""

    @property
    def shows_epochs(self) -> bool:
        """Whether :meth:`epoch_event` draws anything (worth sending events from workers)."""
        return False

    def epoch_event(self, kind: str, label: str, total: int = 0) -> None:
        """A deep model in a worker process: ``begin`` (of ``total`` epochs), ``epoch`` or
        ``end``; ``label`` names the cell."""


class EpochEvents(Callback):
    """Sends a deep model's epochs as events into ``queue`` (from a worker process), for
    :meth:`Progress.epoch_event` in the run's own process."""

    def __init__(self, queue: Any, label: str) -> None:
        self.queue, self.label = queue, label

    def on_train_begin(self, trainer: Trainer, model: nn.Module) -> None:
        self.queue.put(("begin", self.label, trainer.max_epochs))

    def on_epoch_end(self, trainer: Trainer, model: nn.Module, record: dict[str, Any]) -> None:
        self.queue.put(("epoch", self.label, 0))

    def on_train_end(self, trainer: Trainer, model: nn.Module, history: History) -> None:
        self.queue.put(("end", self.label, 0))


class _EpochBar(Callback):
    """Advances one rich task per epoch of a deep model."""

    def __init__(self, bar: Any, label: str) -> None:
        self.bar, self.label, self.task = bar, label, None

    def on_train_begin(self, trainer: Trainer, model: nn.Module) -> None:
        self.task = self.bar.add_task(f"  {self.label} epochs", total=trainer.max_epochs)

    def on_epoch_end(self, trainer: Trainer, model: nn.Module, record: dict[str, Any]) -> None:
        self.bar.advance(self.task)

    def on_train_end(self, trainer: Trainer, model: nn.Module, history: History) -> None:
        self.bar.remove_task(self.task)


class RichProgress(Progress):
    """A bar over models x seeds and, for deep models, a bar over epochs (also of deep
    models training in worker processes, from their :class:`EpochEvents`)."""

    def __init__(self, console: Console) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as RichBar

        self.bar = RichBar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.task = None
        self._remote: dict[str, Any] = {}  # worker cells' epoch bars, by label

    def start(self, total: int) -> None:
        self.bar.start()
        self.task = self.bar.add_task("models x seeds", total=total)

    def cell(self, model: str, seed: int, deep: bool) -> list[Callback]:
        self.bar.update(self.task, description=f"{model} seed {seed}")
        return [_EpochBar(self.bar, model)] if deep else []

    def cell_done(self) -> None:
        self.bar.advance(self.task)

    def stop(self) -> None:
        self.bar.stop()

    @property
    def shows_epochs(self) -> bool:
        return True

    def epoch_event(self, kind: str, label: str, total: int = 0) -> None:
        tasks = self._remote
        if kind == "begin":
            tasks[label] = self.bar.add_task(f"  {label} epochs", total=total)
        elif kind == "epoch" and label in tasks:
            self.bar.advance(tasks[label])
        elif kind == "end" and label in tasks:
            self.bar.remove_task(tasks.pop(label))
