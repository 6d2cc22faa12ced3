"""Scoring models and running experiments: one model on one split, repeated over seeds."""

from tszoo.errors import RunInterrupted
from tszoo.evaluation.compare import RunOutcome, resume_run, run_compare, run_train
from tszoo.evaluation.experiment import fit_and_score
from tszoo.evaluation.metrics import compare_pairs, score, summarise

__all__ = [
    "RunInterrupted",
    "RunOutcome",
    "compare_pairs",
    "fit_and_score",
    "resume_run",
    "run_compare",
    "run_train",
    "score",
    "summarise",
]
