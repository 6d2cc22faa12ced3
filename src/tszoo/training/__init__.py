"""The shared trainer of tszoo's networks, its callbacks and History."""

from tszoo.training.callbacks import Callback, EarlyStopping, LogProgress, StopWhenFitted
from tszoo.training.history import History
from tszoo.training.trainer import (
    IndexedData,
    TensorData,
    Trainer,
    balanced_class_weight,
    predict_logits,
    resolve_device,
    seeded,
    torch_threads,
)

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "IndexedData",
    "LogProgress",
    "StopWhenFitted",
    "TensorData",
    "Trainer",
    "balanced_class_weight",
    "predict_logits",
    "resolve_device",
    "seeded",
    "torch_threads",
]
