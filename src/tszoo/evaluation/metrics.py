"""Classification metrics, all from scikit-learn."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support


def score(y_true: np.ndarray, y_pred: np.ndarray, classes: np.ndarray) -> dict[str, Any]:
    """Accuracy and macro precision/recall/F1, with per-class scores and the confusion matrix.

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
        ``accuracy, precision_macro, recall_macro, f1_macro`` (floats), ``per_class``
        (class -> precision, recall, f1, support) and ``confusion`` (list of lists).
    """
    labels = list(classes)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    macro = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, average="macro", zero_division=0
    )
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
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
