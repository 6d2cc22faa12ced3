"""Plain ``nn.Module`` networks taking explicit integers; ``forward(x, lengths=None)``.

``x`` is ``(batch, n_channels, n_timepoints)`` right-padded with zeros, ``lengths`` the
true length of each series (None when all are full length); see :mod:`.layers` for masking.
"""

from tszoo.models.deep.networks.cnn import CNN1D
from tszoo.models.deep.networks.hybrid import HybridCNNLSTM, SpatialAttention
from tszoo.models.deep.networks.inception import InceptionModule, InceptionNetwork
from tszoo.models.deep.networks.lite import LITE
from tszoo.models.deep.networks.resnet import ResNet

__all__ = [
    "CNN1D",
    "LITE",
    "HybridCNNLSTM",
    "InceptionModule",
    "InceptionNetwork",
    "ResNet",
    "SpatialAttention",
]
