"""An ensemble beside its members in one run: the members' own cells fit its final members.

An ensemble that weighs its members on validation and then refits them (``refit``) fits
each final member on train and validation merged (:func:`~tszoo.evaluation.fit_and_score`).
That is the model the member's own cell of the run fits when the member chooses nothing on
validation (so its cell fits it on train and validation merged too), has the parameters
the ensemble gives it (seed and chunk size included) and is seeded. :func:`member_cells`
finds those cells when the run's tasks are made; the engine runs the ensemble's cell after
them, and :func:`load_members` loads the models that finished, with tszoo's persistence
(which unpickles nothing), in whichever process the ensemble's cell runs. A member whose
cell failed or is missing, or whose saved model does not load, is fitted by the ensemble.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from tszoo.errors import TszooError
from tszoo.evaluation.experiment import SavedMember, build_model
from tszoo.models import load_model
from tszoo.models.ensemble import EnsembleClassifier
from tszoo.runs import Cell, RunLayout

logger = logging.getLogger(__name__)


def member_cells(
    cell: Cell, params: dict[str, Any], run_params: dict[str, dict[str, Any]]
) -> tuple[tuple[int, Cell], ...]:
    """``(position, cell)`` of every final member of the ensemble ``cell`` (with ``params``)
    that a cell of the run fits alone; ``run_params``: the run's models and their
    parameters. Empty for any other model, and for an ensemble that does not refit."""
    try:
        ensemble = build_model(cell.model, params, cell.seed)
        if not isinstance(ensemble, EnsembleClassifier) or not ensemble.refit:
            return ()
        found = []
        for i, (name, _) in enumerate(ensemble.member_specs()):
            alone = build_model(name, run_params[name], cell.seed) if name in run_params else None
            if alone is not None and _fitted_as_final(alone) and ensemble.is_member(i, alone):
                found.append((i, replace(cell, model=name)))
    except TszooError:
        return ()  # bad members or parameters: those cells fail on them when they run
    return tuple(found)


def _fitted_as_final(model) -> bool:
    """Whether ``model``'s cell fits it as the ensemble fits a final member: on train and
    validation merged (it chooses nothing on validation), reproducibly (seeded)."""
    return not model.uses_validation and model.get_params().get("random_state", 0) is not None


def load_members(run_dir: str, members: tuple[tuple[int, Cell], ...]) -> dict[int, SavedMember]:
    """The saved models of the member cells ``members`` of the run in ``run_dir``, by
    position; one that does not load is left out (the ensemble fits that member)."""
    layout = RunLayout(Path(run_dir))
    loaded = {}
    for i, cell in members:
        try:
            model, metadata = load_model(layout.model_dir(cell.model, cell.seed, cell.fold))
        except TszooError as exc:
            logger.warning("%s: the ensemble fits this member itself: %s", cell, exc)
            continue
        loaded[i] = SavedMember(cell.name, model, metadata)
    return loaded
