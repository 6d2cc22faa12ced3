"""load_run and build_report on a fake run directory (see conftest.py): no model is fitted."""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tszoo.errors import TszooError
from tszoo.report import build_report, load_run

IMG_SRC = re.compile(r"<img\b[^>]*\bsrc=\"([^\"]*)\"")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
EVERY_PLOT = {
    "comparison-bars",
    "metrics-heatmap",
    "fit-time-vs-accuracy",
    "per-class-metrics",
    "confusion-random_forest",
    "confusion-cnn_1d",
    "confusion-hybrid_attention",
    "training-cnn_1d",
    "training-hybrid_attention",
    "training-overlay",
    "attention-hybrid_attention-seed0",
    "class-balance",
    "example-windows",
    "split-strip",
}


@pytest.fixture(scope="module")
def report(fake_run: Path, tmp_path_factory) -> Path:
    """The fake run's report, built once in a copy of the run."""
    run_dir = shutil.copytree(fake_run, tmp_path_factory.mktemp("built") / "run")
    return build_report(run_dir)


def section_ids(page: str) -> set[str]:
    return set(re.findall(r'<section id="([^"]+)"', page))


# -- load_run ----------------------------------------------------------------------------


def test_load_run_reads_every_file(fake_run):
    run = load_run(fake_run)
    assert run.models == ["random_forest", "cnn_1d", "hybrid_attention"]
    assert run.seeds == [0, 1]
    assert run.classes == ["run", "sit & stand", "walk"]
    assert len(run.results) == 6 and run.config["command"] == "compare"
    assert run.manifest["status"] == "complete"
    assert set(run.windows.columns) == {"recording", "start_row", "end_row", "split", "label"}
    assert len(run.per_class) == 6 * 3 and len(run.confusion) == 6 * 3 * 3
    assert sorted(run.histories) == ["cnn_1d", "hybrid_attention"]
    assert [len(h) for h in run.histories["cnn_1d"]] == [6, 6]
    assert run.examples["X"].shape == (3, 2, 20) and list(run.examples["channels"]) == [
        "acc_x",
        "acc_y",
    ]
    assert sorted(run.attention) == ["hybrid_attention-seed0", "hybrid_attention-seed1"]
    assert run.attention["hybrid_attention-seed0"]["weights"].shape == (6, 10)


def test_histories_are_in_seed_order(tmp_path, write_fake_run):
    run_dir = write_fake_run(tmp_path / "run", models=("cnn_1d",), seeds=(10, 2))
    marked = []
    for seed in (10, 2):  # tag each file with its seed, then check the order they load in
        path = run_dir / "histories" / f"cnn_1d-seed{seed}.csv"
        pd.read_csv(path).assign(seed=seed).to_csv(path, index=False)
        marked.append(seed)
    seeds = [int(h["seed"].iloc[0]) for h in load_run(run_dir).histories["cnn_1d"]]
    assert seeds == sorted(marked)


def test_load_run_without_optional_files(fake_run_copy):
    for name in ("windows.csv", "per_class.csv", "confusion.csv", "examples.npz"):
        (fake_run_copy / name).unlink()
    for name in ("predictions", "histories", "attention"):
        shutil.rmtree(fake_run_copy / name)
    (fake_run_copy / "manifest.json").unlink()
    run = load_run(fake_run_copy)
    assert run.windows is None and run.examples is None and run.manifest == {}
    assert run.per_class.empty and run.confusion.empty
    assert run.histories == {} and run.attention == {}
    assert len(run.results) == 6


def test_files_of_unfinished_cells_are_left_out(fake_run_copy):
    # a cell stopped after writing its files but before its results row is not finished
    for folder, suffix in (("histories", ".csv"), ("attention", ".npz"), ("predictions", ".csv")):
        done = fake_run_copy / folder / f"hybrid_attention-seed0{suffix}"
        shutil.copy(done, done.with_name(f"hybrid_attention-seed7{suffix}"))
    (fake_run_copy / "per_class.csv").unlink()
    run = load_run(fake_run_copy)
    assert len(run.histories["hybrid_attention"]) == 2
    assert sorted(run.attention) == ["hybrid_attention-seed0", "hybrid_attention-seed1"]
    assert set(run.per_class["seed"]) == {0, 1}


@pytest.mark.parametrize("missing", ["results.csv", "config.yaml"])
def test_a_directory_that_is_not_a_run_is_a_one_line_error(fake_run_copy, missing):
    (fake_run_copy / missing).unlink()
    with pytest.raises(TszooError) as error:
        load_run(fake_run_copy)
    message = str(error.value)
    assert "\n" not in message
    assert str(fake_run_copy) in message and f"no {missing}" in message
    assert "pass the directory a train or compare run wrote" in message


def test_a_missing_directory_is_a_one_line_error(tmp_path):
    with pytest.raises(TszooError, match="does not exist") as error:
        build_report(tmp_path / "nowhere")
    assert "\n" not in str(error.value)


def test_pickled_npz_is_refused(fake_run_copy):
    np.savez(fake_run_copy / "examples.npz", X=np.array([{"a": 1}], dtype=object))
    with pytest.raises(TszooError, match=r"examples\.npz"):
        load_run(fake_run_copy)


def test_older_runs_get_per_class_and_confusion_from_predictions(fake_run, fake_run_copy):
    (fake_run_copy / "per_class.csv").unlink()
    (fake_run_copy / "confusion.csv").unlink()
    old, written = load_run(fake_run_copy), load_run(fake_run)
    keys = ["model", "seed", "class"]
    pd.testing.assert_frame_equal(
        old.per_class.sort_values(keys).reset_index(drop=True),
        written.per_class.sort_values(keys).reset_index(drop=True),
        check_dtype=False,
    )
    keys = ["model", "seed", "true", "predicted"]
    pd.testing.assert_frame_equal(
        old.confusion.sort_values(keys).reset_index(drop=True),
        written.confusion.sort_values(keys).reset_index(drop=True),
        check_dtype=False,
    )


# -- build_report --------------------------------------------------------------------------


def test_report_writes_html_and_every_plot(report):
    assert report.name == "report.html" and report.is_file()
    plots = {p.stem for p in (report.parent / "plots").glob("*.png")}
    assert plots == EVERY_PLOT
    for path in (report.parent / "plots").glob("*.png"):
        assert path.read_bytes().startswith(PNG_MAGIC), path
    assert 'class="warning"' not in report.read_text(encoding="utf-8")  # no figure failed


def test_every_image_is_an_embedded_png_of_a_saved_plot(report):
    page = report.read_text(encoding="utf-8")
    sources = IMG_SRC.findall(page)
    assert len(sources) == len(EVERY_PLOT) == page.count("<img ")
    saved = {p.read_bytes() for p in (report.parent / "plots").glob("*.png")}
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.removeprefix("data:image/png;base64,"), validate=True)
        assert png.startswith(PNG_MAGIC) and png in saved


def test_report_fetches_nothing_from_anywhere(report):
    page = report.read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*//""", page)  # protocol-relative
    assert "<link" not in page and "@import" not in page and "url(" not in page
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(h.startswith("#") or ":" not in h for h in hrefs)


def test_report_sections_follow_the_reading_order(report):
    page = report.read_text(encoding="utf-8")
    order = ["results", "pairs", "comparison", "per-class", "confusion", "training"]
    order += ["attention", "data", "files"]
    positions = [page.index(f'<section id="{s}"') for s in order]
    assert positions == sorted(positions)
    assert section_ids(page) == set(order)
    assert page.index("<h1>") < page.index("<nav>") < positions[0]


def test_report_run_summary_and_links(report):
    page = report.read_text(encoding="utf-8")
    for fact in ("walks", "compare", "window 20 rows, stride 10 rows", "train 0.6 / val 0.2"):
        assert fact in page, fact
    assert "0123456789abcdef" in page and "Linux-6.1-x86_64" in page and "numpy 2.3.5" in page
    for name in ("results.csv", "per_class.csv", "confusion.csv", "windows.csv", "predictions/"):
        assert f'href="{name}"' in page, name
    for name in ("histories/", "config.yaml", "manifest.json"):
        assert f'href="{name}"' in page, name


def test_summary_table_is_sortable_and_marks_the_best(report):
    page = report.read_text(encoding="utf-8")
    assert page.count('<table class="sortable">') == 3  # summary, per seed, pairs
    best = load_run(report.parent).results.groupby("model")["accuracy"].mean().max()
    assert f'data-sort="{best:.10g}"><strong>' in page
    assert "±" in page
    assert "<th>balanced accuracy</th>" in page or ">balanced accuracy<" in page


def test_one_seed_without_deep_models_skips_their_sections(tmp_path, write_fake_run):
    run_dir = write_fake_run(tmp_path / "run", models=("random_forest", "svm"), seeds=(3,))
    (run_dir / "examples.npz").unlink()
    page = build_report(run_dir).read_text(encoding="utf-8")
    assert section_ids(page) == {"results", "pairs", "comparison", "per-class", "confusion"} | {
        "data",
        "files",
    }
    assert "One seed cannot tell" in page and '<table class="sortable">' in page
    plots = {p.stem for p in (run_dir / "plots").glob("*.png")}
    assert "example-windows" not in plots and not any(p.startswith("training") for p in plots)


def test_older_run_report_has_per_class_and_confusion(small_run):
    (small_run / "per_class.csv").unlink()
    (small_run / "confusion.csv").unlink()
    page = build_report(small_run).read_text(encoding="utf-8")
    assert {"per-class", "confusion"} <= section_ids(page)
    assert "recomputed from predictions/" in page


def test_data_is_escaped_and_unfinished_runs_are_flagged(small_run):
    results = pd.read_csv(small_run / "results.csv")
    results["dataset"] = "<script>alert(1)</script>"
    results.to_csv(small_run / "results.csv", index=False)
    manifest = (small_run / "manifest.json").read_text()
    (small_run / "manifest.json").write_text(manifest.replace("complete", "interrupted"))
    page = build_report(small_run).read_text(encoding="utf-8")
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "This run is interrupted" in page


def test_a_failing_figure_costs_only_itself(small_run, monkeypatch):
    from tszoo import plots

    def broken(windows):
        raise ValueError("no rows to draw")

    monkeypatch.setattr(plots, "split_strip", broken)
    page = build_report(small_run).read_text(encoding="utf-8")
    assert "The figure split-strip could not be drawn: no rows to draw" in page
    plots_written = {p.stem for p in (small_run / "plots").glob("*.png")}
    assert "split-strip" not in plots_written and "class-balance" in plots_written


def test_whole_cases_have_no_split_strip_and_its_old_png_goes(small_run):
    build_report(small_run)
    strip = small_run / "plots" / "split-strip.png"
    assert strip.is_file()
    saved = small_run / "models" / "random_forest-seed0" / "model.json"
    saved.parent.mkdir(parents=True)
    saved.write_text(json.dumps({"metadata": {"window": None, "stride": None}}))
    assert load_run(small_run).window is None  # the model says what was done
    page = build_report(small_run).read_text(encoding="utf-8")
    assert "whole cases" in page and "window 20 rows" not in page
    assert not strip.exists()
