"""The report's figures: what each one draws, on small tables built here."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

from tszoo.plots import (
    SPLIT_COLOURS,
    attention_map,
    class_balance,
    comparison_bars,
    confusion_matrices,
    coverage_segments,
    curve_stats,
    example_windows,
    fit_time_vs_accuracy,
    metrics_heatmap,
    model_colours,
    per_class_metrics,
    save_png,
    split_strip,
    training_curves,
    training_overlay,
)

LONG_NAME = "HybridCNNLSTM_with_attention_and_mean_pooling_variant_b"
METRICS = ["accuracy", "precision_macro", "recall_macro", "f1_macro"]


# --- small inputs ---------------------------------------------------------------------------


def make_results(accuracies: dict[str, float], n_seeds: int) -> pd.DataFrame:
    """One row per model x seed; seed s adds (s - mean seed) * 0.02 to the model's accuracy."""
    rows = []
    for model, acc in accuracies.items():
        for seed in range(n_seeds):
            a = acc + (seed - (n_seeds - 1) / 2) * 0.02
            rows.append(
                {"dataset": "toy", "model": model, "seed": seed, "accuracy": a,
                 "precision_macro": a - 0.01, "recall_macro": a - 0.02, "f1_macro": a - 0.03,
                 "fit_seconds": 10.0 * (seed + 1) if model != "fast" else 0.0,
                 "predict_seconds": 0.1, "n_train": 60, "n_val": 20, "n_test": 20, "epochs": 5}
            )  # fmt: skip
    return pd.DataFrame(rows)


def make_per_class(models: list[str], classes: list[str], n_seeds: int) -> pd.DataFrame:
    rows = [
        {"dataset": "toy", "model": m, "seed": s, "class": c, "precision": 0.5 + 0.04 * i,
         "recall": 0.9 - 0.3 * j / len(classes), "f1": 0.4 + 0.05 * i + 0.01 * s, "support": 10}
        for i, m in enumerate(models) for s in range(n_seeds) for j, c in enumerate(classes)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def make_confusion(model: str, classes: list[str], n_seeds: int) -> pd.DataFrame:
    """Every class pair for each seed: 8 on the diagonal, 1 off it, none for the last class."""
    rows = [
        {"dataset": "toy", "model": model, "seed": s, "true": t, "predicted": p,
         "count": 0 if t == classes[-1] else 8 if t == p else 1}
        for s in range(n_seeds) for t in classes for p in classes
    ]  # fmt: skip
    return pd.DataFrame(rows)


def make_history(n_epochs: int, *, offset: float = 0.0, val: bool = True) -> pd.DataFrame:
    epoch = np.arange(1, n_epochs + 1)
    return pd.DataFrame(
        {"epoch": epoch, "train_loss": 1.0 / epoch + offset, "train_acc": 0.5 + 0.05 * epoch,
         "val_loss": 1.2 / epoch + offset if val else np.nan,
         "val_acc": 0.45 + 0.05 * epoch if val else np.nan, "lr": 1e-3, "seconds": 0.2}
    )  # fmt: skip


def make_windows(n_recordings: int = 3, length: int = 100) -> pd.DataFrame:
    """Windows of 10 rows, stride 5; rows 0-59 train, 65-79 val, 85-99 test, gaps between."""
    rows = []
    for r in range(n_recordings):
        for start in range(0, length - 9, 5):
            end = start + 10
            split = "train" if end <= 60 else "val" if 65 <= start and end <= 80 else None
            split = split or ("test" if start >= 85 else None)
            if split:
                rows.append({"recording": f"rec_{r}", "start_row": start, "end_row": end,
                             "split": split, "label": ["walk", "run"][r % 2]})  # fmt: skip
    return pd.DataFrame(rows)


def render(fig: Figure) -> np.ndarray:
    """The figure as a decoded PNG, (height, width, channels)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    buffer.seek(0)
    return matplotlib.image.imread(buffer, format="png")


def texts_of(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def legend_texts(fig: Figure) -> list[str]:
    legends = fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    return [t.get_text() for legend in legends for t in legend.get_texts()]


@pytest.fixture(scope="module")
def results3() -> pd.DataFrame:
    return make_results({"mid": 0.7, "best": 0.9, LONG_NAME: 0.8, "fast": 0.5}, n_seeds=3)


# --- every figure -----------------------------------------------------------------------------


def all_figures() -> dict[str, Figure]:
    classes = ["walk", "run", "sit"]
    X = np.random.default_rng(0).normal(size=(3, 2, 50))
    return {
        "training_curves": training_curves("cnn", [make_history(8), make_history(5, offset=0.1)]),
        "training_overlay": training_overlay({"cnn": [make_history(8)], "lstm": [make_history(6)]}),
        "confusion_matrices": confusion_matrices("cnn", make_confusion("cnn", classes, 2), classes),
        "comparison_bars": comparison_bars(make_results({"a": 0.8, "b": 0.6}, 3)),
        "per_class_metrics": per_class_metrics(make_per_class(["a", "b"], classes, 2)),
        "metrics_heatmap": metrics_heatmap(make_results({"a": 0.8, "b": 0.6}, 3)),
        "attention_map": attention_map("cnn", X, classes, np.full((3, 10), 0.1), ["x", "y"]),
        "class_balance": class_balance(make_windows()),
        "example_windows": example_windows(X, classes, ["x", "y"]),
        "split_strip": split_strip(make_windows()),
        "fit_time_vs_accuracy": fit_time_vs_accuracy(make_results({"a": 0.8, "b": 0.6}, 3)),
    }


def test_every_figure_renders_to_a_readable_png_without_pyplot():
    for name, fig in all_figures().items():
        image = render(fig)
        height, width = image.shape[:2]
        assert 600 <= width <= 1000 and 150 <= height <= 1500, (name, image.shape)
        assert image[..., :3].std() > 0.05, f"{name} rendered blank"
        assert fig.canvas.manager is None, f"{name} is registered with pyplot"


def test_figures_can_be_made_and_rendered_in_threads(results3):
    def build(seed: int) -> tuple:
        return render(comparison_bars(results3)).shape

    with ThreadPoolExecutor(max_workers=2) as pool:
        shapes = list(pool.map(build, range(4)))
    assert len(set(shapes)) == 1


EMPTY = {
    "training_curves": lambda: training_curves("cnn", []),
    "training_overlay": lambda: training_overlay({"cnn": [], "rf": [make_history(0)]}),
    "confusion_matrices": lambda: confusion_matrices("cnn", make_confusion("x", ["a"], 1), []),
    "comparison_bars": lambda: comparison_bars(make_results({}, 1)),
    "per_class_metrics": lambda: per_class_metrics(pd.DataFrame(columns=["model", "class"])),
    "metrics_heatmap": lambda: metrics_heatmap(pd.DataFrame(columns=["model", *METRICS])),
    "attention_map": lambda: attention_map("cnn", np.empty((0, 2, 5)), [], np.empty((0, 3)), []),
    "class_balance": lambda: class_balance(make_windows().iloc[:0]),
    "example_windows": lambda: example_windows(np.empty((0, 2, 5)), [], ["x", "y"]),
    "split_strip": lambda: split_strip(make_windows().iloc[:0]),
    "fit_time_vs_accuracy": lambda: fit_time_vs_accuracy(make_results({}, 1)),
}


@pytest.mark.parametrize("name", sorted(EMPTY))
def test_empty_input_gives_a_figure_that_says_so(name):
    fig = EMPTY[name]()
    assert isinstance(fig, Figure)
    assert any("Nothing to show" in t for ax in fig.axes for t in texts_of(ax))
    assert render(fig).shape[1] == 600


# --- training curves ------------------------------------------------------------------------


def test_curve_stats_average_the_seeds_still_running():
    histories = [make_history(5), make_history(3, offset=1.0)]
    stats = curve_stats(histories, "train_loss")
    assert list(stats.index) == [1, 2, 3, 4, 5]
    assert list(stats["n"]) == [2, 2, 2, 1, 1]
    np.testing.assert_allclose(stats["mean"], [1.5, 1.0, 1 / 3 + 0.5, 0.25, 0.2])
    np.testing.assert_allclose(stats["high"] - stats["low"], [1, 1, 1, 0, 0])
    assert curve_stats([make_history(4, val=False)], "val_loss").empty


def test_training_curves_draw_mean_and_band_over_seeds():
    fig = training_curves("cnn", [make_history(6), make_history(4, offset=0.2), make_history(6)])
    loss, acc = fig.axes
    assert (loss.get_title(), acc.get_title()) == ("Loss", "Accuracy")
    train = next(line for line in loss.lines if line.get_label() == "train")
    expected = curve_stats([make_history(6), make_history(4, offset=0.2), make_history(6)],
                           "train_loss")["mean"]  # fmt: skip
    np.testing.assert_allclose(train.get_ydata(), expected)
    assert to_hex(train.get_color()) == SPLIT_COLOURS["train"].lower()
    assert {line.get_label() for line in acc.lines} == {"train", "validation"}
    assert all(len(band.get_paths()) > 0 for band in loss.collections)  # 3 seeds: bands shown
    assert "min–max over seeds" in legend_texts(fig)
    assert "4–6 epochs" in fig.get_supxlabel()


def test_training_curves_one_seed_without_validation():
    fig = training_curves("cnn", [make_history(5, val=False)])
    for ax in fig.axes:
        assert [line.get_label() for line in ax.lines] == ["train"]
        assert all(len(band.get_paths()) == 0 for band in ax.collections)  # no band for 1 seed
    assert "1 seed" in fig.get_suptitle()
    assert "no validation" in fig.get_supxlabel()


def test_training_overlay_falls_back_to_train_curves():
    fig = training_overlay(
        {"cnn": [make_history(6), make_history(4)], "rnn": [make_history(5, val=False)], "rf": []},
        colours={"cnn": "#000000"},
    )
    loss, acc = fig.axes
    assert len(loss.lines) == len(acc.lines) == 2
    assert legend_texts(fig) == ["cnn", "rnn (train)"]
    assert to_hex(loss.lines[0].get_color()) == "#000000"
    np.testing.assert_allclose(loss.lines[1].get_ydata(), make_history(5)["train_loss"])


# --- scores -----------------------------------------------------------------------------------


def test_confusion_matrices_sum_seeds_and_normalise_rows():
    classes = ["walk", "run", "sit"]
    confusion = pd.concat([make_confusion("cnn", classes, 2), make_confusion("rf", classes, 1)])
    confusion.loc[confusion["model"] == "rf", "count"] = 100  # another model: ignored
    fig = confusion_matrices("cnn", confusion, classes)
    counts_ax, normalised_ax = fig.axes[:2]  # then their colorbars
    counts = counts_ax.images[0].get_array()
    np.testing.assert_array_equal(counts, [[16, 2, 2], [2, 16, 2], [0, 0, 0]])
    normalised = normalised_ax.images[0].get_array()
    np.testing.assert_allclose(normalised[:2].sum(axis=1), 1.0)
    assert normalised.mask[2].all()  # no true "sit" windows: a blank row, not a division by 0
    assert [t.get_text() for t in counts_ax.get_yticklabels()] == classes
    assert [t.get_text() for t in counts_ax.get_xticklabels()] == classes
    assert texts_of(counts_ax)[:2] == ["16", "2"] and len(texts_of(counts_ax)) == 9
    assert "2 seeds" in fig.get_suptitle()


def test_confusion_matrices_skip_annotations_for_many_classes():
    classes = [f"c{i}" for i in range(20)]
    fig = confusion_matrices("cnn", make_confusion("cnn", classes, 1), classes)
    assert fig.axes[0].images[0].get_array().shape == (20, 20)
    assert texts_of(fig.axes[0]) == [] and texts_of(fig.axes[1]) == []
    assert render(fig).shape[0] <= 700


def test_comparison_bars_sorted_by_accuracy_with_std_error_bars(results3):
    fig = comparison_bars(results3)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "best" and labels[-1] == "fast" and "…" in labels[1]  # long name cut
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    assert len(bars) == 4 and all(len(b) == 4 for b in bars)
    np.testing.assert_allclose([b.get_height() for b in bars[0]], [0.9, 0.8, 0.7, 0.5])
    low, high = bars[0].errorbar.lines[2][0].get_segments()[0][:, 1]
    assert high - low == pytest.approx(2 * 0.02)  # ± the std over seeds 0.88, 0.90, 0.92


def test_comparison_bars_one_seed_has_no_error_bars():
    fig = comparison_bars(make_results({"a": 0.8, "b": 0.9}, 1))
    bars = [c for c in fig.axes[0].containers if isinstance(c, BarContainer)]
    assert all(b.errorbar is None for b in bars)
    assert "1 seed" in fig.get_suptitle()


def test_metrics_heatmap_values_and_order(results3):
    fig = metrics_heatmap(results3)
    ax = fig.axes[0]
    values = ax.images[0].get_array()
    assert values.shape == (4, 4)
    np.testing.assert_allclose(values[:, 0], [0.9, 0.8, 0.7, 0.5])
    np.testing.assert_allclose(values[0], [0.9, 0.89, 0.88, 0.87])
    assert texts_of(ax)[0] == "0.900 ± 0.020"
    one_seed = metrics_heatmap(make_results({"a": 0.8}, 1))
    assert texts_of(one_seed.axes[0])[0] == "0.800"


def test_per_class_metrics_one_heatmap_per_metric():
    classes = ["walk", "run", "sit_down_slowly", "jump"]
    fig = per_class_metrics(make_per_class(["weak", "strong"], classes, 3))
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title(loc="left") for ax in panels] == ["Precision", "Recall", "F1"]
    f1 = panels[2].images[0].get_array()
    assert f1.shape == (2, 4)
    np.testing.assert_allclose(f1[0], 0.45 + 0.01)  # "strong" (higher F1) first, mean over seeds
    assert [t.get_text() for t in panels[2].get_yticklabels()] == ["strong", "weak"]
    assert panels[2].get_xticklabels()[0].get_text() == "jump (n=10)"
    assert len(texts_of(panels[0])) == 8
    many = per_class_metrics(make_per_class(["a"], [f"c{i}" for i in range(20)], 1))
    assert all(texts_of(ax) == [] for ax in many.axes)


def test_fit_time_vs_accuracy_labels_every_model(results3):
    fig = fit_time_vs_accuracy(results3, colours=model_colours(["best"]))
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    names = texts_of(ax)
    assert sorted(names) == sorted(["best", "mid", "fast", "HybridCNNLST…g_variant_b"])
    assert ax.get_xlim()[0] > 0  # zero fit time is clipped, not lost
    assert render(fig).shape[1] == 800


def test_model_colours_cycle_the_palette():
    colours = model_colours([f"m{i}" for i in range(10)])
    assert len(set(colours.values())) == 8
    assert colours["m8"] == colours["m0"]


# --- data -----------------------------------------------------------------------------------


def test_class_balance_counts_windows_per_class_and_split():
    windows = make_windows()
    fig = class_balance(windows)
    bars = [c for c in fig.axes[0].containers if isinstance(c, BarContainer)]
    assert [to_hex(b[0].get_facecolor()).upper() for b in bars] == list(SPLIT_COLOURS.values())
    expected = windows.groupby(["split", "label"]).size()
    assert [b[0].get_height() for b in bars] == [expected[s, "run"] for s in SPLIT_COLOURS]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["run", "walk"]


def test_example_windows_one_panel_per_class_and_capped_legend():
    X = np.random.default_rng(1).normal(size=(5, 12, 40))
    X[0, :, 30:] = np.nan  # trailing padding
    fig = example_windows(X, ["a", "b", "c", "d", LONG_NAME], [f"ch{i}" for i in range(12)])
    panels = [ax for ax in fig.axes if ax.axison]
    assert len(panels) == 5 and all(len(ax.lines) == 12 for ax in panels)
    assert len(legend_texts(fig)) == 10 and "10 of 12 channels" in fig.get_supxlabel()
    assert panels[0].get_xlim()[1] == 39
    with pytest.raises(ValueError, match="n_classes, n_channels"):
        example_windows(X, ["a", "b"], ["x"])


def test_attention_map_stretches_weights_over_the_window():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(12, 2, 60)), np.array(["b", "a", "c"] * 4)
    weights = rng.dirichlet(np.ones(15), size=12)
    fig = attention_map("cnn", X, y, weights, ["x", "y"], max_windows=5)
    strips = [ax for ax in fig.axes if ax.images]
    assert len(strips) == 5
    assert tuple(strips[0].images[0].get_extent()[:2]) == (-0.5, 59.5)
    np.testing.assert_allclose(strips[0].images[0].get_array()[0], weights[1])  # first "a"
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_title(loc="left")]
    assert [t.split()[1] for t in titles] == ["a", "a", "b", "b", "c"]
    assert "5 of 12 windows" in fig.get_supxlabel()
    with pytest.raises(ValueError, match="n_steps <= n_timepoints"):
        attention_map("cnn", X, y, np.ones((12, 61)), ["x", "y"])


def test_coverage_segments_finds_splits_gaps_and_overlaps():
    windows = pd.DataFrame(
        {"recording": [0, 0, 0, 1, 1], "start_row": [0, 5, 30, 10, 15],
         "end_row": [10, 15, 40, 20, 25], "split": ["train", "train", "test", "val", "test"]}
    )  # fmt: skip
    runs = coverage_segments(windows, ["train", "val", "test"])
    assert runs.values.tolist() == [
        [0, 0, 15, 1],  # two train windows merged
        [0, 15, 30, 0],  # gap
        [0, 30, 40, 4],
        [1, 10, 15, 2],  # recording 1 starts at its first window (row 10), no gap before
        [1, 15, 20, 6],  # val and test overlap: a leak
        [1, 20, 25, 4],
    ]


def test_split_strip_colours_rows_and_marks_gaps():
    fig = split_strip(make_windows(n_recordings=2))
    ax = fig.axes[0]
    colours = [to_hex(c) for c in ax.collections[0].get_facecolors()]
    assert colours[:5] == ["#0072b2", "#a0a0a0", "#e69f00", "#a0a0a0", "#009e73"]
    assert len(ax.collections[1].get_paths()) == 4  # the gaps, widened to stay visible
    assert [t.get_text() for t in ax.get_yticklabels()] == ["rec_0", "rec_1"]
    assert "several splits (leak!)" not in legend_texts(fig)
    assert "no window (gap)" in legend_texts(fig)


def test_split_strip_caps_recordings_and_handles_many_windows():
    n_rec, per = 40, 2_500  # 10^5 windows
    start = np.tile(np.arange(per) * 4, n_rec)
    windows = pd.DataFrame(
        {"recording": np.repeat(np.arange(n_rec), per), "start_row": start,
         "end_row": start + 8, "split": np.where(start < 6_000, "train", "test")}
    )  # fmt: skip
    fig = split_strip(windows)
    ax = fig.axes[0]
    assert len(ax.get_yticklabels()) == 30 and "first 30 of 40" in fig.get_suptitle()
    assert len(ax.collections[0].get_paths()) == 30 * 3  # train, overlap, test
    assert "several splits (leak!)" in legend_texts(fig)  # the windows across row 6000 overlap


def test_split_strip_of_case_datasets_is_one_strip_of_cases():
    windows = pd.DataFrame(
        {"recording": [3, 1, 2, 0], "start_row": 0, "end_row": 50,
         "split": ["test", "train", "train", "val"], "label": "a"}
    )  # fmt: skip
    fig = split_strip(windows)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["cases"]
    colours = [to_hex(c) for c in ax.collections[0].get_facecolors()]
    assert colours == ["#e69f00", "#0072b2", "#009e73"]  # case 0 val, 1-2 train, 3 test
    assert "train (2 cases)" in legend_texts(fig)


# --- saving -----------------------------------------------------------------------------------


def test_save_png_writes_a_real_png_and_no_temp_files(tmp_path, results3):
    path = save_png(comparison_bars(results3), tmp_path / "figures" / "bars.png")
    assert path == tmp_path / "figures" / "bars.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert matplotlib.image.imread(path).shape[1] == 620
    save_png(metrics_heatmap(results3), path)  # replaces the file
    assert matplotlib.image.imread(path).shape[1] == 800
    assert [p.name for p in path.parent.iterdir()] == ["bars.png"]
