"""The base of tszoo's deep classifiers: the shared trainer, choices on validation,
persistence.

A subclass adds its network's parameters to ``__init__`` and overrides one method,
:meth:`DeepClassifier._build_network`. Everything else (the input representation chosen on
validation, class weights, ensembles of independently initialised networks, batched
prediction, safetensors weights) lives here; input features and their per-channel
standardisation fitted on the training split in :mod:`tszoo.models.deep.inputs`.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from sklearn.utils import check_random_state
from torch import nn

from tszoo.errors import TszooError
from tszoo.models.base import ArrayLike3D, BaseClassifier, join_cases
from tszoo.models.deep.inputs import NetworkInputs
from tszoo.models.deep.transforms import Augment, input_choices
from tszoo.training import (
    History,
    Trainer,
    balanced_class_weight,
    predict_logits,
    resolve_device,
    seeded,
    torch_threads,
)

logger = logging.getLogger(__name__)

WEIGHTS = "weights.safetensors"
# Settings for ``_get_test_params``: tiny data sets, so short but lively runs, inputs that
# keep level and trend (the contract task is told apart by trend), and every choice made
# on the tests' few validation cases, so that the tests exercise it.
TEST_TRAINING = {"max_epochs": 15, "batch_size": 8, "lr": 1e-2, "inputs": "centred+diff",
                 "min_validation_per_class": 0}  # fmt: skip
# Cases per chunk when fitting the input standardisation (``chunk_size``'s default): the
# same chunks for windows in memory and windows gathered on demand, so both give the same
# statistics.
STATS_CHUNK = 4096


class DeepClassifier(NetworkInputs, BaseClassifier):
    """Base class of the networks trained by :class:`tszoo.training.trainer.Trainer`.

    Unequal-length series are right-padded with zeros to the longest one and their true
    lengths passed to the network, which masks the padding (see
    :mod:`tszoo.models.deep.networks.layers`).

    Common parameters
    -----------------
    n_steps : int or None
        Optimiser steps to train for: ``ceil(n_steps / batches per epoch)`` epochs, at
        most ``max_epochs`` (at least one). So a small data set gets many epochs and a
        large one few, for about the same cost; None trains ``max_epochs`` epochs.
    max_epochs, batch_size, lr : int, int, float
        Upper bound on epochs, mini-batch size and initial learning rate.
    optimizer : {"adam", "adamw", "sgd"}
    weight_decay : float
    scheduler : {"cosine", "plateau", "none"}
    stop_loss : float or None
        Stop training once an epoch's mean training loss is below this: the network fits
        its training data, and the rest of the budget would mostly sharpen its confidence.
        None spends the whole budget.
    patience : int or None
        Early stopping patience on the validation loss: with an int the model trains on
        ``X`` and keeps the weights of its best epoch on ``validation_data`` (with
        ``refit``, the refit trains that many epochs); with None (no early stopping) and
        a fixed ``inputs`` it chooses nothing on validation, so a caller that has a
        validation split trains it on train and validation together (see
        :attr:`uses_validation`).
    keep : {"last", "train_loss"}
        Without early stopping, the weights a network keeps: its last epoch's, or those of
        its epoch with the lowest mean training loss (the published recipe of FCN, ResNet
        and InceptionTime, with ``scheduler="plateau"``).
    refit : bool
        After choosing on ``validation_data`` (the input under "auto", the epoch count
        under ``patience``), train the networks again, with what was chosen, on the
        training and validation cases together, so that validation costs no training
        data (one more network per fit). False keeps the networks trained on ``X`` alone.
    min_validation_per_class : int
        The fewest validation cases, per class on average, to choose on: with fewer and
        no early stopping (``patience`` None), ``fit`` chooses nothing and trains on the
        training and validation cases together, on the first candidate input. 0 always
        chooses. On the development suite, where validation is a ninth of a small training
        split (4 cases on ArrowHead), 5 validated within 0.006 of always choosing for
        every network (better on ArrowHead and JapaneseVowels, worse on OSULeaf but for
        InceptionTime) at 0.26-0.53 of the fit time
        (``benchmarks/results/tuning/deep_min_validation*.md``).
    class_weight : {None, "balanced"}
        Weight the loss by inverse class frequency.
    inputs : str
        Features fed as channels, joined by '+' from "raw", "centred", "diff", "absdiff"
        (see :func:`~tszoo.models.deep.transforms.make_input_features`); several such
        representations joined by '|' to choose one per fit on ``validation_data`` (see
        :attr:`inputs_`); or "auto", the choice in
        :data:`~tszoo.models.deep.transforms.AUTO`.
    augment_shift, augment_noise, augment_scale : float
        Training-batch augmentation; see :class:`~tszoo.models.deep.transforms.Augment`.
    precise_bn : bool
        Once a network has trained, recompute its batch norms' running statistics over its
        training cases with the final weights
        (:func:`~tszoo.training.trainer.update_norm_statistics`). The moving averages kept
        during a short run can lag its weights, and the network then predicts in eval mode
        what it did not learn in train mode.
    random_state : int or None
        Seeds weight initialisation, shuffling, dropout and augmentation.
    n_jobs : int
        CPU threads PyTorch computes on while this model fits and predicts; ``-1`` uses
        every core. One thread is the default: on the study's recording a fit took 3.2 s on
        one thread and 4.1 s on two, and two fits started together each took 4.4 s on one
        thread each but 25 s on two (their threads spin while they wait, and take each
        other's cores; ``benchmarks/concurrent_training.py``). Large networks on long
        series gain up to about 1.7x from two threads alone.
    device : {"auto", "cpu", "cuda"}
    chunk_size : int
        Windows whose input statistics are computed at a time (and copied out of a
        :class:`~tszoo.data.windows.WindowArray` at once); windows in memory and windows
        gathered on demand use the same chunks, so both give the same network.
    callbacks : list of Callback or None
        Extra trainer callbacks, e.g. a progress bar.

    Attributes
    ----------
    network_ : nn.ModuleList
        The trained network(s); one unless the subclass ensembles.
    history_ : History
        The first network's per-epoch record; ``histories_`` holds all of them.
    inputs_ : str
        The input representation the networks were trained on: ``inputs``, or given a
        choice the candidate whose first network scored best on the validation split
        (the earliest candidate on a tie in accuracy, or without validation data).
    input_scores_ : dict
        Given a choice and validation data: each candidate's validation accuracy.
    """

    _tags: ClassVar[dict[str, Any]] = {**BaseClassifier._tags, "deep": True}
    _transient_params: ClassVar[tuple[str, ...]] = ("callbacks",)

    def __init__(
        self,
        *,
        n_steps: int | None = 1000,
        max_epochs: int = 500,
        batch_size: int = 16,
        lr: float = 1e-3,
        optimizer: str = "adam",
        weight_decay: float = 0.0,
        scheduler: str = "cosine",
        patience: int | None = None,
        keep: str = "last",
        refit: bool = True,
        min_validation_per_class: int = 0,
        stop_loss: float | None = 0.01,
        class_weight: str | None = None,
        inputs: str = "auto",
        augment_shift: float = 0.0,
        augment_noise: float = 0.0,
        augment_scale: float = 0.0,
        precise_bn: bool = False,
        random_state: int | None = None,
        n_jobs: int = 1,
        device: str = "auto",
        chunk_size: int = STATS_CHUNK,
        callbacks: list | None = None,
    ) -> None:
        # The common parameters, for a short subclass: ``def __init__(self, *, hidden=32,
        # **common): self.hidden = hidden; super().__init__(**common)`` (tszoo's own models
        # list them all instead, each with its own defaults).
        for key, value in locals().items():
            if key not in ("self", "__class__"):
                setattr(self, key, value)

    # -- for subclasses ---------------------------------------------------------------

    def _build_network(self, n_channels: int, n_classes: int, n_timepoints: int) -> nn.Module:
        """A new network for ``n_channels`` input channels (after :attr:`inputs`)."""
        raise NotImplementedError

    def _n_members(self) -> int:
        """How many independently initialised networks to train and average."""
        return 1

    @property
    def uses_validation(self) -> bool:
        """Whether ``fit`` chooses anything on ``validation_data``: the input representation
        (``inputs="auto"`` or ``"a|b"``) or the epoch to keep (early stopping,
        ``patience``)."""
        return self.inputs == "auto" or "|" in self.inputs or self.patience is not None

    def _too_few_to_choose(self, n_validation: int) -> bool:
        """Whether ``n_validation`` cases are too few to choose on
        (``min_validation_per_class``); early stopping needs them all the same."""
        enough = self.min_validation_per_class * len(self.classes_)
        return self.patience is None and n_validation < enough

    def _epochs(self, n_cases: int) -> int:
        """Epochs for ``n_cases`` training cases: ``n_steps`` worth, at most ``max_epochs``."""
        if self.n_steps is None:
            return self.max_epochs
        per_epoch = math.ceil(n_cases / self.batch_size)
        return max(1, min(self.max_epochs, math.ceil(self.n_steps / per_epoch)))

    # -- fit and predict --------------------------------------------------------------

    def _fit(self, X: ArrayLike3D, y: np.ndarray, validation: tuple | None) -> None:
        with torch_threads(self.n_jobs):
            self._fit_networks(X, y, validation)

    def _fit_networks(self, X: ArrayLike3D, y: np.ndarray, validation: tuple | None) -> None:
        candidates = input_choices(self.inputs)
        if self.class_weight not in (None, "balanced"):
            raise TszooError(f"class_weight={self.class_weight!r}; use None or 'balanced'")
        rng = check_random_state(self.random_state)
        seeds = [int(rng.randint(np.iinfo(np.int32).max)) for _ in range(self._n_members())]
        if validation is not None and self._too_few_to_choose(len(validation[1])):
            X, y = join_cases(X, y, validation)
            validation = None  # the validation cases train with the rest
        weights = balanced_class_weight(y, len(self.classes_)) if self.class_weight else None
        if validation is None:
            candidates = candidates[:1]
        # 1. the first network on each candidate input; given a choice, the best on validation
        #    is kept, with its input statistics and data for the rest of the ensemble
        tried = []
        for inputs in candidates:
            train, val = self._prepare(X, y, validation, inputs)
            network, history, accuracy = self._train_network(train, val, seeds[0], weights)
            state = (inputs, self.input_mean_, self.input_std_, self.n_timepoints_)
            tried.append({"state": state, "data": (train, val), "network": network,
                          "history": history, "accuracy": accuracy})  # fmt: skip
        # the most accurate on validation; on a tie the earliest candidate (the default
        # first): on a few validation cases a tie is common, and the loss then chose noise
        best = max(tried, key=lambda t: t["accuracy"])
        self.inputs_, self.input_mean_, self.input_std_, self.n_timepoints_ = best["state"]
        self.input_scores_ = {}
        if len(tried) > 1:
            self.input_scores_ = {t["state"][0]: t["accuracy"] for t in tried}
            logger.info(
                "inputs=%s chose %s (validation accuracy %s)",
                self.inputs,
                self.inputs_,
                self.input_scores_,
            )
        # 2. the ensemble on the chosen input: the rest of it on the same data, or under
        #    refit all of it again on train and validation together
        members, self.histories_ = [best["network"]], [best["history"]]
        data, epochs = best["data"], None
        if self.refit and validation is not None and self.uses_validation:
            X_all, y_all = join_cases(X, y, validation)
            if weights is not None:
                weights = balanced_class_weight(y_all, len(self.classes_))
            data = (self._training_data(X_all, y_all), None)
            if self.patience is not None:  # as many epochs as the kept one had
                epochs = best["history"].best_epoch() or len(best["history"])
            members, self.histories_ = [], []
        for seed in seeds[len(members) :]:
            network, history, _ = self._train_network(*data, seed, weights, epochs)
            members.append(network)
            self.histories_.append(history)
        self.n_fit_ = len(data[0])
        self.network_ = nn.ModuleList(members)
        self.history_ = self.histories_[0]

    def _prepare(self, X, y, validation, inputs: str):
        """Training and validation data on ``inputs``, standardised with statistics fitted
        on ``X`` (set as ``input_mean_``, ``input_std_``; ``inputs_`` is set to ``inputs``)."""
        self.inputs_ = inputs
        train = self._training_data(X, y)
        return train, None if validation is None else self._data(*validation)

    def _train_network(self, train, val, seed: int, weights, epochs: int | None = None):
        """One new network trained on ``train`` (for ``epochs``, else as many as
        :meth:`_epochs` gives): the network, its history and the validation accuracy of
        the network as kept (the best epoch's weights under early stopping, else the last;
        0 without validation)."""
        with seeded(seed):
            network = self._build_network(len(self.input_mean_), len(self.classes_),
                                          self.n_timepoints_)  # fmt: skip
        epochs = epochs or self._epochs(len(train))
        trainer = self._make_trainer(seed, weights, epochs)
        history = trainer.fit(network, train, val)
        if val is None or not len(history):
            return network, history, 0.0
        logits = predict_logits(network, val, trainer.device)  # the network as it is kept
        return network, history, float((logits.argmax(1).cpu() == val.y.cpu()).float().mean())

    def _make_trainer(
        self, seed: int, class_weight: np.ndarray | None, epochs: int | None = None
    ) -> Trainer:
        augment = None
        if self.augment_shift or self.augment_noise or self.augment_scale:
            augment = Augment(self.augment_shift, self.augment_noise, self.augment_scale)
        return Trainer(
            max_epochs=self.max_epochs if epochs is None else epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            optimizer=self.optimizer,
            weight_decay=self.weight_decay,
            scheduler=self.scheduler,
            patience=self.patience,
            keep=self.keep,
            stop_loss=self.stop_loss,
            class_weight=class_weight,
            seed=seed,
            device=self.device,
            augment=augment,
            precise_bn=self.precise_bn,
            callbacks=self.callbacks or (),
        )

    def _predict_proba(self, X: ArrayLike3D) -> np.ndarray:
        data = self._data(X)
        device = resolve_device(self.device)
        self.network_.to(device)
        with torch_threads(self.n_jobs):
            probas = [torch.softmax(predict_logits(net, data, device), 1) for net in self.network_]
        return torch.stack(probas).mean(0).cpu().numpy()  # average over the ensemble

    # -- persistence --------------------------------------------------------------------

    def _save(self, directory: Path) -> dict:
        """Write the weights to ``weights.safetensors``; return what rebuilds the network."""
        state = {k: v.detach().cpu().contiguous() for k, v in self.network_.state_dict().items()}
        save_file(state, str(directory / WEIGHTS))
        return {
            "n_members": len(self.network_),
            "n_input_channels": len(self.input_mean_),
            "n_timepoints": self.n_timepoints_,
            "inputs": self.inputs_,
            "input_scores": self.input_scores_,
            "input_mean": self.input_mean_.tolist(),
            "input_std": self.input_std_.tolist(),
            "histories": [h.to_list() for h in self.histories_],
        }

    def _load(self, directory: Path, state: dict) -> None:
        """Rebuild the network(s) from ``state`` and load the safetensors weights."""
        self.n_timepoints_ = int(state["n_timepoints"])
        self.inputs_ = state.get("inputs", self.inputs)  # models saved before "auto"
        self.input_scores_ = state.get("input_scores", {})
        self.input_mean_ = np.asarray(state["input_mean"], dtype=np.float32)
        self.input_std_ = np.asarray(state["input_std"], dtype=np.float32)
        n_in, n_classes = int(state["n_input_channels"]), len(self.classes_)
        self.network_ = nn.ModuleList(
            self._build_network(n_in, n_classes, self.n_timepoints_)
            for _ in range(int(state["n_members"]))
        )
        self.network_.load_state_dict(load_file(str(directory / WEIGHTS)))
        self.network_.eval()
        self.histories_ = [History.from_list(h) for h in state.get("histories", [])]
        self.history_ = self.histories_[0] if self.histories_ else History()
