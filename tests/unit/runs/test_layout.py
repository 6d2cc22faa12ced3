"""RunLayout names every file and folder of a run directory."""

from __future__ import annotations

from tszoo.runs import RunLayout


def test_tables_are_named_and_written_results_last(tmp_path):
    layout = RunLayout(tmp_path)
    assert [layout.table(name).name for name in RunLayout.TABLES] == [
        "per_class.csv", "confusion.csv", "results.csv",
    ]  # fmt: skip
    assert (layout.results, layout.per_class, layout.confusion) == tuple(
        tmp_path / f"{name}.csv" for name in ("results", "per_class", "confusion")
    )
    assert layout.ranks == tmp_path / "ranks.csv" and layout.windows == tmp_path / "windows.csv"


def test_files_of_a_cell_and_the_figures(tmp_path):
    layout = RunLayout(tmp_path)
    assert layout.predictions("svm", 1) == tmp_path / "predictions" / "svm-seed1.csv"
    assert layout.history("cnn_1d", 0, 2) == tmp_path / "histories" / "cnn_1d-seed0-fold2.csv"
    assert layout.attention("hybrid_attention", 0).parent == layout.folder("attention")
    assert layout.critical_difference == tmp_path / "plots" / "critical_difference.png"
    layout.plots.mkdir()
    for name in ("b", "a"):
        layout.figure(name).write_bytes(b"")
    assert layout.figures() == [tmp_path / "plots" / "a.png", tmp_path / "plots" / "b.png"]


def test_links_are_relative_and_folders_end_in_a_slash(tmp_path):
    layout = RunLayout(tmp_path)
    layout.plots.mkdir()
    assert layout.link(layout.results) == "results.csv"
    assert layout.link(layout.plots) == "plots/"
    assert layout.link(layout.critical_difference) == "plots/critical_difference.png"


def test_saved_models_are_found_by_their_model_json(tmp_path):
    layout = RunLayout(tmp_path)
    assert layout.saved_model("svm", 0) is None and layout.saved_models() == []
    for directory in (layout.model_dir("svm", 1), layout.model_dir("svm", 0), layout.train_model):
        directory.mkdir(parents=True)
    layout.model_dir("svm", 1).joinpath("model.json").write_text("{}")
    assert layout.saved_model("svm", 1) == tmp_path / "models" / "svm-seed1"
    assert layout.saved_model("svm", 0) is None  # a folder without model.json holds none
    layout.train_model.joinpath("model.json").write_text("{}")
    assert layout.saved_model("svm", 0) == tmp_path / "model"
    assert layout.saved_models() == [tmp_path / "model", tmp_path / "models" / "svm-seed1"]
