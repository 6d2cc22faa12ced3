"""The shared trainer of tszoo's networks, its callbacks and History.

The callbacks and History import without torch (progress bars subclass them for every
run); the trainer's names import torch the first time one is asked for, so a run of a
model that is not a network never loads it.
"""

import importlib

from tszoo.training.callbacks import Callback, EarlyStopping, LogProgress, StopWhenFitted
from tszoo.training.history import History

_DATA = ("IndexedData", "TensorData")
_TRAINER = (
    "Trainer",
    "balanced_class_weight",
    "predict_logits",
    "resolve_device",
    "seeded",
    "torch_threads",
)


def __getattr__(name: str):
    if name in _DATA:
        return getattr(importlib.import_module("tszoo.training.data"), name)
    if name in _TRAINER:
        return getattr(importlib.import_module("tszoo.training.trainer"), name)
    raise AttributeError(f"module 'tszoo.training' has no attribute {name!r}")


__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "LogProgress",
    "StopWhenFitted",
    *_DATA,
    *_TRAINER,
]
