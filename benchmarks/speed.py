"""Benchmark: training speed of tszoo's trainer against a plain PyTorch loop, and prediction speed.

Run from the repository root::

    .venv/bin/python benchmarks/speed.py
    .venv/bin/python benchmarks/speed.py --models cnn_1d --epochs 5 --synthetic 0
    .venv/bin/python benchmarks/speed.py --quick          # < 1 minute, to a temporary folder

(a) **Training.** For each deep model, the same network (built by the estimator's own
``_build_network``) is trained for a fixed number of epochs, without validation or early
stopping, twice: by the tszoo estimator (``fit``: input features, standardisation, the
shared ``Trainer`` indexing in-memory tensors) and by the loop most PyTorch users write:
the same standardised input features in a per-sample ``torch.utils.data.Dataset``, a
``DataLoader(batch_size=same, shuffle=True)``, Adam with the estimator's learning rate and
weight decay, a cosine schedule over the epochs, cross-entropy. Augmentation is switched
off on the tszoo side (the plain loop has none) and InceptionTime trains one network on
both sides, so both do the same arithmetic. Data: the training windows of the study's
sample recording (window 50, stride 10, seed 0, via ``prepare_splits``) for ``--epochs``
epochs and, with ``--synthetic N``, N random windows of the same shape for
``--synthetic-epochs``. Both sides run in the same process with the same torch threads
(``--threads``, default 1: on a shared machine several multi-threaded processes slow each
other down several-fold), alternating, ``--repeats`` times; the best run of each counts.
Throughput is training windows per second of the median epoch; whole-fit time includes
preprocessing and building the network.

(b) **Prediction.** Every registered model is fitted on the sample's training windows
(deep models for ``--fit-epochs`` epochs, otherwise default settings), then ``predict`` is
timed (best of ``--repeats``) on a fixed batch of ``--predict-windows`` windows: the
sample's windows of all splits, tiled.

Writes ``speed.md`` and ``speed.csv`` under ``--out-dir`` (default ``benchmarks/results/``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from machine import describe
from study_table import parse_overrides
from tszoo.data import prepare_splits
from tszoo.models import make_model, model_names
from tszoo.models.deep.transforms import channel_stats, make_input_features

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "data" / "dataset_sample.csv"
DEEP = ["hybrid_attention", "hybrid_cnn_lstm", "cnn_1d", "inception_time"]
# Training comparison: one network, no augmentation, so both sides do the same work.
SAME_WORK = {"augment_shift": 0.0, "augment_noise": 0.0, "augment_scale": 0.0}


class WindowDataset(Dataset):
    """The per-sample dataset of a typical PyTorch loop: one window and label per index."""

    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        self.X, self.y = X, y

    def __len__(self) -> int:
        return len(self.X)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return torch.from_numpy(self.X[i]), int(self.y[i])


def standardised_features(model, X: np.ndarray) -> np.ndarray:
    """The network input the estimator computes: its input features of ``X`` (equal
    length), standardised per channel with statistics of ``X`` itself."""
    lengths = np.full(len(X), X.shape[-1])
    features = make_input_features(X, lengths, model.inputs)
    mean, std = channel_stats(lambda: iter([(features, lengths)]))
    return np.ascontiguousarray((features - mean[:, None]) / std[:, None], dtype=np.float32)


def plain_fit(model, X: np.ndarray, y: np.ndarray, epochs: int, device: str, seed: int):
    """Train ``model``'s network with a DataLoader loop; ``(seconds, epoch seconds)``."""
    start = time.perf_counter()
    # 1. the estimator's input features, labels as codes, and its network
    features = standardised_features(model, X)
    classes, codes = np.unique(y, return_inverse=True)
    torch.manual_seed(seed)
    net = model._build_network(features.shape[1], len(classes), features.shape[-1]).to(device)
    # 2. the usual optimiser, schedule, loss and loader
    optimizer = torch.optim.Adam(net.parameters(), lr=model.lr, weight_decay=model.weight_decay)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    criterion = nn.CrossEntropyLoss()
    loader = DataLoader(WindowDataset(features, codes), batch_size=model.batch_size, shuffle=True)
    # 3. epochs
    epoch_seconds = []
    for _ in range(epochs):
        tick = time.perf_counter()
        net.train()
        total_loss = 0.0
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = criterion(net(xb), yb)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(yb)
        scheduler.step()
        epoch_seconds.append(time.perf_counter() - tick)
    return time.perf_counter() - start, epoch_seconds


def tszoo_fit(model, X: np.ndarray, y: np.ndarray):
    """Fit the estimator without validation; ``(seconds, epoch seconds)``."""
    start = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - start, model.history_.column("seconds")


def compare_training(name, X, y, data, epochs, args, params) -> dict:
    """Best of ``--repeats`` alternating tszoo / plain runs on the same data."""
    fixed = {**SAME_WORK, "max_epochs": epochs, "device": args.device}
    if name == "inception_time":
        fixed["n_ensemble"] = 1
    best = {"tszoo": (np.inf, np.inf), "plain": (np.inf, np.inf)}
    # untimed warm-up of both sides: first-call allocations and kernel selection
    few = slice(None, None, max(1, len(X) // 64))  # windows are sorted by class
    tszoo_fit(make_model(name, **{**params, **fixed, "max_epochs": 1}), X[few], y[few])
    plain_fit(make_model(name, **{**params, **fixed}), X[few], y[few], 1, args.device, 0)
    for repeat in range(args.repeats):
        model = make_model(name, random_state=repeat, **{**params, **fixed})
        for side in ("tszoo", "plain") if repeat % 2 == 0 else ("plain", "tszoo"):
            if side == "tszoo":
                total, seconds = tszoo_fit(model, X, y)
            else:
                total, seconds = plain_fit(model, X, y, epochs, args.device, repeat)
            best[side] = min(best[side], (total, float(np.median(seconds))))
    (t_fit, t_epoch), (p_fit, p_epoch) = best["tszoo"], best["plain"]
    return {
        "part": "train",
        "model": name,
        "data": data,
        "n_windows": len(X),
        "epochs": epochs,
        "batch_size": model.batch_size,
        "tszoo_windows_per_s": len(X) / t_epoch,
        "plain_windows_per_s": len(X) / p_epoch,
        "throughput_ratio": p_epoch / t_epoch,
        "tszoo_fit_s": t_fit,
        "plain_fit_s": p_fit,
        "fit_speedup": p_fit / t_fit,
    }


def time_prediction(name, X_train, y_train, batch, args, params) -> dict:
    """Fit ``name`` on the sample's training windows, then time ``predict`` on ``batch``."""
    from tszoo.models.registry import model_tags

    extra = {"max_epochs": args.fit_epochs, "device": args.device}
    deep = model_tags(name)["deep"]
    model = make_model(name, random_state=0, **{**(extra if deep else {}), **params})
    model.fit(X_train, y_train)
    model.predict(batch[:64])  # warm-up: numba compilation, first allocations
    seconds = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        model.predict(batch)
        seconds.append(time.perf_counter() - start)
    note = f"{model.n_ensemble} networks" if name == "inception_time" else ""
    return {
        "part": "predict",
        "model": name,
        "data": "sample, tiled",
        "n_windows": len(batch),
        "predict_s": min(seconds),
        "predict_windows_per_s": len(batch) / min(seconds),
        "note": note,
    }


def sample_windows(seed: int = 0):
    splits = prepare_splits(SAMPLE, window=50, stride=10, fractions=(0.8, 0.1, 0.1), seed=seed)
    X_train, y_train = splits.arrays("train")
    everything = np.concatenate([splits.arrays(s)[0] for s in ("train", "val", "test")])
    return X_train, y_train, everything


def synthetic_windows(n: int, like: np.ndarray, n_classes: int):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, *like.shape[1:])).astype(np.float32)
    return X, rng.integers(0, n_classes, n)


def report(results: pd.DataFrame, wall: float, device: str) -> str:
    train = results[results.part == "train"]
    pred = results[results.part == "predict"]
    lines = [
        "| model | data | windows | epochs | batch | tszoo windows/s | plain windows/s | "
        "throughput ratio | tszoo fit s | plain fit s | fit speed-up |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in train.itertuples():
        lines.append(
            f"| {r.model} | {r.data} | {r.n_windows:,} | {r.epochs:.0f} | {r.batch_size:.0f} | "
            f"{r.tszoo_windows_per_s:,.0f} | {r.plain_windows_per_s:,.0f} | "
            f"**{r.throughput_ratio:.2f}x** | {r.tszoo_fit_s:.2f} | {r.plain_fit_s:.2f} | "
            f"{r.fit_speedup:.2f}x |"
        )
    pred_lines = ["| model | windows | predict s | windows/s | note |", "|---|---|---|---|---|"]
    for r in pred.itertuples():
        note = r.note if isinstance(r.note, str) else ""
        pred_lines.append(
            f"| {r.model} | {r.n_windows:,} | {r.predict_s:.3f} | "
            f"{r.predict_windows_per_s:,.0f} | {note} |"
        )
    command = " ".join(["benchmarks/speed.py", *sys.argv[1:]])
    return "\n".join(
        [
            "# Training and prediction speed",
            "",
            f"`.venv/bin/python {command}`",
            "",
            f"Machine: {describe(device=device)}. Wall time: {wall / 60:.1f} min.",
            "",
            "## (a) Training: tszoo's trainer vs a plain DataLoader loop, same network",
            "",
            "Throughput: training windows per second of the median epoch; ratio = tszoo / "
            "plain (above 1: tszoo faster). Fit: whole `fit`, preprocessing and network "
            "construction included; speed-up = plain / tszoo. Best of the repeats.",
            "",
            *lines,
            "",
            "## (b) Prediction: `predict` on a fixed batch",
            "",
            *pred_lines,
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(DEEP), help="deep models for part (a)")
    parser.add_argument("--predict-models", default=",".join(model_names()))
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--synthetic", type=int, default=2048, help="0 to skip")
    parser.add_argument("--synthetic-epochs", type=int, default=5)
    parser.add_argument("--fit-epochs", type=int, default=5)
    parser.add_argument("--predict-windows", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="torch threads, both sides")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument(
        "--set", action="append", default=[], metavar="MODEL.PARAM=VALUE", help="override"
    )
    parser.add_argument("--quick", action="store_true", help="tiny run, a few epochs")
    parser.add_argument("--out-dir", type=Path, default=None)
    args = parser.parse_args()
    if args.quick:
        args.epochs, args.synthetic, args.synthetic_epochs, args.fit_epochs = 2, 128, 1, 1
        args.predict_windows, args.repeats = 200, 1
        args.models = "hybrid_attention,cnn_1d"
        args.predict_models = "hybrid_attention,cnn_1d,random_forest,svm,minirocket"
    torch.set_num_threads(args.threads)
    overrides = parse_overrides(args.set)
    out_dir = args.out_dir or (
        Path(tempfile.gettempdir()) / "tszoo-bench-quick"
        if args.quick
        else ROOT / "benchmarks" / "results"
    )
    start = time.perf_counter()
    X_train, y_train, everything = sample_windows()
    datasets = [("sample", X_train, y_train, args.epochs)]
    if args.synthetic:
        Xs, ys = synthetic_windows(args.synthetic, X_train, len(np.unique(y_train)))
        datasets.append(("synthetic", Xs, ys, args.synthetic_epochs))
    rows = []
    for data, X, y, epochs in datasets:
        for name in args.models.split(","):
            params = overrides.get(name, {})
            rows.append(compare_training(name, X, y, data, epochs, args, params))
            r = rows[-1]
            print(f"train {name:18s} {data:9s} ratio {r['throughput_ratio']:.2f}", flush=True)
    batch = np.resize(everything, (args.predict_windows, *everything.shape[1:]))
    for name in args.predict_models.split(","):
        rows.append(time_prediction(name, X_train, y_train, batch, args, overrides.get(name, {})))
        print(f"predict {name:18s} {rows[-1]['predict_windows_per_s']:,.0f}/s", flush=True)
    results = pd.DataFrame(rows)
    out_dir.mkdir(parents=True, exist_ok=True)
    results.to_csv(out_dir / "speed.csv", index=False)
    table = report(results, time.perf_counter() - start, args.device)
    (out_dir / "speed.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
