"""Saved models: the metadata records the tszoo version and the files' hashes."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

import tszoo
from tszoo.errors import TszooError
from tszoo.models import load_model, make_model, save_model


@pytest.fixture
def saved(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 2, 20))
    y = np.array(["a", "b"] * 6)
    model = make_model("random_forest", n_estimators=5, random_state=0).fit(X, y)
    return save_model(model, tmp_path / "model", name="random_forest", metadata={"window": 20})


def test_metadata_records_version_and_a_hash_of_every_file(saved):
    meta = json.loads((saved / "model.json").read_text())
    assert meta["tszoo_version"] == tszoo.__version__
    files = {p.name for p in saved.iterdir() if p.name != "model.json"}
    assert set(meta["sha256"]) == files
    assert all(len(h) == 64 for h in meta["sha256"].values())


def test_a_version_mismatch_is_reported(saved, caplog):
    meta = json.loads((saved / "model.json").read_text())
    meta["tszoo_version"] = "0.0.1"
    (saved / "model.json").write_text(json.dumps(meta))
    with caplog.at_level(logging.WARNING, logger="tszoo.models.persistence"):
        load_model(saved)
    assert f"saved by tszoo 0.0.1; this is {tszoo.__version__}" in caplog.text


def test_a_changed_weight_file_is_a_hash_mismatch(saved):
    path = next(p for p in saved.iterdir() if p.name != "model.json")
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(TszooError, match=r"SHA-256 mismatch"):
        load_model(saved)
