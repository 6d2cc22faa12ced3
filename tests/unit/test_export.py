"""ONNX export: ONNX Runtime gives tszoo's probabilities for every exportable model, from raw
windows, and the models that cannot be exported are refused in one line."""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pytest

from tszoo.data.preprocessing import Normalizer
from tszoo.errors import TszooError
from tszoo.export import build_onnx, export_model, exportable_models, sidecar_path
from tszoo.models import load_model, make_model, save_model
from tszoo.models.registry import model_tags

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

TOLERANCE = 1e-4  # the bound on max |Δp|
CHANNELS = ["ax", "ay"]


def make_sines(n_per_class: int, n_classes: int, seed: int):
    """Noisy sines whose frequency gives the class (as the model tests' ``make_sines``), far
    from zero mean and unit scale, so the normalisation matters."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, 40)
    X, y = [], []
    for k, label in enumerate(["a", "b", "c"][:n_classes]):
        phase = rng.uniform(0, 2 * np.pi, (n_per_class, len(CHANNELS), 1))
        X.append(np.sin(2 * np.pi * (2 + 3 * k) * t + phase))
        y += [label] * n_per_class
    X = np.concatenate(X) + rng.normal(0, 0.2, (len(y), len(CHANNELS), len(t)))
    shift = np.array([5.0, -2.0])[:, None]
    return (3 * X + shift).astype(np.float32), np.array(y)


@cache
def raw_data(n_classes: int = 3):
    """Training windows and labels, and new windows (of every class) to predict."""
    X, y = make_sines(10, n_classes, seed=0)
    return X, y, make_sines(5, 3, seed=1)[0]


def fit_and_save(tmp_path, name, *, normalise="zscore", n_classes=3, **params):
    """A small model fitted on normalised windows and saved as `tszoo train` saves it."""
    X, y, _ = raw_data(n_classes)
    test_params = make_model(name)._get_test_params()
    if model_tags(name)["deep"]:  # one epoch; every input feature, so each is exported
        test_params.update(max_epochs=1, inputs="raw+centred+diff+absdiff")
    norm = Normalizer(normalise).fit(X)
    model = make_model(name, **{**test_params, **params}).fit(norm.transform(X), y)
    metadata = {
        "channels": CHANNELS,
        "window": X.shape[-1],
        "stride": 10,
        "normalisation": norm.to_dict(),
        "classes": model.classes_.tolist(),
        "seed": 0,
    }
    return save_model(model, tmp_path / name, name=name, metadata=metadata)


def tszoo_proba(model_dir, X):
    """What `tszoo predict` computes for raw windows: normalisation, then predict_proba."""
    model, meta = load_model(model_dir)
    return model.predict_proba(Normalizer.from_dict(meta["normalisation"]).transform(X))


def onnx_proba(path, X):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["probabilities"], {"windows": X})[0]


def assert_same_predictions(tmp_path, model_dir, n_classes=3):
    X_new = raw_data(n_classes)[2]
    out = export_model(model_dir, tmp_path / "model.onnx")
    expected, got = tszoo_proba(model_dir, X_new), onnx_proba(out, X_new)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < TOLERANCE
    return out


def test_the_exportable_models_are_the_deep_ones_the_forest_and_the_svm():
    names = exportable_models()
    assert {"random_forest", "svm", "hybrid_attention", "lite_time"} <= set(names)
    assert not {"minirocket", "multirocket_hydra", "quant"} & set(names)


@pytest.mark.parametrize("name", exportable_models())
def test_onnx_runtime_gives_tszoos_probabilities(tmp_path, name):
    assert_same_predictions(tmp_path, fit_and_save(tmp_path, name))


@pytest.mark.parametrize(
    ("name", "settings"),
    [
        ("cnn_1d", {"normalise": "window"}),
        ("random_forest", {"normalise": "none", "features": "raw"}),
        ("svm", {"features": "raw"}),
        ("svm", {"n_classes": 2}),  # the binary calibration has its own converter path
        ("random_forest", {"n_classes": 2}),
    ],
)
def test_other_normalisations_features_and_two_classes(tmp_path, name, settings):
    model_dir = fit_and_save(tmp_path, name, **settings)
    assert_same_predictions(tmp_path, model_dir, settings.get("n_classes", 3))


def test_sidecar_says_what_the_graph_takes_and_returns(tmp_path):
    import onnx

    out = export_model(fit_and_save(tmp_path, "svm"), tmp_path / "svm.onnx")
    sidecar = json.loads(sidecar_path(out).read_text())
    assert sidecar_path(out) == tmp_path / "svm.json"
    assert sidecar["model"] == "svm"
    assert sidecar["classes"] == ["a", "b", "c"]
    assert sidecar["channels"] == CHANNELS
    assert (sidecar["window"], sidecar["stride"], sidecar["normalisation"]) == (40, 10, "zscore")
    assert sidecar["input"] == {"name": "windows", "dtype": "float32", "shape": [None, 2, 40]}
    assert sidecar["output"]["shape"] == [None, 3]
    assert "tszoo_version" in sidecar
    graph = onnx.load(out)
    assert [i.name for i in graph.graph.input] == ["windows"]
    assert [o.name for o in graph.graph.output] == ["probabilities"]
    stored = {p.key: p.value for p in graph.metadata_props}
    assert json.loads(stored["tszoo"]) == sidecar


def test_a_quant_model_is_refused_naming_the_exportable_ones(tmp_path):
    with pytest.raises(TszooError) as err:
        build_onnx(fit_and_save(tmp_path, "quant"))
    message = str(err.value)
    assert "model 'quant' cannot be exported to ONNX" in message and "\n" not in message
    assert ", ".join(exportable_models()) in message


def test_a_rocket_model_is_refused_before_it_is_loaded(tmp_path):
    # model.json alone: the refusal comes from the registry name, not the fitted state
    (tmp_path / "rocket").mkdir()
    (tmp_path / "rocket" / "model.json").write_text(json.dumps({"model": "minirocket"}))
    with pytest.raises(TszooError, match=r"model 'minirocket' cannot be exported.*random_forest"):
        build_onnx(tmp_path / "rocket")


def test_catch22_features_are_refused(tmp_path):
    from tszoo.export.tabular import tabular_graph

    model = make_model("random_forest", features="catch22")
    with pytest.raises(TszooError, match=r"features='catch22' cannot be exported.*'summary'"):
        tabular_graph(model, "random_forest", 2, 40)


def test_nothing_is_overwritten_or_left_half_written(tmp_path):
    model_dir = fit_and_save(tmp_path, "random_forest")
    (tmp_path / "taken.json").write_text("keep me")
    with pytest.raises(TszooError, match=r"taken.json already exists"):
        export_model(model_dir, tmp_path / "taken.onnx")
    assert not (tmp_path / "taken.onnx").exists()
    assert (tmp_path / "taken.json").read_text() == "keep me"
    with pytest.raises(TszooError, match=r"ends in .onnx"):
        export_model(model_dir, tmp_path / "model.bin")
    with pytest.raises(TszooError, match="'tflite' is not an export format"):
        export_model(model_dir, tmp_path / "model.onnx", fmt="tflite")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["random_forest", "taken.json"]
