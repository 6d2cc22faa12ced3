"""Save models to a directory and load them back without running code from the files.

A model directory holds ``model.json`` (registry name, parameters, classes, metadata such
as channel names, window and normalisation, the tszoo version and a SHA-256 of every
other file) plus the model's own files: network weights as safetensors, scikit-learn and
aeon objects through skops, which refuses types it was not told to trust. Nothing is
unpickled and no class is imported by a name read from a file: the class comes from the
registry, plugins included (a plugin's ``model.json`` also names the package it came from,
so a machine without that package is told what to install).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

import tszoo
from tszoo.errors import TszooError

FORMAT = 1
META = "model.json"
# Modules whose types a skops file may hold; anything else is refused before loading.
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "aeon.", "tszoo.", "builtins.", "scipy.")


def save_model(model, directory: str | Path, *, name: str, metadata: dict | None = None) -> Path:
    """Write a fitted ``model`` (registered as ``name``) to a new ``directory``.

    The directory is written whole under a temporary name and then renamed, so it never
    exists half-written; an existing non-empty directory is an error.
    """
    from tszoo.models.registry import model_package

    package = model_package(name)
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise TszooError(f"{directory} already holds files; save the model somewhere new")
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}."))
    try:
        state = model._save(tmp)
        meta = {
            "format": FORMAT,
            "tszoo_version": tszoo.__version__,
            "model": name,
            "package": package,
            "params": saved_params(model),
            "classes": model.classes_.tolist(),
            "n_channels": int(model.n_channels_),
            "state": _jsonable(state),
            "metadata": _jsonable(metadata or {}),
            "sha256": _digests(tmp),
        }
        (tmp / META).write_text(json.dumps(meta, indent=2))
        if directory.exists():
            directory.rmdir()
        tmp.rename(directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return directory


def saved_params(model) -> dict[str, Any]:
    """The parameters saved with ``model``: its own (not its sub-estimators'), less those
    that belong to one run (``_transient_params``), as JSON values. Two models of one
    class with the same saved parameters are the same model before fitting."""
    params = model.get_params(deep=False)
    return _jsonable({k: v for k, v in params.items() if k not in model._transient_params})


def load_model(directory: str | Path) -> tuple[Any, dict]:
    """Load a model saved by :func:`save_model`; returns ``(model, metadata)``."""
    from tszoo.models.registry import get_model_class, model_names

    directory = Path(directory)
    meta_path = directory / META
    if not meta_path.is_file():
        raise TszooError(f"{directory}: not a tszoo model directory (no {META}); check the path")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TszooError(f"{meta_path}: not valid JSON ({exc}); the model file is damaged") from exc
    if meta.get("model") not in model_names():
        raise TszooError(f"{meta_path}: {_unknown_model(meta)}")
    for fname, digest in meta.get("sha256", {}).items():
        path = directory / fname
        if not path.is_file() or _sha256(path) != digest:
            raise TszooError(
                f"{path}: missing or changed since the model was saved (SHA-256 mismatch); "
                "refusing to load it"
            )
    if meta.get("tszoo_version") != tszoo.__version__:
        import logging

        logging.getLogger(__name__).warning(
            "%s was saved by tszoo %s; this is %s",
            directory,
            meta.get("tszoo_version"),
            tszoo.__version__,
        )
    model = get_model_class(meta["model"])(**meta["params"])
    model.classes_ = np.asarray(meta["classes"])
    model.n_channels_ = meta["n_channels"]
    try:
        model._load(directory, meta["state"])
    except TszooError:
        raise
    except Exception as exc:  # a file that passed its hash but is not what it claims
        raise TszooError(
            f"{directory}: the model files are damaged ({type(exc).__name__}: {exc}); "
            "refusing to load them"
        ) from exc
    return model, meta["metadata"]


def _unknown_model(meta: dict) -> str:
    """Why ``meta``'s model is not registered here, and what to install."""
    name, package = meta.get("model"), meta.get("package", "tszoo")
    if package == "tszoo.register":
        return (
            f"model {name!r} was registered with tszoo.register() when it was saved; "
            "register it again in this process (or publish it as a 'tszoo.models' entry point)"
        )
    if package != "tszoo":
        return (
            f"model {name!r} comes from the plugin package {package!r}, which is not installed "
            f"(or does not load); pip install {package} to load it"
        )
    return f"unknown model {name!r}; it may come from a newer tszoo"


class SkopsEstimatorState:
    """``_save`` / ``_load`` for models whose fitted state is ``estimator_`` (a scikit-learn
    or aeon object, written with skops) and ``n_timepoints_``."""

    _FILE = "estimator.skops"

    def _save(self, directory: Path) -> dict:
        dump_sklearn(self.estimator_, directory / self._FILE)
        return {"n_timepoints": int(self.n_timepoints_)}

    def _load(self, directory: Path, state: dict) -> None:
        self.estimator_ = load_sklearn(directory / self._FILE)
        self.n_timepoints_ = int(state["n_timepoints"])


def dump_sklearn(obj: Any, path: Path) -> None:
    """Write a scikit-learn / aeon object with skops (no pickle)."""
    sio = _skops_io()
    sio.dump(obj, path)


def load_sklearn(path: Path) -> Any:
    """Read a skops file, trusting only types from :data:`TRUSTED_PREFIXES`."""
    sio = _skops_io()
    try:
        types = sio.get_untrusted_types(file=path)
    except Exception as exc:  # not a zip, no schema: a replaced or damaged file
        raise TszooError(f"{path}: not a skops model file ({exc}); refusing to load it") from exc
    bad = [t for t in types if not t.startswith(TRUSTED_PREFIXES)]
    if bad:
        raise TszooError(f"{path}: holds untrusted types ({', '.join(bad)}); refusing to load it")
    return sio.load(path, trusted=types)


# scikit-learn's shim for torch arrays, which imports torch where it is installed
_TORCH_SHIM = "sklearn.externals.array_api_compat.torch"


def _skops_io():
    """``skops.io``, imported without torch. On import skops lists scikit-learn's estimators
    by importing every module of scikit-learn, the torch array shim among them, which loads
    torch (about 180 MB and a second) into a run that may have no network in it. The shim is
    held out while skops imports (a shim that fails to import is skipped); nothing of
    tszoo's uses it, and it imports again normally afterwards."""
    if "skops.io" in sys.modules or _TORCH_SHIM in sys.modules:
        import skops.io

        return skops.io
    sys.modules[_TORCH_SHIM] = None  # type: ignore[assignment]
    try:
        import skops.io
    finally:
        if sys.modules.get(_TORCH_SHIM, 0) is None:
            del sys.modules[_TORCH_SHIM]
    return skops.io


def _digests(directory: Path) -> dict[str, str]:
    """SHA-256 of every file under ``directory`` (an ensemble keeps its members' files in
    folders), by its path relative to it."""
    files = sorted(p for p in directory.rglob("*") if p.is_file())
    return {p.relative_to(directory).as_posix(): _sha256(p) for p in files}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value
