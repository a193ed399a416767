"""The textnorm fingerprint: recorded at training, checked at load, refused on mismatch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import textnorm
from classifier import DEFAULT_MODEL_PATH, ModelError, load_model
from classifier.artifact import MANIFEST
from classifier.fingerprint import PROBES, textnorm_fingerprint


@pytest.fixture
def saved(tiny_model, tmp_path: Path) -> Path:
    return tiny_model.save(tmp_path / "model")


def test_fingerprint_is_a_stable_sha256():
    assert len(textnorm_fingerprint()) == 64
    assert textnorm_fingerprint() == textnorm_fingerprint()


def test_training_records_the_fingerprint(saved):
    recorded = json.loads((saved / MANIFEST).read_text())["textnorm"]
    assert recorded == {"fingerprint": textnorm_fingerprint(), "probes": len(PROBES)}


def test_shipped_default_model_matches_the_current_textnorm():
    """Fails when textnorm (or the probe list) changes until the default model is retrained."""
    recorded = json.loads((DEFAULT_MODEL_PATH / MANIFEST).read_text())["textnorm"]
    assert recorded["fingerprint"] == textnorm_fingerprint()


@pytest.mark.parametrize("change", [
    pytest.param(("normalize", lambda text: text.lower()), id="no-folding"),
    pytest.param(("normalize", lambda text: textnorm.squeeze(textnorm.fold(text), 3)),
                 id="squeeze-to-three"),
    pytest.param(("join_spelled", lambda text: text), id="no-joining"),
])
def test_changed_normalisation_is_refused_with_a_clear_message(saved, monkeypatch, change):
    name, replacement = change
    monkeypatch.setattr(textnorm, name, replacement)
    with pytest.raises(ModelError, match=r"textnorm\) has changed .* retrain the model"):
        load_model(saved)


def test_experts_can_load_despite_a_mismatch_with_a_warning(saved, monkeypatch):
    monkeypatch.setattr(textnorm, "join_spelled", lambda text: text)
    with pytest.warns(RuntimeWarning, match="allow_textnorm_mismatch=True"):
        model = load_model(saved, allow_textnorm_mismatch=True)
    assert 0.0 <= model.score("you are a moron").scores["abuse"] <= 1.0


def test_unchanged_normalisation_loads_without_warning(saved):
    load_model(saved)  # pytest turns any warning into an error


@pytest.mark.parametrize("value", [None, {"probes": 3}, "abc"])
def test_manifest_without_fingerprint_is_refused(saved, value):
    manifest = json.loads((saved / MANIFEST).read_text())
    if value is None:
        del manifest["textnorm"]
    else:
        manifest["textnorm"] = value
    (saved / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="no textnorm fingerprint"):
        load_model(saved)


def test_format_version_1_artifact_is_refused_with_a_retrain_message(saved):
    manifest = json.loads((saved / MANIFEST).read_text())
    manifest["format_version"] = 1
    del manifest["textnorm"]
    (saved / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="version 1 predates the textnorm fingerprint.*retrain"):
        load_model(saved)
