"""The artifact: a round trip keeps scores; tampered or incompatible artifacts are refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from classifier import ModelError, load_model
from classifier.artifact import FORMAT_VERSION, MANIFEST

TEXTS = ["you are a moron", "the council report is good", "free bitcoin at http://coin7.xyz", ""]


@pytest.fixture
def saved(tiny_model, tmp_path: Path) -> Path:
    return tiny_model.save(tmp_path / "model")


def test_round_trip_keeps_scores_version_and_thresholds(tiny_model, saved):
    loaded = load_model(saved)
    assert loaded.version == tiny_model.version
    assert loaded.labels == ("abuse", "spam")
    assert dict(loaded.thresholds["abuse"]) == {"hold": 0.5, "reject": 0.95}
    for text in TEXTS:
        assert loaded.score(text).scores == pytest.approx(tiny_model.score(text).scores)
    for a, b in zip(loaded.score_batch(TEXTS), tiny_model.score_batch(TEXTS), strict=True):
        assert a == pytest.approx(b)


def test_manifest_records_hashes_versions_data_and_metrics(saved):
    manifest = json.loads((saved / MANIFEST).read_text())
    assert manifest["format_version"] == FORMAT_VERSION
    assert set(manifest["files"]) == {"weights.npy", "bias.npy", "calibration.npy"}
    assert len(manifest["data"]["sha256"]) == 64
    assert manifest["training"]["seed"] == 0
    assert "scikit-learn" in manifest["libraries"]
    assert 0.0 <= manifest["metrics"]["abuse"]["roc_auc"] <= 1.0


def test_tampered_array_is_refused(saved):
    weights = np.load(saved / "weights.npy")
    weights[0, :10] += 1
    np.save(saved / "weights.npy", weights)
    with pytest.raises(ModelError, match="sha256 does not match"):
        load_model(saved)


def test_incompatible_format_version_is_refused(saved):
    manifest = json.loads((saved / MANIFEST).read_text())
    manifest["format_version"] = FORMAT_VERSION + 1
    (saved / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="format version"):
        load_model(saved)


def test_missing_directory_and_missing_file_are_clear(saved, tmp_path):
    with pytest.raises(ModelError, match="not a model artifact"):
        load_model(tmp_path / "nowhere")
    (saved / "bias.npy").unlink()
    with pytest.raises(ModelError, match="bias.npy is missing"):
        load_model(saved)


def test_object_array_is_never_unpickled(saved):
    """Even with a matching hash, an array that needs pickle is refused."""
    import hashlib

    np.save(saved / "bias.npy", np.array([{"x": 1}, None], dtype=object), allow_pickle=True)
    manifest = json.loads((saved / MANIFEST).read_text())
    manifest["files"]["bias.npy"] = hashlib.sha256((saved / "bias.npy").read_bytes()).hexdigest()
    (saved / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="not a plain numeric array"):
        load_model(saved)


def test_manifest_cannot_name_files_outside_the_artifact(saved):
    manifest = json.loads((saved / MANIFEST).read_text())
    manifest["files"]["../evil.npy"] = "0" * 64
    (saved / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="unexpected file name"):
        load_model(saved)


def test_manifest_without_term_weighting_means_count(tiny_model, saved):
    """Artifacts written before ``tf`` existed used raw counts, and still load as such."""
    manifest = json.loads((saved / MANIFEST).read_text())
    assert manifest["features"].pop("tf") == "count"
    (saved / MANIFEST).write_text(json.dumps(manifest))
    loaded = load_model(saved)
    assert loaded.featurizer.tf == "count"
    assert loaded.score(TEXTS[0]).scores == pytest.approx(tiny_model.score(TEXTS[0]).scores)


def test_unknown_term_weighting_is_refused(saved):
    manifest = json.loads((saved / MANIFEST).read_text())
    manifest["features"]["tf"] = "bm25"
    (saved / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="unknown term weighting"):
        load_model(saved)
