"""ONNX graphs built from operators: tszoo's normalisation and the classic models' features.

Each function returns a small :class:`onnx.ModelProto` from ``(n, n_channels, n_timepoints)``
float32 to its output, with the channel and time sizes fixed (the quantiles of the summary
features pick fixed positions of the sorted window). :func:`chain` joins two such graphs
into one. The arithmetic follows :class:`~tszoo.data.preprocessing.Normalizer` and
:func:`~tszoo.models.classic.features.summary_features` step for step, in float32, so the
graph's numbers differ from numpy's by rounding only.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# ONNX operator sets of every graph tszoo writes: 17 has LayerNorm-free LSTM, TopK and the
# reductions with `axes` as an attribute, and every current ONNX Runtime runs it.
OPSET = 17
ML_OPSET = 3  # ai.onnx.ml, at most: the tree ensembles and SVMs of skl2onnx
IR_VERSION = 8  # what the opsets above need; torch.onnx and skl2onnx write the same


class GraphBuilder:
    """Nodes and constants of one graph, each named ``<prefix>/<op>_<k>``: graphs of
    different prefixes can be chained without their names clashing."""

    def __init__(self, input_name: str, prefix: str) -> None:
        self.input, self.prefix = input_name, prefix
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []

    def const(self, value, dtype=np.float32) -> str:
        """A constant tensor; returns its name."""
        name = f"{self.prefix}/const_{len(self.initializers)}"
        self.initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def op(self, op_type: str, *inputs: str, n_outputs: int = 1, **attrs) -> str:
        """One node; returns the name of its (first) output."""
        out = f"{self.prefix}/{op_type.lower()}_{len(self.nodes)}"
        outputs = [out] + [f"{out}:{k}" for k in range(1, n_outputs)]
        self.nodes.append(helper.make_node(op_type, list(inputs), outputs, **attrs))
        return out

    def mean(self, x: str) -> str:
        """Mean over time, keeping the axis: ``(n, C, T) -> (n, C, 1)``."""
        return self.op("ReduceMean", x, axes=[-1], keepdims=1)

    def model(self, output: str, in_shape: list, out_shape: list, out_name: str):
        """The graph as a model from ``self.input`` to ``out_name`` (``output`` renamed)."""
        self.nodes.append(helper.make_node("Identity", [output], [out_name]))
        graph = helper.make_graph(
            self.nodes,
            "tszoo",
            [helper.make_tensor_value_info(self.input, TensorProto.FLOAT, in_shape)],
            [helper.make_tensor_value_info(out_name, TensorProto.FLOAT, out_shape)],
            self.initializers,
        )
        return make_model(graph)


def make_model(graph: onnx.GraphProto) -> onnx.ModelProto:
    """A model of ``graph`` on the standard operator set (no ai.onnx.ml: merging demands one
    version per domain, and skl2onnx imports the lowest its estimator needs)."""
    opsets = [helper.make_opsetid("", OPSET)]
    return helper.make_model(graph, opset_imports=opsets, ir_version=IR_VERSION)


def normalise_graph(state: dict, n_channels: int, n_timepoints: int) -> onnx.ModelProto:
    """:meth:`Normalizer.transform` of a saved ``Normalizer.to_dict()`` state, as a graph
    from ``windows`` to ``normalised``."""
    g = GraphBuilder("windows", "tszoo/normalise")
    x, method = g.input, state["method"]
    if method == "zscore":
        # float32 constants, as transform casts them, so both divide the same numbers
        mean = np.asarray(state["mean"], dtype=np.float32)[:, None]
        scale = np.asarray(state["scale"], dtype=np.float32)[:, None]
        out = g.op("Div", g.op("Sub", x, g.const(mean)), g.const(scale))
    elif method == "window":
        out = g.op("Sub", x, g.mean(x))
    else:
        out = g.op("Identity", x)
    shape = ["n", n_channels, n_timepoints]
    return g.model(out, shape, shape, "normalised")


def summary_graph(n_channels: int, n_timepoints: int) -> onnx.ModelProto:
    """:func:`~tszoo.models.classic.features.summary_features` as a graph from
    ``normalised`` ``(n, C, T)`` to ``features`` ``(n, 10 * C)``, channel-major."""
    g = GraphBuilder("normalised", "tszoo/summary")
    x, t_len = g.input, n_timepoints
    mean = g.mean(x)
    centred = g.op("Sub", x, mean)
    std = g.op("Sqrt", g.mean(g.op("Mul", centred, centred)))
    # the values sorted along time (TopK of all of them, smallest first; indices unused)
    ascending = g.op("TopK", x, g.const([t_len], np.int64), n_outputs=2, axis=-1, largest=0)
    q25, median, q75 = (_quantile(g, ascending, t_len, q) for q in (0.25, 0.5, 0.75))
    third = g.mean(g.op("Mul", g.op("Mul", centred, centred), centred))
    std3 = g.op("Mul", g.op("Mul", std, std), std)
    zero = g.const(np.zeros((1, 1, 1)))
    # a constant window has no skew: 0, as numpy's divide(where=std > 1e-12) leaves it
    skew = g.op("Where", g.op("Greater", std, g.const(1e-12)), g.op("Div", third, std3), zero)
    t = np.arange(t_len, dtype=np.float32) - (t_len - 1) / 2
    t_ss = float((t**2).sum())
    if t_ss > 0:
        slope = g.op("Div", g.op("MatMul", centred, g.const(t[:, None])), g.const(t_ss))
    else:
        slope = g.op("Mul", mean, zero)
    if t_len > 1:
        ends = [g.const([1], np.int64), g.const([t_len], np.int64), g.const([-1], np.int64)]
        diff = g.op("Sub", g.op("Slice", x, ends[0], ends[1], ends[2]),
                    g.op("Slice", x, g.const([0], np.int64), g.const([t_len - 1], np.int64),
                         ends[2]))  # fmt: skip
        diff_c = g.op("Sub", diff, g.mean(diff))
        diff_std = g.op("Sqrt", g.mean(g.op("Mul", diff_c, diff_c)))
        diff_mean_abs = g.mean(g.op("Abs", diff))
    else:
        diff_std = diff_mean_abs = g.op("Mul", mean, zero)
    stats = [
        mean,
        std,
        g.op("ReduceMin", x, axes=[-1], keepdims=1),
        g.op("ReduceMax", x, axes=[-1], keepdims=1),
        median,
        g.op("Sub", q75, q25),
        skew,
        slope,
        diff_std,
        diff_mean_abs,
    ]
    stacked = g.op("Concat", *stats, axis=-1)  # (n, C, 10)
    flat = g.op("Reshape", stacked, g.const([0, 10 * n_channels], np.int64))
    return g.model(flat, ["n", n_channels, n_timepoints], ["n", 10 * n_channels], "features")


def raw_graph(n_channels: int, n_timepoints: int) -> onnx.ModelProto:
    """:func:`~tszoo.models.classic.features.raw_features` of full-length windows: the
    values flattened channel by channel, ``(n, C, T) -> (n, C * T)``."""
    g = GraphBuilder("normalised", "tszoo/raw")
    flat = g.op("Reshape", g.input, g.const([0, n_channels * n_timepoints], np.int64))
    shape_out = ["n", n_channels * n_timepoints]
    return g.model(flat, ["n", n_channels, n_timepoints], shape_out, "features")


def _quantile(g: GraphBuilder, sorted_x: str, n: int, q: float) -> str:
    """numpy's default (linear) quantile ``q`` of windows sorted along time ``(n, C, 1)``."""
    pos = q * (n - 1)
    lo = int(np.floor(pos))
    hi = min(lo + 1, n - 1)
    frac = pos - lo
    a = g.op("Gather", sorted_x, g.const([lo], np.int64), axis=-1)
    if frac == 0:
        return a
    b = g.op("Gather", sorted_x, g.const([hi], np.int64), axis=-1)
    return g.op("Add", a, g.op("Mul", g.op("Sub", b, a), g.const(frac)))


def chain(first: onnx.ModelProto, second: onnx.ModelProto, link: tuple[str, str], out: str):
    """One model: ``first``'s output ``link[0]`` feeds ``second``'s input ``link[1]``; only
    ``out`` (of ``second``) is kept as an output."""
    for m in (first, second):  # both on tszoo's operator sets and IR version
        m.ir_version = IR_VERSION
    return onnx.compose.merge_models(first, second, io_map=[link], outputs=[out])
