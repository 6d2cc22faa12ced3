"""YAML configs: validation with named keys and suggestions, precedence, the shipped files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tszoo.config import (
    ExperimentConfig,
    dump_config,
    load_config,
    model_defaults,
    parse_config,
    parse_sets,
    resolve,
)
from tszoo.errors import TszooError
from tszoo.models.registry import make_model, model_names

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text, message",
    [
        ("modles: [svm]", r"unknown key 'modles' \(did you mean 'models'\?\)"),
        ("data: {windw: 5}", r"unknown key 'data.windw' \(did you mean 'window'\?\)"),
        (
            "params: {hybrid_attention: {max_epoch: 5}}",
            r"unknown key 'params.hybrid_attention.max_epoch' \(did you mean 'max_epochs'\?\)",
        ),
        ("params: {svn: {C: 1.0}}", r"params.svn: unknown model 'svn' \(did you mean 'svm'\?\)"),
        ("models: [random_forrest]", r"unknown model 'random_forrest' \(did you mean"),
    ],
)
def test_unknown_key_names_it_and_suggests_the_closest(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(TszooError, match=message) as info:
        load_config(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "text, message",
    [
        ("data: {window: '50'}", r"data.window: input should be a valid integer, got '50'"),
        ("data: {window: 2.5}", r"data.window: .*integer"),
        ("data: {nan: zero}", r"data.nan: input should be 'error', 'drop' or 'interpolate'"),
        ("seeds: 3", r"seeds: input should be a valid list, got 3"),
        ("seeds: [0, 0]", r"seeds: .*only once"),
        ("models: []", r"models: .*at least 1"),
        (
            "params: {hybrid_attention: {max_epochs: ten}}",
            r"params.hybrid_attention.max_epochs: input should be a valid integer, got 'ten'",
        ),
        ("params: {svm: {C: yes}}", r"params.svm.C: input should be a valid number, got True"),
        (
            "params: {random_forest: {max_depth: [3]}}",
            r"params.random_forest.max_depth: .*integer",
        ),
    ],
)
def test_wrong_type_names_the_key(tmp_path, text, message):
    with pytest.raises(TszooError, match=message):
        load_config(write(tmp_path, text))


def test_a_variants_fixed_parameter_cannot_be_set(tmp_path):
    path = write(tmp_path, "params: {hybrid_cnn_lstm: {attention: true}}")
    with pytest.raises(TszooError, match=r"attention: fixed at False for hybrid_cnn_lstm"):
        load_config(path)


@pytest.mark.parametrize(
    "text, message",
    [
        ("data: [unclosed", r"not valid YAML at line 1"),
        ("- a\n- b\n", r"expected a YAML mapping"),
        ("params: {svm: 3}", r"params"),
    ],
)
def test_malformed_files_are_one_line_errors(tmp_path, text, message):
    with pytest.raises(TszooError, match=message) as info:
        load_config(write(tmp_path, text))
    assert "\n" not in str(info.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(TszooError, match=r"config file .*nope.yaml not found"):
        load_config(tmp_path / "nope.yaml")


def test_an_empty_file_is_the_default_config(tmp_path):
    assert load_config(write(tmp_path, "")) == ExperimentConfig()


def test_set_overrides_are_validated_like_config_keys():
    assert parse_sets(["cnn_1d.max_epochs=5", "svm.gamma=0.1"]) == {
        "cnn_1d": {"max_epochs": 5},
        "svm": {"gamma": 0.1},
    }
    with pytest.raises(TszooError, match=r"'--set cnn_1d.max_epoch' \(did you mean 'max_epochs'"):
        parse_sets(["cnn_1d.max_epoch=5"])
    with pytest.raises(TszooError, match=r"--set cnn_1d.max_epochs: .*integer, got 'many'"):
        parse_sets(["cnn_1d.max_epochs=many"])
    with pytest.raises(TszooError, match=r"expected MODEL.PARAM=VALUE"):
        parse_sets(["max_epochs=5"])


def test_precedence_defaults_then_file_then_command_line_then_set():
    config = parse_config(
        {
            "data": {"source": "a.csv", "window": 30, "stride": 5},
            "models": ["cnn_1d", "svm"],
            "seeds": [1, 2],
            "params": {"cnn_1d": {"max_epochs": 7, "lr": 0.01}},
        },
        "file.yaml",
    )
    resolved = resolve(
        config, data={"window": 40, "stride": None}, sets={"cnn_1d": {"max_epochs": 3}}
    )
    assert resolved.data.window == 40  # command line over the file
    assert resolved.data.stride == 5  # the file over the default
    assert resolved.data.split == [0.8, 0.1, 0.1]  # the default
    assert resolved.models == ["cnn_1d", "svm"] and resolved.seeds == [1, 2]
    assert resolved.params["cnn_1d"]["max_epochs"] == 3  # --set over the file
    assert resolved.params["cnn_1d"]["lr"] == 0.01
    assert resolved.params["svm"] == model_defaults("svm")
    assert resolve(config, models=["svm"], seeds=[9]).models == ["svm"]


def test_resolve_needs_data_and_refuses_a_set_for_a_model_not_in_the_run():
    with pytest.raises(TszooError, match=r"no data: pass --data"):
        resolve(ExperimentConfig())
    config = parse_config({"data": {"source": "a.csv"}}, "f")
    with pytest.raises(TszooError, match=r"--set names model 'svm', which this run does not"):
        resolve(config, models=["cnn_1d"], sets={"svm": {"C": 2.0}})


def test_a_resolved_config_round_trips_through_yaml(tmp_path):
    resolved = resolve(
        parse_config({"data": {"source": "BasicMotions"}}, "f"), models=["svm", "cnn_1d"]
    )
    path = write(tmp_path, dump_config(resolved))
    assert load_config(path) == resolved
    for name, params in resolved.params.items():
        make_model(name, **params)  # every resolved parameter is a constructor keyword


@pytest.mark.parametrize("path", sorted(CONFIGS.rglob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_config_is_valid(path):
    load_config(path)


@pytest.mark.parametrize("name", model_names())
def test_each_model_has_a_config_file_listing_every_parameter(name):
    path = CONFIGS / "models" / f"{name}.yaml"
    config = load_config(path)
    assert config.models == [name]
    assert set(config.params[name]) == set(model_defaults(name))


def test_model_files_carry_the_studys_settings_and_tszoos_defaults_elsewhere():
    epochs = {"batch_size": 64, "n_steps": None, "max_epochs": 200, "inputs": "raw"}
    study = {
        "hybrid_attention": {**epochs, "optimizer": "adam", "lr": 1e-3},
        "hybrid_cnn_lstm": {**epochs, "optimizer": "sgd", "lr": 0.01},
        "cnn_1d": epochs,
    }
    for name in model_names():
        params = yaml.safe_load((CONFIGS / "models" / f"{name}.yaml").read_text())["params"][name]
        expected = {**model_defaults(name), **study.get(name, {})}
        assert params == expected, name
