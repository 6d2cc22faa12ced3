"""Model names -> classes (imported on first use, so the CLI starts fast)."""

from __future__ import annotations

import importlib
from typing import Any

from tszoo.errors import TszooError, closest

# name -> (module:class, fixed parameters that make this variant)
_MODELS: dict[str, tuple[str, dict[str, Any]]] = {
    "hybrid_attention": ("tszoo.models.deep.hybrid:HybridCNNLSTMClassifier", {"attention": True}),
    "hybrid_cnn_lstm": ("tszoo.models.deep.hybrid:HybridCNNLSTMClassifier", {"attention": False}),
    "cnn_1d": ("tszoo.models.deep.cnn:CNN1DClassifier", {}),
    "inception_time": ("tszoo.models.deep.inception:InceptionTimeClassifier", {}),
    "resnet": ("tszoo.models.deep.resnet:ResNetClassifier", {}),
    "lite_time": ("tszoo.models.deep.lite:LITETimeClassifier", {}),
    "random_forest": ("tszoo.models.classic.forest:RandomForestClassifier", {}),
    "svm": ("tszoo.models.classic.svm:SVMClassifier", {}),
    "minirocket": ("tszoo.models.rocket.minirocket:MiniRocketClassifier", {}),
    "multirocket_hydra": ("tszoo.models.rocket.multirocket_hydra:MultiRocketHydraClassifier", {}),
    "quant": ("tszoo.models.interval.quant:QUANTClassifier", {}),
}


def model_names() -> list[str]:
    return list(_MODELS)


def _check(name: str) -> str:
    if name not in _MODELS:
        raise TszooError(
            f"unknown model '{name}'{closest(name, _MODELS)}; models are {', '.join(_MODELS)}"
        )
    return name


def get_model_class(name: str) -> type:
    """The estimator class behind a registered name."""
    module, cls = _MODELS[_check(name)][0].split(":")
    return getattr(importlib.import_module(module), cls)


def fixed_params(name: str) -> dict[str, Any]:
    return dict(_MODELS[_check(name)][1])


def make_model(name: str, **params: Any):
    """A new, unfitted model: the registered variant, with ``params`` on top."""
    cls = get_model_class(name)
    merged = {**fixed_params(name), **params}
    valid = cls().get_params()
    for key in merged:
        if key not in valid:
            raise TszooError(
                f"{name} has no parameter '{key}'{closest(key, valid)}; "
                f"parameters are {', '.join(sorted(valid))}"
            )
    return cls(**merged)


def model_tags(name: str) -> dict[str, Any]:
    tags = dict(get_model_class(name)._tags)
    if name == "hybrid_cnn_lstm":
        tags["attention"] = False
    return tags


def list_models(**required: Any) -> list[str]:
    """Names of models whose tags match ``required``, e.g. ``list_models(deep=True)``."""
    return [
        name for name in _MODELS if all(model_tags(name).get(k) == v for k, v in required.items())
    ]
