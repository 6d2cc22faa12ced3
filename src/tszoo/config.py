"""Experiment configuration: YAML files and ``--set`` overrides, validated with pydantic.

The only module that reads YAML. A config file has up to four sections; every one is
optional, so one schema serves experiment files and per-model files alike::

    data:                      # where the windows come from (CLI data options win)
      source: ../shared/data/dataset_sample.csv
      window: 50
      stride: 10
      split: [0.8, 0.1, 0.1]
    models: [hybrid_attention, random_forest]
    seeds: [0, 1, 2, 3, 4]
    params:                    # model -> constructor keywords
      hybrid_attention: {batch_size: 64, max_epochs: 200}

Precedence, lowest first: the estimator's defaults, the config file, the command line
(data options, ``--models``, ``--seeds``, then ``--set MODEL.PARAM=VALUE``). A run saves the
resolved result as its ``config.yaml``, which is itself a valid config file.

Model sections map one-to-one onto constructor keywords. Their schema is built from each
estimator's signature, so an unknown key or a value of the wrong type is an error naming
the key and suggesting the closest valid one.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

from tszoo.errors import TszooError, closest

# Constructor keywords that are not configuration: the run sets them itself.
RUN_ONLY_PARAMS = ("callbacks",)


class DataConfig(BaseModel):
    """The data options of ``prepare``, ``train`` and ``compare``."""

    model_config = ConfigDict(extra="forbid", strict=True)

    source: str | None = None
    test: str | None = None
    # values are checked where they are used (tszoo.data), with messages naming the fix
    window: int = 50
    stride: int = 10
    split: list[float] = [0.8, 0.1, 0.1]
    label: str | None = None
    time: str | None = None
    group: str | None = None
    split_by: str | None = None  # whole values of this column (subjects) never straddle splits
    cv: int | Literal["loo"] | None = None  # folds of cross-validation over groups, or loo
    channels: list[str] | None = None
    nan: Literal["error", "drop", "interpolate"] = "error"
    label_rule: Literal["drop", "last", "majority"] = "drop"
    normalise: Literal["zscore", "window", "none"] = "zscore"

    def to_options(self) -> dict[str, Any]:
        """Keywords for ``prepare_splits`` (less the seed)."""
        options = self.model_dump()
        options["fractions"] = options.pop("split")
        return options


class ExperimentConfig(BaseModel):
    """A whole experiment: data, models, seeds and model parameters."""

    model_config = ConfigDict(extra="forbid", strict=True)

    command: Literal["train", "compare"] | None = None
    data: DataConfig = DataConfig()
    models: list[str] | None = Field(None, min_length=1)
    seeds: list[int] = Field([0], min_length=1)
    params: dict[str, dict[str, Any]] = {}
    mlflow: str | None = None  # an MLflow tracking URI: each cell is logged there too

    @field_validator("models", "seeds")
    @classmethod
    def _unique(cls, values: list | None) -> list | None:
        if values is not None and len(set(values)) != len(values):
            raise ValueError("each entry may appear only once")
        return values


def _annotation(hint: Any) -> Any:
    # an unannotated ``random_state=None`` reads as NoneType; any seed is fine there
    return int | None if hint is type(None) else hint


@cache
def param_schema(name: str) -> type[BaseModel]:
    """A strict pydantic model of model ``name``'s configurable constructor keywords."""
    from tszoo.models.base import init_parameters
    from tszoo.models.registry import fixed_params, get_model_class

    fixed = fixed_params(name)
    fields = {
        p.name: (_annotation(p.annotation), p.default)
        for p in init_parameters(get_model_class(name))
        if p.name not in RUN_ONLY_PARAMS and p.name not in fixed
    }
    return create_model(
        f"{name}_params", __config__=ConfigDict(extra="forbid", strict=True), **fields
    )


def model_defaults(name: str) -> dict[str, Any]:
    """Every configurable parameter of model ``name`` at its default.

    ``random_state`` is left out: each model x seed cell derives it from its seed.
    """
    defaults = param_schema(name)().model_dump()
    defaults.pop("random_state", None)
    return defaults


def check_params(name: str, params: dict[str, Any], where: str, source: str = "") -> None:
    """Validate one model's parameters (keys and value types); ``where`` names them in errors."""
    from tszoo.models.registry import fixed_params, model_names

    prefix = f"{source}: " if source else ""
    if name not in model_names():
        raise TszooError(
            f"{prefix}{where}: unknown model '{name}'{closest(name, model_names())}; "
            f"models are {', '.join(model_names())}"
        )
    fixed = fixed_params(name)
    for key in params:
        if key in fixed:
            raise TszooError(
                f"{prefix}{where}.{key}: fixed at {fixed[key]!r} for {name}; "
                "pick the other registered variant instead"
            )
    try:
        param_schema(name).model_validate(params)
    except ValidationError as exc:
        valid = list(param_schema(name).model_fields)
        raise TszooError(prefix + _describe(exc, where, valid)) from None


def _describe(exc: ValidationError, where: str, valid: list[str]) -> str:
    """Pydantic's errors as one line, each naming its key with a hint."""
    parts = []
    for error in exc.errors():
        loc = ".".join(str(p) for p in error["loc"])
        key = f"{where}.{loc}" if where else loc
        if error["type"] == "extra_forbidden":
            name = str(error["loc"][-1])
            parts.append(
                f"unknown key '{key}'{closest(name, valid)}; valid keys are {', '.join(valid)}"
            )
        else:
            value = error.get("input")
            got = f"{value!r} ({type(value).__name__})" if not isinstance(value, dict) else "a map"
            parts.append(f"{key}: {error['msg'].lower()}, got {got}")
    return "; ".join(parts)


def parse_config(raw: Any, source: str) -> ExperimentConfig:
    """Validate a config mapping (read from ``source``, named in errors)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise TszooError(
            f"{source}: expected a YAML mapping with data/models/seeds/params, "
            f"got {type(raw).__name__}"
        )
    try:
        config = ExperimentConfig.model_validate(raw)
    except ValidationError as exc:
        top = list(ExperimentConfig.model_fields)
        fields = {"data": list(DataConfig.model_fields)}
        first = exc.errors()[0]["loc"]
        valid = fields.get(str(first[0]), top) if len(first) > 1 else top
        raise TszooError(f"{source}: {_describe(exc, '', valid)}") from None
    for name in config.models or []:
        check_params(name, {}, "models", source)
    for name, params in config.params.items():
        check_params(name, params, f"params.{name}", source)
    return config


def load_config(path: str | Path) -> ExperimentConfig:
    """Read and validate a YAML config file."""
    return parse_config(read_yaml(path), str(path))


def read_yaml(path: str | Path) -> Any:
    """A YAML file's content, unvalidated (e.g. an older run's config, for its report)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TszooError(f"config file {path} not found; check the --config path") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TszooError(f"cannot read config file {path}: {exc}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where else ""
        raise TszooError(f"{path}: not valid YAML{line}; fix the file's syntax") from None
    return raw


def parse_sets(items: list[str] | None) -> dict[str, dict[str, Any]]:
    """``["cnn_1d.max_epochs=2"]`` -> ``{"cnn_1d": {"max_epochs": 2}}``; values read as YAML."""
    params: dict[str, dict[str, Any]] = {}
    for item in items or []:
        key, eq, value = item.partition("=")
        model, dot, param = key.strip().partition(".")
        if not (eq and dot and model and param):
            raise TszooError(
                f"--set {item!r}: expected MODEL.PARAM=VALUE, e.g. cnn_1d.max_epochs=5"
            )
        try:
            params.setdefault(model, {})[param] = yaml.safe_load(value)
        except yaml.YAMLError:
            raise TszooError(f"--set {item!r}: the value is not valid YAML") from None
    for model, values in params.items():
        check_params(model, values, f"--set {model}")
    return params


def resolve(
    config: ExperimentConfig | None = None,
    *,
    data: dict[str, Any] | None = None,
    models: list[str] | None = None,
    seeds: list[int] | None = None,
    sets: dict[str, dict[str, Any]] | None = None,
    command: str = "compare",
    mlflow: str | None = None,
) -> ExperimentConfig:
    """Merge a config file with command-line values (``None`` = not given) and fill defaults.

    The result names every model and every parameter of each, so a run's saved
    ``config.yaml`` repeats the run even if a default changes later.
    """
    from tszoo.models.registry import model_names

    config = config or ExperimentConfig()
    merged_data = resolve_data(config.data, data)
    names = models or config.models or model_names()
    for name in names:
        check_params(name, {}, "--models")
    params: dict[str, dict[str, Any]] = {}
    for name in names:
        params[name] = {
            **model_defaults(name),
            **config.params.get(name, {}),
            **(sets or {}).get(name, {}),
        }
    extra = set(sets or {}) - set(names)
    if extra:
        raise TszooError(
            f"--set names model '{sorted(extra)[0]}', which this run does not fit; "
            f"models in this run: {', '.join(names)}"
        )
    return ExperimentConfig(
        command=command,  # type: ignore[arg-type]
        data=merged_data,
        models=list(names),
        seeds=list(seeds if seeds is not None else config.seeds),
        params=params,
        mlflow=mlflow or config.mlflow,
    )


def resolve_data(base: DataConfig | None, given: dict[str, Any] | None) -> DataConfig:
    """``base`` with the options in ``given`` that are not ``None`` on top."""
    given = {k: v for k, v in (given or {}).items() if v is not None}
    try:
        data = DataConfig.model_validate({**(base or DataConfig()).model_dump(), **given})
    except ValidationError as exc:
        raise TszooError(_describe(exc, "data", list(DataConfig.model_fields))) from None
    if data.source is None:
        raise TszooError("no data: pass --data FILE_OR_DATASET or set data.source in --config")
    return data


def dump_config(config: ExperimentConfig) -> str:
    """The config as YAML, in the file format :func:`load_config` reads."""
    raw = config.model_dump()
    return yaml.safe_dump(raw, sort_keys=False)
