"""The shared trainer of tszoo's networks, its callbacks and History."""

from tszoo.training.callbacks import Callback, EarlyStopping, LogProgress
from tszoo.training.history import History
from tszoo.training.trainer import (
    IndexedData,
    TensorData,
    Trainer,
    balanced_class_weight,
    predict_logits,
    resolve_device,
    seeded,
)

__all__ = [
    "Callback",
    "EarlyStopping",
    "History",
    "IndexedData",
    "LogProgress",
    "TensorData",
    "Trainer",
    "balanced_class_weight",
    "predict_logits",
    "resolve_device",
    "seeded",
]
