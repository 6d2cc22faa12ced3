"""Metrics against scikit-learn on known inputs; aggregation over seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import classification_report, f1_score

from tszoo.evaluation.metrics import compare_pairs, confusion_rows, per_class_rows, score, summarise

Y_TRUE = np.array(["cat", "cat", "dog", "dog", "dog", "eel", "eel", "eel"])
Y_PRED = np.array(["cat", "dog", "dog", "dog", "eel", "eel", "eel", "cat"])
CLASSES = np.array(["cat", "dog", "eel", "fox"])  # fox never occurs


def test_score_matches_scikit_learn_by_hand():
    scores = score(Y_TRUE, Y_PRED, CLASSES)
    assert scores["accuracy"] == pytest.approx(5 / 8)
    # cat: precision 1/2, recall 1/2; dog: 2/3, 2/3; eel: 2/3, 2/3; fox: 0, 0 (no support)
    assert scores["per_class"]["cat"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert scores["per_class"]["dog"]["precision"] == pytest.approx(2 / 3)
    assert scores["per_class"]["fox"] == {"precision": 0, "recall": 0, "f1": 0, "support": 0}
    expected = f1_score(Y_TRUE, Y_PRED, labels=list(CLASSES), average="macro", zero_division=0)
    assert scores["f1_macro"] == pytest.approx(expected)
    report = classification_report(Y_TRUE, Y_PRED, output_dict=True, zero_division=0)
    for cls in ("cat", "dog", "eel"):
        assert scores["per_class"][cls]["recall"] == pytest.approx(report[cls]["recall"])
    assert scores["confusion"] == [[1, 1, 0, 0], [0, 2, 1, 0], [1, 0, 2, 0], [0, 0, 0, 0]]


def test_rows_for_the_per_class_and_confusion_tables():
    scores = score(Y_TRUE, Y_PRED, CLASSES)
    rows = per_class_rows(scores, model="m", seed=3)
    assert [r["class"] for r in rows] == ["cat", "dog", "eel", "fox"]
    assert rows[0] == {"model": "m", "seed": 3, "class": "cat", **scores["per_class"]["cat"]}
    long = pd.DataFrame(confusion_rows(scores, CLASSES, model="m"))
    assert len(long) == 16 and long["count"].sum() == len(Y_TRUE)
    wide = long.pivot(index="true", columns="predicted", values="count")
    assert wide.loc["eel", "cat"] == 1 and wide.loc["dog", "eel"] == 1


def results(acc: dict[str, list[float]]) -> pd.DataFrame:
    rows = [
        {"model": m, "seed": s, "accuracy": a, "precision_macro": a, "recall_macro": a,
         "f1_macro": a, "fit_seconds": 1.0 + s, "predict_seconds": 0.1}
        for m, values in acc.items() for s, a in enumerate(values)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_summarise_gives_mean_and_sample_std_best_first():
    table = summarise(results({"slow": [0.5, 0.7], "good": [0.9, 0.9, 0.9]}))
    assert table["model"].tolist() == ["good", "slow"]
    slow = table.set_index("model").loc["slow"]
    assert slow["n_seeds"] == 2
    assert slow["accuracy_mean"] == pytest.approx(0.6)
    assert slow["accuracy_std"] == pytest.approx(np.std([0.5, 0.7], ddof=1))
    assert slow["fit_seconds_mean"] == pytest.approx(1.5)
    assert summarise(results({})).empty


def test_compare_pairs_says_whether_the_gap_beats_the_seed_spread():
    pairs = compare_pairs(results({"a": [0.90, 0.92], "b": [0.60, 0.64], "c": [0.85, 0.99]}))
    by_pair = {(r.model_a, r.model_b): r for r in pairs.itertuples()}
    assert by_pair[("c", "a")].larger_than_spread is False  # 0.01 apart, c varies by 0.1
    assert by_pair[("a", "b")].larger_than_spread is True
    assert by_pair[("a", "b")].difference == pytest.approx(0.29)
    assert len(pairs) == 3


def test_one_seed_cannot_tell():
    pairs = compare_pairs(results({"a": [0.9], "b": [0.1]}))
    assert not pairs["larger_than_spread"].any()
    assert np.isnan(pairs["spread"]).all()


def test_balanced_accuracy_is_the_mean_recall_over_the_classes_tested():
    y_true = np.array(["a"] * 8 + ["b"] * 2)
    y_pred = np.array(["a"] * 8 + ["a", "b"])  # a: 8/8, b: 1/2
    scores = score(y_true, y_pred, np.array(["a", "b", "c"]))  # c: in no split here
    assert scores["accuracy"] == pytest.approx(0.9)
    assert scores["balanced_accuracy"] == pytest.approx((1.0 + 0.5) / 2)
    assert scores["recall_macro"] == pytest.approx((1.0 + 0.5 + 0.0) / 3)  # c counts as 0


def test_summarise_reads_results_from_before_balanced_accuracy():
    old = pd.DataFrame(
        {"model": ["rf", "rf"], "seed": [0, 1], "accuracy": [0.8, 0.9]}
        | {m: [0.5, 0.6] for m in ("precision_macro", "recall_macro", "f1_macro")}
        | {"fit_seconds": [1.0, 2.0], "predict_seconds": [0.1, 0.2]}
    )
    table = summarise(old)
    assert table.loc[0, "accuracy_mean"] == pytest.approx(0.85)
    assert np.isnan(table.loc[0, "balanced_accuracy_mean"])
