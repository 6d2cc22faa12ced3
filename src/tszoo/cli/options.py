"""Options the commands share, defined once; choices and defaults come from the config schema.

The data options (``--data``, ``--window``, ... ``--normalise``) are one group: a command
decorated with :func:`data_options` takes them all and receives a :class:`DataOptions`.
``None`` means "not given": the value then comes from ``--config``, else from
:class:`tszoo.config.DataConfig`'s default, which the help shows.
"""

from __future__ import annotations

import functools
import inspect
import typing
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Any

import typer

from tszoo.config import DataConfig
from tszoo.errors import TszooError

DEFAULTS = DataConfig()


def choices(field: str) -> tuple[str, ...]:
    """The values a ``Literal`` field of :class:`DataConfig` allows."""
    return typing.get_args(DataConfig.model_fields[field].annotation)


def _default(field: str) -> str:
    value = getattr(DEFAULTS, field)
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def _choice_help(what: str, field: str) -> str:
    allowed = choices(field)
    listed = f"{', '.join(allowed[:-1])} or {allowed[-1]}"
    return f"{what}: {listed} [default: {_default(field)}]."


Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Print results only, no progress.")]
Debug = Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(help="YAML config (data, models, seeds, params); options given here win."),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Model parameter MODEL.PARAM=VALUE (YAML value); repeatable."),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        help="Local worker processes, one cell (model x seed) each at a time; 1 runs in this "
        "process [default: one per core, at most one per cell].",
        show_default=False,
    ),
]
MlflowOpt = Annotated[
    str | None,
    typer.Option(
        help="Log every cell to this MLflow tracking server (e.g. http://127.0.0.1:5000) too; "
        "needs pip install 'tszoo[mlflow]'."
    ),
]
RunOutOpt = Annotated[
    Path | None,
    typer.Option(help="Run directory (new or empty); default runs/<UTC time>-<command>."),
]
TimeOpt = Annotated[str | None, typer.Option(help="Time column.")]
GroupOpt = Annotated[str | None, typer.Option(help="Recording id column.")]
NanOpt = Annotated[str | None, typer.Option(help=_choice_help("Missing values", "nan"))]


@dataclass
class DataOptions:
    """The data options as given on the command line (``None``: not given)."""

    data: Annotated[
        str | None, typer.Option(help="CSV/Parquet/.ts file, or a bundled dataset name.")
    ] = None
    test: Annotated[str | None, typer.Option(help="Separate test file (.ts).")] = None
    window: Annotated[
        int | None, typer.Option(help=f"Rows per window [default: {_default('window')}].")
    ] = None
    stride: Annotated[
        int | None,
        typer.Option(help=f"Rows between window starts [default: {_default('stride')}]."),
    ] = None
    split: Annotated[
        str | None,
        typer.Option(help=f"Train,val,test fractions [default: {_default('split')}]."),
    ] = None
    label: Annotated[str | None, typer.Option(help="Label column.")] = None
    time: TimeOpt = None
    group: GroupOpt = None
    split_by: Annotated[
        str | None,
        typer.Option(help="Column whose values never straddle two splits (subject, machine)."),
    ] = None
    cv: Annotated[
        str | None,
        typer.Option(
            help="Cross-validate over groups: K folds, or loo (leave one group out); "
            "each fold is a cell like a seed."
        ),
    ] = None
    channels: Annotated[str | None, typer.Option(help="Channel columns, comma-separated.")] = None
    nan: NanOpt = None
    label_rule: Annotated[
        str | None, typer.Option(help=_choice_help("Windows with mixed labels", "label_rule"))
    ] = None
    normalise: Annotated[
        str | None, typer.Option(help=_choice_help("Normalisation", "normalise"))
    ] = None

    def to_config(self) -> dict[str, Any]:
        """Check the options and return them by their config names (``None``: not given)."""
        for field in ("nan", "label_rule", "normalise"):
            check_choice(f"--{field.replace('_', '-')}", getattr(self, field), choices(field))
        return {
            "source": self.data,
            "test": self.test,
            "label": self.label,
            "time": self.time,
            "channels": parse_list(self.channels),
            "group": self.group,
            "split_by": self.split_by,
            "cv": parse_cv(self.cv),
            "nan": self.nan,
            "window": self.window,
            "stride": self.stride,
            "split": parse_fractions(self.split) if self.split is not None else None,
            "label_rule": self.label_rule,
            "normalise": self.normalise,
        }

    def given(self) -> list[str]:
        """The flags given, as typed (``--label-rule``)."""
        given = [f.name for f in fields(self) if getattr(self, f.name) is not None]
        return [f"--{name.replace('_', '-')}" for name in given]


def data_options(*, files: bool = True):
    """Give the decorated command every data option, passed to it as ``options``.

    ``files=False`` leaves out ``--data`` and ``--test`` (a benchmark names its datasets).
    The options come first in the help, the command's own ``--quiet`` and ``--debug`` last.
    """
    hints = typing.get_type_hints(DataOptions, include_extras=True)
    keyword = inspect.Parameter.KEYWORD_ONLY
    group = [
        inspect.Parameter(f.name, keyword, default=None, annotation=hints[f.name])
        for f in fields(DataOptions)
        if files or f.name not in ("data", "test")
    ]

    def decorate(command):
        signature = inspect.signature(command, eval_str=True)
        own = [p for p in signature.parameters.values() if p.name != "options"]
        tail = [p for p in own if p.name in ("quiet", "debug")]
        head = [p.replace(kind=keyword) for p in own if p not in tail]
        names = {p.name for p in group}

        @functools.wraps(command)
        def wrapper(**kwargs):
            options = DataOptions(**{k: kwargs.pop(k) for k in list(kwargs) if k in names})
            return command(options=options, **kwargs)

        parameters = [*group, *head, *(p.replace(kind=keyword) for p in tail)]
        wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
        return wrapper

    return decorate


def check_choice(option: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise TszooError(f"{option} {value!r}: use one of {', '.join(allowed)}")


def parse_list(text: str | None) -> list[str] | None:
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def parse_cv(text: str | None) -> int | str | None:
    """``--cv``: ``loo`` or a number of folds (checked where the folds are made)."""
    if text is None or text.strip() == "loo":
        return None if text is None else "loo"
    try:
        return int(text)
    except ValueError:
        raise TszooError(
            f"--cv {text!r}: expected a number of folds of at least 2 or 'loo' "
            "(leave one group out); use e.g. --cv 5"
        ) from None


def parse_fractions(text: str) -> list[float]:
    try:
        return [float(t) for t in text.split(",")]
    except ValueError:
        raise TszooError(
            f"--split {text!r}: expected three numbers train,val,test, e.g. 0.8,0.1,0.1"
        ) from None


def parse_seeds(text: str) -> list[int]:
    try:
        return [int(t) for t in parse_list(text) or []]
    except ValueError:
        raise TszooError(f"--seeds {text!r}: expected integers, e.g. 0,1,2") from None
