import inspect

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tszoo.models import make_model
from tszoo.models.deep.cnn import CNN1DClassifier
from tszoo.models.deep.hybrid import HybridCNNLSTMClassifier
from tszoo.models.deep.inception import InceptionTimeClassifier
from tszoo.models.deep.lite import LITETimeClassifier
from tszoo.models.deep.networks import LITE, InceptionNetwork
from tszoo.models.deep.networks.lite import (
    HandCraftedFilters,
    hand_crafted_filters,
    increasing_filter,
    peak_filter,
)
from tszoo.models.deep.resnet import ResNetClassifier
from tszoo.models.registry import get_model_class


def n_trainable(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


# -- networks (output shapes and masked padding: tests/unit/models/test_deep.py) ----------


def test_resnet_follows_the_paper():
    net = ResNetClassifier()._build_network(1, 2, 100)
    assert [block.convs[0].out_channels for block in net.blocks] == [64, 128, 128]
    assert [conv.kernel_size[0] for conv in net.blocks[0].convs] == [8, 5, 3]
    # a 1x1 convolution + BatchNorm where the width changes, BatchNorm alone where it does not
    assert [len(block.shortcut) for block in net.blocks] == [2, 2, 1]
    assert isinstance(net.blocks[2].shortcut[0], torch.nn.BatchNorm1d)


def test_lite_hand_crafted_filters_are_aeons():
    filters = hand_crafted_filters()
    assert len(filters) == 17  # 6 increasing, 6 decreasing, 5 peak detectors
    torch.testing.assert_close(increasing_filter(4), torch.tensor([-1.0, 1, -1, 1]))
    torch.testing.assert_close(filters[7], torch.tensor([1.0, -1, 1, -1]))  # decreasing, 4
    torch.testing.assert_close(peak_filter(4), torch.tensor([-1.0, -1, 2, 2, -1, -1]))
    left = torch.tensor([0.25, 1.0])
    bump = torch.cat([left, left.flip(0)])
    torch.testing.assert_close(peak_filter(8), torch.cat([-bump, 2 * bump, -bump]))
    assert [len(w) for w in filters[12:]] == [6, 12, 24, 48, 96]


# PyTorch's own 'same' padding is the reference; it warns that even kernels cost a copy
@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_lite_packed_filters_equal_each_filter_alone():
    """One convolution over the filters centred in the longest kernel gives each filter's
    own 'same' convolution, summed over channels."""
    x = torch.randn(2, 3, 50)
    layer = HandCraftedFilters(3)
    packed = layer(x)
    alone = [F.conv1d(x, w.expand(1, 3, -1), padding="same") for w in hand_crafted_filters()]
    torch.testing.assert_close(packed, F.relu(torch.cat(alone, dim=1)))


@pytest.mark.parametrize(
    ("kernel", "dilation", "steps"), [(20, 2, 251), (10, 4, 30), (5, 3, 7), (4, 1, 9)]
)
def test_depthwise_convolution_is_pytorchs_dilated_one(kernel, dilation, steps):
    from tszoo.models.deep.networks.layers import DepthwiseConv1d

    torch.manual_seed(0)
    conv = DepthwiseConv1d(6, kernel, dilation=dilation, bias=True)
    x = torch.randn(3, 6, steps, requires_grad=True)
    total = dilation * (kernel - 1)
    padded = F.pad(x, (total // 2, total - total // 2))
    ref = F.conv1d(padded, conv.weight, conv.bias, dilation=dilation, groups=6)
    out = conv(x)
    torch.testing.assert_close(out, ref, rtol=0, atol=1e-6)
    upstream = torch.randn_like(ref)
    grads = torch.autograd.grad(out, (x, conv.weight, conv.bias), upstream)
    ref_grads = torch.autograd.grad(ref, (x, conv.weight, conv.bias), upstream)
    for ours, theirs in zip(grads, ref_grads, strict=True):
        torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5)


def test_lite_is_a_few_percent_of_inception():
    lite, inception = LITE(1, 2), InceptionNetwork(1, 2)
    # aeon's LITE for 2 classes: 3 convolutions (70 x 32), BatchNorm of 113, separable
    # convolutions (113 x 20 + 113 x 32, 32 x 10 + 32 x 32) with their BatchNorms, dense
    assert n_trainable(lite) == 9_880
    assert n_trainable(lite) < 0.05 * n_trainable(inception)


def test_lite_hand_crafted_filters_are_not_trained_by_a_step():
    torch.manual_seed(0)
    net = LITE(2, 3, n_filters=4, kernel_size=8)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    assert not net.hand_crafted.weight.requires_grad
    assert all(p is not net.hand_crafted.weight for p in net.parameters())
    optimizer = torch.optim.Adam(net.parameters(), lr=0.1)  # what the trainer does
    loss = F.cross_entropy(net(torch.randn(8, 2, 30)), torch.randint(0, 3, (8,)))
    loss.backward()
    optimizer.step()
    after = net.state_dict()
    torch.testing.assert_close(after["hand_crafted.weight"], before["hand_crafted.weight"])
    assert not torch.equal(after["multiplexed.0.weight"], before["multiplexed.0.weight"])


def test_lite_time_fit_keeps_the_fixed_filters_in_every_member():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((24, 2, 30)).astype(np.float32)
    y = np.repeat(["a", "b"], 12)
    X[y == "b"] += np.linspace(-1, 1, 30, dtype=np.float32)  # an upward trend
    params = {**get_model_class("lite_time")._get_test_params(), "max_epochs": 2}
    model = make_model("lite_time", **{**params, "n_ensemble": 2, "random_state": 0}).fit(X, y)
    assert len(model.network_) == 2
    fixed = HandCraftedFilters(len(model.input_mean_)).weight  # "centred+diff": 4 channels
    for net in model.network_:
        torch.testing.assert_close(net.hand_crafted.weight, fixed, rtol=0, atol=0)
    assert not torch.equal(model.network_[0].head.weight, model.network_[1].head.weight)


# -- estimators -----------------------------------------------------------------------


def training_params(cls, last_network_param: str) -> list[tuple[str, object]]:
    """``(name, default)`` of the constructor keywords after the network's own."""
    params = list(inspect.signature(cls).parameters.values())
    start = [p.name for p in params].index(last_network_param) + 1
    return [(p.name, p.default) for p in params[start:]]


@pytest.mark.parametrize(
    "cls, last_network_param",
    [
        (ResNetClassifier, "n_blocks"),
        (LITETimeClassifier, "kernel_size"),
        (HybridCNNLSTMClassifier, "max_steps"),
        (CNN1DClassifier, "dropout"),
    ],
)
def test_every_deep_model_has_the_same_training_parameters(cls, last_network_param):
    """One set of training defaults for every network: the same keywords, order, values
    (LITETime's learning rate apart: 3e-3 validated best for that small network)."""
    own = dict(training_params(cls, last_network_param))
    shared = dict(training_params(InceptionTimeClassifier, "bottleneck"))
    if cls is LITETimeClassifier:
        assert own.pop("lr") == 3e-3
        shared.pop("lr")
    assert list(own.items()) == list(shared.items())
