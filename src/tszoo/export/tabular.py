"""The classic models' part of the graph: window features as operators, then the
scikit-learn estimator converted by skl2onnx."""

from __future__ import annotations

import warnings

import numpy as np
import onnx
from sklearn.calibration import CalibratedClassifierCV

from tszoo.errors import TszooError
from tszoo.export.graph import ML_OPSET, OPSET, GraphBuilder, chain, raw_graph, summary_graph

# The feature kinds a graph can compute: catch22's kernels have no ONNX form.
EXPORTABLE_FEATURES = ("summary", "raw")


def tabular_graph(model, name: str, n_channels: int, n_timepoints: int) -> onnx.ModelProto:
    """The model as an ONNX graph from ``normalised`` ``(n, C, T)`` to ``probabilities``."""
    if model.features not in EXPORTABLE_FEATURES:
        raise TszooError(
            f"{name} with features={model.features!r} cannot be exported to ONNX; refit it "
            f"with features {' or '.join(map(repr, EXPORTABLE_FEATURES))}"
        )
    if model.features == "summary":
        features = summary_graph(n_channels, n_timepoints)
    else:
        if n_timepoints != model.n_timepoints_:  # raw features resample to the training length
            raise TszooError(
                f"{name} takes raw features of {model.n_timepoints_} steps, but the windows "
                f"have {n_timepoints}; export needs windows of the training length"
            )
        features = raw_graph(n_channels, n_timepoints)
    n_features = features.graph.output[0].type.tensor_type.shape.dim[1].dim_value
    estimator = estimator_graph(model.estimator_, n_features)
    return chain(features, estimator, ("features", estimator.graph.input[0].name), "probabilities")


def estimator_graph(estimator, n_features: int) -> onnx.ModelProto:
    """A fitted estimator's graph: features ``(n, n_features)`` to ``probabilities``
    ``(n, n_classes)`` in class-code order (and, from skl2onnx, ``label``)."""
    if _binary_sigmoid(estimator):
        return _binary_calibrated_graph(estimator, n_features)
    return _skl2onnx_graph(estimator, n_features)


def _binary_sigmoid(estimator) -> bool:
    return (
        isinstance(estimator, CalibratedClassifierCV)
        and estimator.method == "sigmoid"
        and len(estimator.classes_) == 2
        and len(estimator.calibrated_classifiers_) == 1
    )


def _binary_calibrated_graph(estimator, n_features: int) -> onnx.ModelProto:
    """The two-class calibrated SVM, its sigmoid written here: skl2onnx's converter of a
    two-class ``CalibratedClassifierCV`` gives other probabilities than scikit-learn's (off
    by up to 0.87 on the tests' data; skl2onnx 1.20), while its SVM decision values match.

    As scikit-learn: ``p1 = 1 / (1 + exp(a f + b))`` of the decision value ``f``, ``p0 = 1 - p1``.
    """
    calibrated = estimator.calibrated_classifiers_[0]
    svm, (sigmoid,) = calibrated.estimator, calibrated.calibrators
    # raw_scores: the SVM's decision values, (n, 2), the second scikit-learn's f
    scores = _skl2onnx_graph(svm, n_features, {id(svm[-1]): {"raw_scores": True, "zipmap": False}})
    scores = onnx.compose.add_prefix(scores, "svm/")  # its names, free for the output's
    g = GraphBuilder("svm/probabilities", "tszoo/calibrate")
    f = g.op("Gather", g.input, g.const([1], np.int64), axis=1)  # (n, 1)
    minus = g.op("Neg", g.op("Add", g.op("Mul", f, g.const(sigmoid.a_)), g.const(sigmoid.b_)))
    p1 = g.op("Sigmoid", minus)
    proba = g.op("Concat", g.op("Sub", g.const(1.0), p1), p1, axis=1)
    calibrate = g.model(proba, ["n", 2], ["n", 2], "probabilities")
    return chain(scores, calibrate, ("svm/probabilities", g.input), "probabilities")


def _skl2onnx_graph(estimator, n_features: int, options: dict | None = None):
    """skl2onnx's graph: ``features`` to ``label`` and ``probabilities``."""
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    if options is None:  # a probability tensor rather than a list of {class: p} maps
        options = {id(estimator): {"zipmap": False}}

    with warnings.catch_warnings():
        # skl2onnx reads SVC's probA_/probB_, deprecated in scikit-learn 1.9; the calibrated
        # SVM's probabilities come from its own sigmoids, not from those
        warnings.simplefilter("ignore", FutureWarning)
        return to_onnx(
            estimator,
            initial_types=[("features", FloatTensorType([None, n_features]))],
            target_opset={"": OPSET, "ai.onnx.ml": ML_OPSET},
            options=options,
        )
