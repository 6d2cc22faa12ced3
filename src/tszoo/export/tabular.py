"""The classic models' part of the graph: window features as operators, then the
scikit-learn estimator converted by skl2onnx."""

from __future__ import annotations

import warnings

import onnx

from tszoo.errors import TszooError
from tszoo.export.graph import ML_OPSET, OPSET, chain, raw_graph, summary_graph

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
    return chain(features, estimator_graph(model.estimator_, n_features), ("features", "features"),
                 "probabilities")  # fmt: skip


def estimator_graph(estimator, n_features: int) -> onnx.ModelProto:
    """skl2onnx's graph of a fitted estimator: ``features`` ``(n, n_features)`` to
    ``probabilities`` ``(n, n_classes)`` in class-code order (and ``label``)."""
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    with warnings.catch_warnings():
        # skl2onnx reads SVC's probA_/probB_, deprecated in scikit-learn 1.9; the calibrated
        # SVM's probabilities come from its own sigmoids, not from those
        warnings.simplefilter("ignore", FutureWarning)
        return to_onnx(
            estimator,
            initial_types=[("features", FloatTensorType([None, n_features]))],
            target_opset={"": OPSET, "ai.onnx.ml": ML_OPSET},
            # a probability tensor rather than a list of {class: p} maps
            options={id(estimator): {"zipmap": False}},
        )
