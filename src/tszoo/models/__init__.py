"""The model zoo: every model one scikit-learn classifier on (n_cases, n_channels, n_timepoints)."""

from tszoo.models.base import BaseClassifier
from tszoo.models.persistence import load_model, save_model
from tszoo.models.registry import get_model_class, list_models, make_model, model_names

__all__ = [
    "BaseClassifier",
    "get_model_class",
    "list_models",
    "load_model",
    "make_model",
    "model_names",
    "save_model",
]
