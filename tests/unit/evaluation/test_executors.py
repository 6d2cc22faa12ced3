"""Executors: worker processes send their deep models' epochs back to this process."""

from __future__ import annotations

from tszoo.evaluation.cells import CellTask
from tszoo.evaluation.executors import LocalProcesses
from tszoo.evaluation.progress import Progress
from tszoo.runs import Cell


class Recorder(Progress):
    def __init__(self) -> None:
        self.events: list[tuple] = []

    @property
    def shows_epochs(self) -> bool:
        return True

    def epoch_event(self, kind: str, label: str, total: int = 0) -> None:
        self.events.append((kind, label, total))


def test_epochs_of_deep_models_in_workers_reach_the_progress():
    params = {"max_epochs": 3, "n_steps": None, "inputs": "raw", "stop_loss": None}
    tasks = [CellTask(Cell("GunPoint", "cnn_1d", s), "GunPoint", params, {}) for s in (0, 1)]
    tasks.append(CellTask(Cell("GunPoint", "svm", 0), "GunPoint", {}, {}))
    progress = Recorder()
    outcomes = list(LocalProcesses(2, progress).outcomes(tasks))
    assert [o.error for o in outcomes] == [None, None, None]
    for seed in (0, 1):
        mine = [(k, t) for k, label, t in progress.events if label == f"cnn_1d seed {seed}"]
        assert mine == [("begin", 3), ("epoch", 0), ("epoch", 0), ("epoch", 0), ("end", 0)]
    assert all(label.startswith("cnn_1d") for _, label, _ in progress.events)  # no svm epochs


def test_a_quiet_run_starts_no_event_queue(monkeypatch):
    import multiprocessing

    def refuse():
        raise AssertionError("a quiet run needs no manager process")

    monkeypatch.setattr(multiprocessing, "Manager", refuse)
    task = CellTask(Cell("GunPoint", "svm", 0), "GunPoint", {}, {})
    assert [o.error for o in LocalProcesses(2, Progress()).outcomes([task])] == [None]
