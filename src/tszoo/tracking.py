"""MLflow tracking: one MLflow run per cell, nested under one MLflow run per tszoo run.

The run directory stays the source of truth. Everything is logged from what the engine has
already written, as each cell finishes: a tracking server that cannot be reached is an
error before any fitting, and one lost mid-run costs no tszoo output. The cells it missed
are named in a warning and in ``manifest.json`` (``mlflow.not_logged``).

``mlflow`` is an optional extra (``pip install tszoo[mlflow]``); it is imported only when a
run is tracked.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd

from tszoo.errors import TszooError
from tszoo.runs import Cell, Manifest, RunLayout

logger = logging.getLogger(__name__)

EXPERIMENT = "tszoo"
TIMEOUT_S = "10"  # per request: a lost server fails a cell's logging fast, not after minutes
CELL_METRICS = (
    "accuracy", "balanced_accuracy", "precision_macro", "recall_macro", "f1_macro",
    "fit_seconds", "predict_seconds",
)  # fmt: skip


class MlflowTracker:
    """Logs a tszoo run to the MLflow tracking server at ``uri``.

    Call :meth:`check` before anything is written, :meth:`start` when the run directory
    exists, :meth:`log_cell` after each finished cell and :meth:`finish` once the report is
    drawn.
    """

    def __init__(self, uri: str, experiment: str = EXPERIMENT) -> None:
        self.uri, self.experiment = uri, experiment
        self.parent_id: str | None = None
        self.not_logged: list[str] = []
        self._client = None
        self._params: dict[str, dict[str, Any]] = {}
        self._tags: dict[str, str] = {}

    @property
    def client(self):
        if self._client is None:
            try:
                from mlflow import MlflowClient
            except ImportError:
                raise TszooError(
                    "--mlflow needs the mlflow package: pip install 'tszoo[mlflow]'"
                ) from None
            # fail fast: mlflow retries a refused connection for minutes by default
            os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
            os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", TIMEOUT_S)
            self._client = MlflowClient(tracking_uri=self.uri)
        return self._client

    def check(self) -> None:
        """Raise a one-line error if the tracking server cannot be reached."""
        try:
            self.client.search_experiments(max_results=1)
        except TszooError:
            raise
        except Exception as exc:
            reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc)
            raise TszooError(
                f"--mlflow {self.uri}: cannot reach the tracking server ({reason}); start it "
                "(mlflow server --host 127.0.0.1 --port 5000) or drop --mlflow"
            ) from None

    def start(
        self, layout: RunLayout, manifest: Manifest, data: dict[str, Any], params: dict
    ) -> None:
        """The parent run for this session of the tszoo run in ``layout``."""
        client = self.client
        found = client.get_experiment_by_name(self.experiment)
        experiment_id = found.experiment_id if found else client.create_experiment(self.experiment)
        self._tags = {
            "tszoo.run_dir": str(layout.root.resolve()),
            "tszoo.command": " ".join(manifest.command_line[1:]) or "",
            "tszoo.git_revision": manifest.git_revision or "",
            "tszoo.device": manifest.device,
            **{f"version.{k}": str(v) for k, v in manifest.versions.items() if v},
        }
        if manifest.resumed_utc:
            self._tags["tszoo.resumed_utc"] = manifest.resumed_utc[-1]
        run = client.create_run(experiment_id, run_name=layout.root.name, tags=self._tags)
        self.parent_id = run.info.run_id
        self._experiment_id = experiment_id
        self._params = params
        self._data = {f"data.{k}": v for k, v in data.items()}
        client.log_batch(self.parent_id, params=_params({**self._data, "seeds": manifest.seeds}))

    def log_cell(self, layout: RunLayout, cell: Cell, row: dict[str, Any]) -> None:
        """A nested run for one finished cell; a failure is recorded, never raised."""
        try:
            self._log_cell(layout, cell, row)
        except Exception as exc:  # the server went away: the run directory has it all
            if not self.not_logged:
                logger.warning(
                    "MLflow at %s: cannot log %s (%s); the run directory keeps every result",
                    self.uri, cell, str(exc).splitlines()[0][:200] if str(exc) else type(exc),
                )  # fmt: skip
            self.not_logged.append(str(cell))

    def _log_cell(self, layout: RunLayout, cell: Cell, row: dict[str, Any]) -> None:
        from mlflow.entities import Metric

        client = self.client
        tags = {**self._tags, "mlflow.parentRunId": self.parent_id, "tszoo.model": cell.model}
        run = client.create_run(self._experiment_id, run_name=cell.name, tags=tags)
        run_id = run.info.run_id
        params = {
            "model": cell.model, "dataset": cell.dataset, "seed": cell.seed,
            **({} if cell.fold is None else {"fold": cell.fold}),
            **{f"param.{k}": v for k, v in self._params.get(cell.model, {}).items()},
            **self._data,
        }  # fmt: skip
        now = int(time.time() * 1000)
        metrics = [Metric(m, float(row[m]), now, 0) for m in CELL_METRICS if _number(row.get(m))]
        history = layout.history(cell.model, cell.seed, cell.fold)
        if history.is_file():  # a deep model's epochs: metric histories
            for step, epoch in enumerate(pd.read_csv(history).to_dict("records")):
                metrics += [
                    Metric(f"epoch_{k}", float(v), now, step)
                    for k, v in epoch.items()
                    if k != "epoch" and _number(v)
                ]
        for a in range(0, max(len(metrics), 1), 1000):  # the server takes 1,000 a batch
            client.log_batch(
                run_id, metrics=metrics[a : a + 1000], params=_params(params) if a == 0 else []
            )
        model_dir = layout.saved_model(cell.model, cell.seed, cell.fold)
        if model_dir is not None:
            client.log_artifacts(run_id, str(model_dir), "model")
        predictions = layout.predictions(cell.model, cell.seed, cell.fold)
        if predictions.is_file():
            client.log_artifact(run_id, str(predictions), "predictions")
        client.set_terminated(run_id, "FINISHED")

    def finish(self, layout: RunLayout, report: Path | None, failed: bool = False) -> None:
        """Log the run's tables and report on the parent run, close it, and note in the
        manifest what was not logged."""
        if self.parent_id is None:
            return
        try:
            for path in (layout.results, layout.config, layout.manifest, report):
                if path is not None and Path(path).is_file():
                    self.client.log_artifact(self.parent_id, str(path))
            self.client.set_terminated(self.parent_id, "FAILED" if failed else "FINISHED")
        except Exception as exc:
            logger.warning("MLflow at %s: cannot log the run's files (%s)", self.uri, exc)
            self.not_logged.append("run files")
        manifest = Manifest.read(layout)
        manifest.mlflow = {
            "uri": self.uri, "run_id": self.parent_id, "not_logged": self.not_logged,
        }  # fmt: skip
        manifest.write(layout)
        if self.not_logged:
            logger.warning(
                "MLflow at %s: %d cell(s) not logged (%s); their results are in %s",
                self.uri, len(self.not_logged), ", ".join(self.not_logged[:5]), layout.root,
            )  # fmt: skip


def _number(value) -> bool:
    """Whether ``value`` reads as a number that is not NaN (None and "" do not)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return number == number


def _params(values: dict[str, Any]) -> list:
    """MLflow params: text of at most 6,000 characters (the server's limit)."""
    from mlflow.entities import Param

    return [Param(str(k), str(v)[:6000]) for k, v in values.items()]
