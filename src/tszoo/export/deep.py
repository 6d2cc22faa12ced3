"""The deep models' part of the graph: input features, standardisation, the networks.

:class:`DeepPredictor` is what :meth:`DeepClassifier._predict_proba` computes on full-length
windows, as one ``nn.Module`` that ``torch.onnx`` traces: the input features of
:func:`~tszoo.models.deep.transforms.make_input_features`, the training split's
standardisation, each network's softmax, the mean over the ensemble.
"""

from __future__ import annotations

import io
import warnings

import onnx
import torch
from torch import Tensor, nn

from tszoo.export.graph import OPSET
from tszoo.models.deep.transforms import check_inputs


class DeepPredictor(nn.Module):
    """Normalised windows ``(n, C, T)`` -> class probabilities ``(n, n_classes)``.

    Parameters
    ----------
    model : DeepClassifier
        A fitted (or loaded) deep model; its networks are shared, not copied.
    """

    def __init__(self, model) -> None:
        super().__init__()
        self.inputs = check_inputs(model.inputs_)
        self.networks = model.network_
        self.register_buffer("mean", torch.as_tensor(model.input_mean_)[None, :, None])
        self.register_buffer("std", torch.as_tensor(model.input_std_)[None, :, None])

    def forward(self, x: Tensor) -> Tensor:
        parts = []
        for name in self.inputs:  # full-length windows: every step is valid
            if name == "raw":
                parts.append(x)
            elif name == "centred":
                parts.append(x - x.mean(-1, keepdim=True))
            else:  # first differences, 0 at the first step (numpy's prepend=X[..., :1])
                diff = x[..., 1:] - x[..., :-1]  # (torch.diff has no ONNX form)
                diff = torch.cat([torch.zeros_like(x[..., :1]), diff], -1)
                parts.append(diff.abs() if name == "absdiff" else diff)
        z = (torch.cat(parts, 1) - self.mean) / self.std  # (n, C * len(inputs), T)
        probas = [torch.softmax(net(z), 1) for net in self.networks]
        return torch.stack(probas).mean(0)  # (n, n_classes), averaged over the ensemble


def deep_graph(model, n_channels: int, n_timepoints: int) -> onnx.ModelProto:
    """The model as an ONNX graph from ``normalised`` ``(n, C, T)`` to ``probabilities``,
    the batch size free."""
    predictor = DeepPredictor(model).cpu().eval()
    example = torch.zeros(2, n_channels, n_timepoints)
    buffer = io.BytesIO()
    # The TorchScript exporter (dynamo=False): the torch.export one, torch's default, needs
    # onnxscript, one more dependency, and takes seconds longer per model; these networks
    # have no data-dependent control flow, which is what it adds. torch deprecates the
    # TorchScript one, hence the warning silenced here; the tracer's warnings are about the
    # LSTM's shape checks, which hold for every window of the fixed length.
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", "Constant folding", UserWarning)  # a strided slice
        torch.onnx.export(
            predictor,
            (example,),
            buffer,
            input_names=["normalised"],
            output_names=["probabilities"],
            dynamic_axes={"normalised": {0: "n"}, "probabilities": {0: "n"}},
            opset_version=OPSET,
            dynamo=False,
        )
    return onnx.load_from_string(buffer.getvalue())
