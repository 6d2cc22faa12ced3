"""Classification metrics, all from scikit-learn."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
)


def score(y_true: np.ndarray, y_pred: np.ndarray, classes: np.ndarray) -> dict[str, Any]:
    """Accuracy, balanced accuracy and macro precision/recall/F1, with per-class scores and
    the confusion matrix.

    Parameters
    ----------
    y_true, y_pred : array of shape (n_cases,)
        True and predicted labels.
    classes : array of shape (n_classes,)
        Every class, in the order of ``per_class`` and of the confusion matrix's rows
        (true) and columns (predicted). A class absent from both scores 0, not an error.

    Returns
    -------
    dict
        ``accuracy, balanced_accuracy, precision_macro, recall_macro, f1_macro`` (floats;
        balanced accuracy is the mean recall over the classes the test split holds), ``per_class``
        (class -> precision, recall, f1, support) and ``confusion`` (list of lists).
    """
    labels = list(classes)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    macro = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, average="macro", zero_division=0
    )
    with warnings.catch_warnings():  # a predicted class the test split lacks counts as wrong
        warnings.simplefilter("ignore", UserWarning)
        balanced = float(balanced_accuracy_score(y_true, y_pred))
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "balanced_accuracy": balanced,
        "precision_macro": float(macro[0]),
        "recall_macro": float(macro[1]),
        "f1_macro": float(macro[2]),
        "per_class": {
            str(c): {
                "precision": float(p),
                "recall": float(r),
                "f1": float(f),
                "support": int(s),
            }
            for c, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    }


SUMMARY_METRICS = (
    "accuracy",
    "balanced_accuracy",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "fit_seconds",
    "predict_seconds",
)


def summarise(results: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation over seeds (and folds), one row per model.

    Parameters
    ----------
    results : DataFrame
        One row per model x seed (x fold) with ``model`` and the columns of
        ``SUMMARY_METRICS``.

    Returns
    -------
    DataFrame
        ``model, n_seeds, n_folds, <metric>_mean, <metric>_std`` for each metric, best mean
        accuracy first (``n_folds`` 0 without cross-validation). The standard deviation is
        the sample one (ddof=1) over every seed and fold; NaN with one of them.
    """
    columns = ["model", "n_seeds", "n_folds"]
    columns += [f"{m}_{s}" for m in SUMMARY_METRICS for s in ("mean", "std")]
    if results.empty:
        return pd.DataFrame(columns=columns)
    missing = [m for m in SUMMARY_METRICS if m not in results]  # runs from before a metric
    results = results.assign(**dict.fromkeys(missing, np.nan)) if missing else results
    grouped = results.groupby("model", sort=False)
    table = pd.DataFrame({"n_seeds": grouped["seed"].nunique()})
    folds = results["fold"] if "fold" in results else pd.Series(np.nan, index=results.index)
    table["n_folds"] = folds.groupby(results["model"], sort=False).nunique()
    for metric in SUMMARY_METRICS:
        values = grouped[metric].agg(["mean", "std"])
        table[f"{metric}_mean"] = values["mean"]
        table[f"{metric}_std"] = values["std"]
    table = table.reset_index().sort_values("accuracy_mean", ascending=False, kind="stable")
    return table[columns].reset_index(drop=True)


def compare_pairs(results: pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """Is the difference between two models larger than the seed-to-seed spread?

    For each pair of models, ``difference = mean_a - mean_b`` and ``spread = std_a + std_b``
    (standard deviations over seeds). A difference larger than the spread means the two
    mean ± std intervals do not overlap: the seeds agree on which model is better. With
    one seed there is no spread and ``larger_than_spread`` is False.

    Returns
    -------
    DataFrame
        ``model_a, model_b, mean_a, mean_b, difference, spread, larger_than_spread``, one
        row per pair, ``model_a`` the better of the two by ``summarise`` order.
    """
    summary = summarise(results)
    rows = []
    for i, a in summary.iterrows():
        for _, b in summary.iloc[i + 1 :].iterrows():
            spread = a[f"{metric}_std"] + b[f"{metric}_std"]
            difference = a[f"{metric}_mean"] - b[f"{metric}_mean"]
            rows.append(
                {
                    "model_a": a["model"],
                    "model_b": b["model"],
                    "mean_a": a[f"{metric}_mean"],
                    "mean_b": b[f"{metric}_mean"],
                    "difference": difference,
                    "spread": spread,
                    "larger_than_spread": bool(np.isfinite(spread) and abs(difference) > spread),
                }
            )
    columns = ["model_a", "model_b", "mean_a", "mean_b", "difference", "spread"]
    return pd.DataFrame(rows, columns=[*columns, "larger_than_spread"])


def per_class_rows(scores: dict[str, Any], **keys: Any) -> list[dict[str, Any]]:
    """``score``'s per-class scores as rows ``**keys, class, precision, recall, f1, support``."""
    return [{**keys, "class": cls, **values} for cls, values in scores["per_class"].items()]


def confusion_rows(scores: dict[str, Any], classes: np.ndarray, **keys: Any) -> list[dict]:
    """``score``'s confusion matrix as long rows ``**keys, true, predicted, count``."""
    names = [str(c) for c in classes]
    return [
        {**keys, "true": t, "predicted": p, "count": int(count)}
        for t, row in zip(names, scores["confusion"], strict=True)
        for p, count in zip(names, row, strict=True)
    ]
