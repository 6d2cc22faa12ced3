"""Model names -> classes (imported on first use, so the CLI starts fast).

Besides tszoo's own models the registry holds plugins: models from other packages, found
through the ``tszoo.models`` entry point group, and models added in a running process with
:func:`register`. Entry points are read the first time the registry is asked anything, in
every process that asks (so worker processes find them too); a :func:`register` call lives
only in the process that made it.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from tszoo.errors import TszooError, closest

logger = logging.getLogger(__name__)

GROUP = "tszoo.models"

# name -> (module:class, fixed parameters that make this variant, tags of this variant)
_BUILTIN: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "hybrid_attention": (
        "tszoo.models.deep.hybrid:HybridCNNLSTMClassifier",
        {"attention": True},
        {},
    ),
    "hybrid_cnn_lstm": (
        "tszoo.models.deep.hybrid:HybridCNNLSTMClassifier",
        {"attention": False},
        {"attention": False},
    ),
    "cnn_1d": ("tszoo.models.deep.cnn:CNN1DClassifier", {}, {}),
    "inception_time": ("tszoo.models.deep.inception:InceptionTimeClassifier", {}, {}),
    "resnet": ("tszoo.models.deep.resnet:ResNetClassifier", {}, {}),
    "lite_time": ("tszoo.models.deep.lite:LITETimeClassifier", {}, {}),
    "random_forest": ("tszoo.models.classic.forest:RandomForestClassifier", {}, {}),
    "svm": ("tszoo.models.classic.svm:SVMClassifier", {}, {}),
    "minirocket": ("tszoo.models.rocket.minirocket:MiniRocketClassifier", {}, {}),
    "multirocket_hydra": (
        "tszoo.models.rocket.multirocket_hydra:MultiRocketHydraClassifier",
        {},
        {},
    ),
    "quant": ("tszoo.models.interval.quant:QUANTClassifier", {}, {}),
    "ensemble": ("tszoo.models.ensemble:EnsembleClassifier", {}, {}),
}


@dataclass
class _Plugin:
    """A model from outside tszoo: its class, variant and where it came from."""

    cls: type
    fixed: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, Any] = field(default_factory=dict)
    package: str = "tszoo.register"  # the distribution, or the programmatic path


_PLUGINS: dict[str, _Plugin] = {}
_discovered = False


def register(name: str, cls: type, *, fixed: dict[str, Any] | None = None, **tags: Any) -> None:
    """Register ``cls`` as model ``name`` in this process.

    Parameters
    ----------
    name : str
        The name the CLI, configs and saved models use.
    cls : type
        A subclass of :class:`tszoo.models.BaseClassifier` (or of
        :class:`tszoo.models.deep.base.DeepClassifier`).
    fixed : dict, optional
        Constructor keywords that make this variant, e.g. ``{"attention": True}``; they
        cannot be changed with ``--set``.
    **tags
        Tags on top of the class's ``_tags`` for this name.

    Notes
    -----
    The registration lives in this process only: worker processes (``--jobs``, Dask) do not
    see it. Publish the model through the ``tszoo.models`` entry point for them.
    """
    _register(name, cls, fixed or {}, tags, "tszoo.register")


def unregister(name: str) -> None:
    """Remove a model added with :func:`register` (a test's, say) from this process."""
    if name not in _PLUGINS:
        raise TszooError(f"'{name}' is not a plugin model; plugins are {', '.join(_PLUGINS)}")
    del _PLUGINS[name]


def _register(name: str, cls: Any, fixed: dict, tags: dict, package: str) -> None:
    from tszoo.models.base import BaseClassifier

    if not isinstance(name, str) or not name.isidentifier():
        raise TszooError(f"model name {name!r} must be an identifier, e.g. my_model")
    if name in _BUILTIN:
        raise TszooError(f"model name '{name}' is one of tszoo's own models; choose another")
    if not (isinstance(cls, type) and issubclass(cls, BaseClassifier)):
        raise TszooError(f"model '{name}': {cls!r} does not subclass tszoo.models.BaseClassifier")
    _PLUGINS[name] = _Plugin(cls, dict(fixed), dict(tags), package)


def _discover() -> None:
    """Register the models of installed packages' ``tszoo.models`` entry points, once.

    An entry point names a model class, or a function returning one or a dict with keys
    ``cls`` and optionally ``fixed`` and ``tags``. A plugin that fails to import or clashes
    with a model already registered is skipped with a warning: it must not break tszoo.
    """
    global _discovered
    if _discovered:
        return
    _discovered = True
    for ep in entry_points(group=GROUP):
        package = ep.dist.name if ep.dist is not None else ep.value
        if ep.name in _BUILTIN or ep.name in _PLUGINS:
            logger.warning(
                "skipping plugin model '%s' from %s: the name is taken", ep.name, package
            )
            continue
        try:
            obj = ep.load()
            info = obj() if callable(obj) and not isinstance(obj, type) else obj
            if not isinstance(info, dict):
                info = {"cls": info}
            _register(ep.name, info.get("cls"), info.get("fixed", {}), info.get("tags", {}),
                      package)  # fmt: skip
        except Exception as exc:  # whatever a third-party import raises
            logger.warning(
                "skipping plugin model '%s' (entry point %s of %s): %s: %s",
                ep.name, ep.value, package, type(exc).__name__, exc,
            )  # fmt: skip


def model_names() -> list[str]:
    """tszoo's own models, then the plugins."""
    _discover()
    return [*_BUILTIN, *_PLUGINS]


def plugin_names() -> list[str]:
    """The models from outside tszoo (entry points and :func:`register`)."""
    _discover()
    return list(_PLUGINS)


def _check(name: str) -> str:
    names = model_names()
    if name not in names:
        raise TszooError(
            f"unknown model '{name}'{closest(name, names)}; models are {', '.join(names)}"
        )
    return name


def get_model_class(name: str) -> type:
    """The estimator class behind a registered name."""
    if _check(name) in _PLUGINS:
        return _PLUGINS[name].cls
    module, cls = _BUILTIN[name][0].split(":")
    return getattr(importlib.import_module(module), cls)


def fixed_params(name: str) -> dict[str, Any]:
    if _check(name) in _PLUGINS:
        return dict(_PLUGINS[name].fixed)
    return dict(_BUILTIN[name][1])


def model_package(name: str) -> str:
    """Where model ``name`` comes from: "tszoo", a distribution's name, or "tszoo.register"."""
    return _PLUGINS[name].package if _check(name) in _PLUGINS else "tszoo"


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
    extra = _PLUGINS[name].tags if _check(name) in _PLUGINS else _BUILTIN[name][2]
    return {**get_model_class(name)._tags, **extra}


def list_models(**required: Any) -> list[str]:
    """Names of models whose tags match ``required``, e.g. ``list_models(deep=True)``."""
    return [
        name
        for name in model_names()
        if all(model_tags(name).get(k) == v for k, v in required.items())
    ]
