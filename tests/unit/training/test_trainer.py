import logging
import math

import numpy as np
import pytest
import torch
from torch import nn

from tszoo.errors import TszooError
from tszoo.training import (
    Callback,
    History,
    TensorData,
    Trainer,
    balanced_class_weight,
    resolve_device,
)


class TinyNet(nn.Module):
    """Mean absolute first difference per channel -> linear: enough for a roughness task."""

    def __init__(self, n_channels=2, n_classes=2):
        super().__init__()
        self.conv = nn.Conv1d(n_channels, 4, 3, padding=1)
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(4, n_classes)

    def forward(self, x, lengths=None):
        h = torch.relu(self.conv(x)).mean(-1)  # (B, C, T) -> (B, 4)
        return self.head(self.dropout(h))


def rough_task(n=64, seed=0, weights=(0.5, 0.5), t=24):
    """Class k is white noise with standard deviation 1 + 2k."""
    rng = np.random.default_rng(seed)
    y = rng.choice(len(weights), size=n, p=weights)
    X = rng.standard_normal((n, 2, t)) * (1 + 2 * y)[:, None, None]
    return TensorData(torch.tensor(X, dtype=torch.float32), None, torch.tensor(y))


def make_net(seed=0):
    torch.manual_seed(seed)
    return TinyNet()


def test_history_records_every_epoch():
    history = Trainer(max_epochs=4, batch_size=16, device="cpu").fit(make_net(), rough_task())
    assert len(history) == 4
    assert set(history[0]) >= {"epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr"}
    assert history.column("epoch") == [1, 2, 3, 4]
    assert math.isnan(history[0]["val_loss"])  # no validation split
    assert History.from_list(history.to_list()) == history


def test_same_seed_same_history_and_predictions():
    def run(seed):
        trainer = Trainer(max_epochs=3, batch_size=16, seed=seed, device="cpu")
        net = make_net()
        history = trainer.fit(net, rough_task(), rough_task(seed=1))
        drop_time = [{k: v for k, v in r.items() if k != "seconds"} for r in history]
        return drop_time, trainer.predict_logits(net, rough_task(seed=2))

    (h1, p1), (h2, p2), (h3, _) = run(0), run(0), run(1)
    assert h1 == h2
    torch.testing.assert_close(p1, p2, rtol=0, atol=0)
    assert h1 != h3  # the seed drives shuffling and dropout


def test_fit_leaves_global_rng_untouched():
    net = make_net()
    state = torch.get_rng_state()
    Trainer(max_epochs=2, batch_size=16, device="cpu").fit(net, rough_task())
    assert torch.equal(torch.get_rng_state(), state)


def test_early_stopping_restores_best_weights():
    # Validation labels are noise, so the validation loss soon rises while training fits.
    train, val = rough_task(), rough_task(seed=1)
    val.y = torch.tensor(np.random.default_rng(0).integers(0, 2, len(val)))
    trainer = Trainer(max_epochs=60, batch_size=16, lr=0.05, patience=3, device="cpu")
    net = make_net()
    history = trainer.fit(net, train, val)
    best = history.best_epoch()
    assert len(history) == best + 3 < 60  # stopped `patience` epochs after the best
    final_loss, _ = trainer.evaluate(net, val, nn.CrossEntropyLoss())
    assert final_loss == pytest.approx(min(history.column("val_loss")), rel=1e-5)
    assert [r["best"] for r in history].count(True) >= 1


def test_keep_train_loss_restores_the_epoch_with_the_lowest_training_loss(caplog):
    class Snapshots(Callback):
        def __init__(self):
            self.states = {}

        def on_epoch_end(self, trainer, model, record):
            self.states[record["epoch"]] = {k: v.clone() for k, v in model.state_dict().items()}

    snapshots = Snapshots()
    # A rate this high makes the training loss jump about, so the lowest is rarely the last.
    trainer = Trainer(max_epochs=12, batch_size=16, lr=0.3, keep="train_loss",
                      callbacks=[snapshots], device="cpu")  # fmt: skip
    net = make_net()
    with caplog.at_level(logging.INFO, logger="tszoo.training"):
        history = trainer.fit(net, rough_task())
    best = history.best_epoch("train_loss")
    assert best != len(history)  # else the test could not tell "train_loss" from "last"
    for key, value in net.state_dict().items():
        assert torch.equal(value, snapshots.states[best][key])
    assert f"(kept epoch {best})" in caplog.text  # the summary names the weights kept


def test_plateau_schedule_is_the_published_one_without_early_stopping():
    optimizer = torch.optim.Adam(make_net().parameters(), lr=1e-3)
    plateau = Trainer(scheduler="plateau", patience=None, device="cpu").make_scheduler(optimizer)
    assert plateau.patience == 50 and plateau.factor == 0.5
    assert plateau.min_lrs == [pytest.approx(1e-4)]
    early = Trainer(scheduler="plateau", patience=20, device="cpu").make_scheduler(optimizer)
    assert early.patience == 5


def test_balanced_class_weight():
    weights = balanced_class_weight(np.array([0, 0, 0, 1]), 2)
    np.testing.assert_allclose(weights, [4 / 6, 2.0])
    assert balanced_class_weight(np.array([0, 0]), 2)[1] > 0  # absent class: finite


def test_class_weight_changes_the_loss():
    data = rough_task(weights=(0.9, 0.1))
    weights = balanced_class_weight(data.y.numpy(), 2)
    plain = Trainer(max_epochs=1, batch_size=16, device="cpu").fit(make_net(), data)
    weighted = Trainer(max_epochs=1, batch_size=16, class_weight=weights, device="cpu")
    assert weighted.fit(make_net(), data)[0]["train_loss"] != plain[0]["train_loss"]


@pytest.mark.parametrize(("optimizer", "scheduler"), [("sgd", "plateau"), ("adamw", "none")])
def test_optimizers_and_schedules(optimizer, scheduler):
    trainer = Trainer(
        max_epochs=3, batch_size=16, optimizer=optimizer, scheduler=scheduler, device="cpu"
    )
    history = trainer.fit(make_net(), rough_task(), rough_task(seed=1))
    assert len(history) == 3


def test_cosine_schedule_lowers_the_rate():
    history = Trainer(max_epochs=4, batch_size=32, device="cpu").fit(make_net(), rough_task())
    lrs = history.column("lr")
    assert lrs[0] == pytest.approx(1e-3) and lrs == sorted(lrs, reverse=True) and lrs[-1] < lrs[0]


def test_bad_settings_are_refused():
    with pytest.raises(TszooError, match="optimizer"):
        Trainer(optimizer="adagrad", device="cpu").fit(make_net(), rough_task())
    with pytest.raises(TszooError, match="device"):
        resolve_device("tpu")
    with pytest.raises(TszooError, match="keep='best'"):
        Trainer(keep="best", device="cpu").fit(make_net(), rough_task())


def test_callbacks_see_every_epoch_and_can_stop():
    class StopAtTwo(Callback):
        def __init__(self):
            self.epochs = []

        def on_epoch_end(self, trainer, model, record):
            self.epochs.append(record["epoch"])
            trainer.stop = record["epoch"] == 2

    cb = StopAtTwo()
    history = Trainer(max_epochs=5, callbacks=[cb], device="cpu").fit(make_net(), rough_task())
    assert cb.epochs == [1, 2] and len(history) == 2


def test_padded_batches_are_cut_to_their_longest():
    X = torch.zeros(3, 1, 10)
    data = TensorData(X, torch.tensor([4, 6, 10]), torch.tensor([0, 1, 0]))
    x, lengths, y = data.batch(torch.tensor([0, 1]))
    assert x.shape == (2, 1, 6) and lengths.tolist() == [4, 6] and y.tolist() == [0, 1]


def test_learns_a_separable_task():
    trainer = Trainer(max_epochs=30, batch_size=16, lr=1e-2, device="cpu")
    net = make_net()
    trainer.fit(net, rough_task(n=128))
    test = rough_task(seed=3)
    accuracy = (trainer.predict_logits(net, test).argmax(1) == test.y).float().mean()
    assert accuracy >= 0.9


class NormNet(nn.Module):
    """TinyNet with a batch norm after its convolution."""

    def __init__(self, n_channels=2, n_classes=2):
        super().__init__()
        self.conv = nn.Conv1d(n_channels, 4, 3, padding=1)
        self.norm = nn.BatchNorm1d(4)
        self.head = nn.Linear(4, n_classes)

    def forward(self, x, lengths=None):
        return self.head(torch.relu(self.norm(self.conv(x))).mean(-1))


def test_precise_bn_recomputes_the_norm_statistics_with_the_final_weights():
    from tszoo.training.trainer import update_norm_statistics

    data = rough_task(n=48)
    torch.manual_seed(0)
    kept = NormNet()
    Trainer(max_epochs=3, batch_size=16, patience=None, seed=0).fit(kept, data)
    torch.manual_seed(0)
    net = NormNet()
    Trainer(max_epochs=3, batch_size=16, patience=None, seed=0, precise_bn=True).fit(net, data)
    for name, value in kept.state_dict().items():  # the same weights, other statistics
        if "running" not in name and "num_batches" not in name:
            torch.testing.assert_close(net.state_dict()[name], value)
    assert not torch.allclose(net.norm.running_mean, kept.norm.running_mean)
    assert net.norm.momentum == 0.1 and not net.training

    assert int(net.norm.num_batches_tracked) == 102  # 34 passes of 3 batches: at least 100
    # an equal-weight average of three shuffled batches' statistics
    update_norm_statistics(net, data, torch.device("cpu"), 16, torch.Generator().manual_seed(1), 3)
    order = torch.randperm(48, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        z = torch.stack([net.conv(data.X[order[i : i + 16]]) for i in range(0, 48, 16)])
    torch.testing.assert_close(net.norm.running_mean, z.mean(dim=(1, 3)).mean(0))
    var = z.transpose(1, 2).reshape(3, 4, -1).var(dim=-1, unbiased=True).mean(0)
    torch.testing.assert_close(net.norm.running_var, var)

    # over a single batch, eval mode gives what train mode does (but for the variance's
    # unbiased n / (n - 1), n = 16 * 24)
    one_batch = TensorData(data.X[:16], None, data.y[:16])
    update_norm_statistics(net, one_batch, torch.device("cpu"), batch_size=16, min_batches=1)
    with torch.no_grad():
        train_mode = net(one_batch.X)
        net.eval()
        torch.testing.assert_close(net(one_batch.X), train_mode, rtol=0, atol=5e-3)
