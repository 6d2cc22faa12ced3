"""Input features and augmentation for the networks.

Windows cut from one recording drift slowly: their level differs between the blocks that
train and test come from, and a network fed raw values learns the level. Centring each
window per channel removes it; first differences keep the fast dynamics (roughness,
variance) that separate the classes, and their absolute values keep only how much the
series moves at each step, not which way: a signal shared by every class (a drift, a
trend, a step) leaves little in them for a network to learn by heart, while the energy of
what rides on it stays. All are computed on padded arrays and respect the true lengths
(padding stays zero).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import torch
from torch import Tensor

from tszoo.errors import TszooError, closest

INPUTS = ("raw", "centred", "diff", "absdiff")
# ``inputs="auto"``: one of these chosen per fit on the validation split, the first on a tie
# (see :class:`tszoo.models.deep.base.DeepClassifier`). Chosen on the development suite's
# validation splits: raw won on the UCR/UEA sets, and on the study's recording, where
# every class rides on one shared signal, absolute differences (0.946 against 0.713 for
# raw|diff; docs/benchmarks/defaults.md, benchmarks/results/tuning/deep_inputs_choice.md).
AUTO = "raw|diff|absdiff"


def input_choices(inputs: str) -> tuple[str, ...]:
    """The input representations ``inputs`` lets a fit choose between: ``"a|b"`` (and
    ``"auto"``, :data:`AUTO`) gives each of them; any other value is the one choice.
    Each is checked (:func:`check_inputs`)."""
    choices = tuple(c.strip() for c in (AUTO if inputs == "auto" else inputs).split("|"))
    for choice in choices:
        check_inputs(choice)
    return choices


def check_inputs(inputs: str) -> tuple[str, ...]:
    """Parse one input representation, names from :data:`INPUTS` joined by '+'."""
    names = tuple(name.strip() for name in inputs.split("+") if name.strip())
    for name in names:
        if name not in INPUTS:
            raise TszooError(
                f"unknown input '{name}'{closest(name, (*INPUTS, 'auto'))}; inputs are "
                f"{', '.join(INPUTS)} (joined by '+'; choices joined by '|'), or auto"
            )
    if not names:
        raise TszooError(f"inputs is empty; choose one or more of {', '.join(INPUTS)}")
    return names


def make_input_features(X: np.ndarray, lengths: np.ndarray, inputs: str) -> np.ndarray:
    """Stack the chosen features of ``X`` as channels.

    Parameters
    ----------
    X : ndarray of shape (n_cases, n_channels, n_timepoints)
        Right-padded with zeros.
    lengths : ndarray of shape (n_cases,)
        True lengths.
    inputs : str
        Names joined by '+', e.g. ``"centred+diff"``: ``raw`` as given; ``centred`` minus
        each series' per-channel mean over its valid steps; ``diff`` first differences
        (0 at the first step); ``absdiff`` their absolute values.

    Returns
    -------
    ndarray of shape (n_cases, n_channels * len(inputs), n_timepoints)
    """
    mask = (np.arange(X.shape[-1])[None, :] < lengths[:, None])[:, None, :]  # (n, 1, T)
    parts = []
    for name in check_inputs(inputs):
        if name == "raw":
            parts.append(X)
        elif name == "centred":
            mean = X.sum(-1, keepdims=True) / np.maximum(lengths, 1)[:, None, None]
            parts.append((X - mean) * mask)
        else:
            diff = np.diff(X, axis=-1, prepend=X[..., :1])
            parts.append((np.abs(diff) if name == "absdiff" else diff) * mask)
    return np.concatenate(parts, axis=1).astype(np.float32)


def channel_stats(
    chunks: Callable[[], Iterator[tuple[np.ndarray, np.ndarray]]],
) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation over the valid steps of every case.

    ``chunks()`` yields ``(X, lengths)`` pieces of the data: ``X`` of shape (n, n_channels,
    n_timepoints), right-padded, and its true ``lengths`` (n,). It is called twice (the mean,
    then the squared deviations from it) and sums run in float64, so the data never has to
    be in memory at once and the result depends on the pieces only through their values
    and order. Returns two float32 arrays of shape (n_channels,).
    """
    n, total = 0, 0.0
    for X, lengths in chunks():
        n += int(lengths.sum())
        total = total + (X * _valid(X, lengths)).sum(axis=(0, 2), dtype=np.float64)
    mean = total / max(n, 1)
    squares = 0.0
    for X, lengths in chunks():
        deviation = (X - mean[None, :, None].astype(np.float32)) * _valid(X, lengths)
        squares = squares + np.square(deviation, dtype=np.float64).sum(axis=(0, 2))
    std = np.sqrt(squares / max(n, 1))
    return mean.astype(np.float32), std.clip(min=1e-6).astype(np.float32)


def _valid(X: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``(n, 1, n_timepoints)``: True on the steps inside each series' true length."""
    return (np.arange(X.shape[-1])[None, :] < lengths[:, None])[:, None, :]


class Augment:
    """Random per-batch augmentation, drawn from the trainer's generator.

    Parameters
    ----------
    shift : float
        Circular shift in time by up to this fraction of the length (valid steps only
        when all series have the full length; padded batches are not shifted).
    noise : float
        Standard deviation of added Gaussian noise.
    scale : float
        Standard deviation of a per-series, per-channel multiplicative factor around 1.
    """

    def __init__(self, shift: float = 0.0, noise: float = 0.0, scale: float = 0.0):
        self.shift, self.noise, self.scale = shift, noise, scale

    def __call__(self, x: Tensor, lengths: Tensor | None, generator: torch.Generator) -> Tensor:
        n, c, t = x.shape
        if self.shift > 0 and lengths is None:
            max_shift = max(1, int(self.shift * t))
            steps = int(torch.randint(-max_shift, max_shift + 1, (1,), generator=generator))
            x = torch.roll(x, steps, dims=-1)  # (B, C, T), one shift per batch
        if self.scale > 0:
            factor = 1 + self.scale * torch.randn(n, c, 1, generator=generator)
            x = x * factor.to(x.device)
        if self.noise > 0:
            noise = self.noise * torch.randn(x.shape, generator=generator).to(x.device)
            x = x + (noise if lengths is None else noise * _mask(lengths, t))
        return x


def _mask(lengths: Tensor, t: int) -> Tensor:
    return (torch.arange(t, device=lengths.device)[None, :] < lengths[:, None])[:, None, :]
