"""Scoring models and running experiments: one model on one split, repeated over seeds."""

from tszoo.evaluation.experiment import RunOutcome, fit_and_score, run_compare, run_train
from tszoo.evaluation.metrics import score

__all__ = ["RunOutcome", "fit_and_score", "run_compare", "run_train", "score"]
