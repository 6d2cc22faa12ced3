"""Export a saved model to ONNX: one graph from raw windows to class probabilities.

The graph takes ``windows``, float32 ``(n, n_channels, window)`` with the channels in
training order, and returns ``probabilities`` ``(n, n_classes)`` with the columns in the
model's ``classes`` order: the numbers ``tszoo predict`` computes for those windows. It
holds all of that path: the training split's normalisation
(:mod:`tszoo.export.graph`), then the deep models' input features, standardisation and
networks (traced by ``torch.onnx``, :mod:`tszoo.export.deep`), or the classic models'
window features as ONNX operators followed by their scikit-learn estimator (converted by
skl2onnx, :mod:`tszoo.export.tabular`).

A JSON sidecar beside the graph says what the input and output mean: classes, channel
names and order, window, stride, the normalisation and the tszoo version. The same JSON is
stored in the graph's metadata under ``tszoo``.
"""

from __future__ import annotations

import json
from pathlib import Path

import tszoo
from tszoo.errors import TszooError
from tszoo.io import atomic_file

FORMATS = ("onnx",)
TABULAR = ("random_forest", "svm")


def exportable_models() -> list[str]:
    """Registered models that export to ONNX: every deep model, the forest and the SVM
    (those on summary or raw features)."""
    from tszoo.models.registry import list_models, model_names

    deep = set(list_models(deep=True))
    return [name for name in model_names() if name in deep or name in TABULAR]


def sidecar_path(out: str | Path) -> Path:
    """The JSON beside ``out``: ``model.onnx`` -> ``model.json``."""
    return Path(out).with_suffix(".json")


def export_model(model_path: str | Path, out: str | Path, *, fmt: str = "onnx") -> Path:
    """Write ``model_path`` (a model directory or a ``tszoo train`` run) as ONNX to ``out``.

    ``out`` must end in ``.onnx``; it and its sidecar (:func:`sidecar_path`) must not
    exist. Both are written through temporary files and appear only once complete; any
    error leaves neither. Returns ``out``.
    """
    if fmt not in FORMATS:
        raise TszooError(f"--format {fmt!r} is not an export format; formats are {FORMATS[0]}")
    out = Path(out)
    if out.suffix != ".onnx":
        raise TszooError(f"--out {out}: an ONNX file's name ends in .onnx, e.g. model.onnx")
    for path in (out, sidecar_path(out)):
        if path.exists():
            raise TszooError(f"{path} already exists; choose a new --out file")
    graph, sidecar = build_onnx(model_path)
    hint = "choose a new --out file"
    with atomic_file(out, overwrite=False, binary=True, exists_hint=hint) as f:
        f.write(graph.SerializeToString())
    try:
        with atomic_file(sidecar_path(out), overwrite=False, exists_hint=hint) as f:
            f.write(json.dumps(sidecar, indent=2) + "\n")
    except BaseException:
        out.unlink(missing_ok=True)  # the graph is not left without its sidecar
        raise
    return out


def build_onnx(model_path: str | Path):
    """The ONNX model of a saved model and its sidecar dict, in memory."""
    from tszoo.inference import find_model_dir
    from tszoo.models.persistence import META, load_model

    model_dir = find_model_dir(model_path)
    name = _saved_name(model_dir / META)
    if name is not None and name not in exportable_models():  # refused before it is loaded
        raise TszooError(
            f"{model_dir}: model {name!r} cannot be exported to ONNX; the models that can "
            f"are {', '.join(exportable_models())}"
        )
    model, meta = load_model(model_dir)  # checks the files, and says what is wrong with them
    if "normalisation" not in meta:
        raise TszooError(
            f"{model_dir}: the model was saved without its normalisation; "
            "export a model saved by `tszoo train` or `tszoo compare`"
        )
    onnx = _import_onnx()
    from tszoo.export.graph import chain, normalise_graph

    n_channels = int(model.n_channels_)
    n_timepoints = int(meta.get("window") or model.n_timepoints_)
    sidecar = _sidecar(name, model, meta, n_channels, n_timepoints)
    if name in TABULAR:
        from tszoo.export.tabular import tabular_graph

        body = tabular_graph(model, name, n_channels, n_timepoints)
    else:
        from tszoo.export.deep import deep_graph

        body = deep_graph(model, n_channels, n_timepoints)
    norm = normalise_graph(meta["normalisation"], n_channels, n_timepoints)
    graph = chain(norm, body, ("normalised", "normalised"), "probabilities")
    graph.producer_name, graph.producer_version = "tszoo", tszoo.__version__
    graph.doc_string = (
        f"tszoo {name}: raw windows (n, {n_channels}, {n_timepoints}) -> probabilities"
    )
    onnx.helper.set_model_props(graph, {"tszoo": json.dumps(sidecar)})
    onnx.checker.check_model(graph)
    return graph, sidecar


def _saved_name(meta_path: Path) -> str | None:
    """The registry name in ``model.json``; None where it cannot be read (load_model then
    says why)."""
    try:
        return json.loads(meta_path.read_text(encoding="utf-8")).get("model")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        return None


def _sidecar(name: str, model, meta: dict, n_channels: int, n_timepoints: int) -> dict:
    from tszoo.export.graph import OPSET

    classes = model.classes_.tolist()
    return {
        "tszoo_version": tszoo.__version__,
        "model": name,
        "input": {"name": "windows", "dtype": "float32", "shape": [None, n_channels, n_timepoints]},
        "output": {"name": "probabilities", "dtype": "float32", "shape": [None, len(classes)]},
        "classes": classes,
        "channels": meta.get("channels"),
        "window": meta.get("window"),
        "stride": meta.get("stride"),
        "normalisation": meta["normalisation"]["method"],
        "opset": OPSET,
    }


def _import_onnx():
    try:
        import onnx
        import skl2onnx  # noqa: F401  (checked here, so a missing extra is one message)
    except ImportError as exc:
        raise TszooError(
            f"ONNX export needs the onnx extra ({exc.name} is not installed): "
            "pip install 'tszoo[onnx]'"
        ) from None
    return onnx
