"""Word vectors: what they add to the features, what a model learns through them, and how
an artifact carries them."""

from __future__ import annotations

import json
import zlib
from dataclasses import replace

import numpy as np
import pytest

from classifier import ModelError, load_model, train_from_rows
from classifier.features import HashedFeaturizer
from classifier.word_vectors import WordVectors, load_word_vectors, save_word_vectors

from .conftest import INSULTS, NEUTRAL, TINY_PARAMS, tiny_rows

DIM = 8
UNSEEN_INSULT, UNSEEN_NEUTRAL = "blarf", "quibble"


def _key(word: str) -> int:
    return zlib.crc32(word.encode())


def synthetic_table() -> WordVectors:
    """Insults point one way, neutral words another; two words training never sees share
    those directions (as a teacher would place a new insult near the known ones)."""
    rng = np.random.default_rng(0)
    insult_dir, neutral_dir = np.eye(DIM)[0], np.eye(DIM)[1]
    vectors = {}
    for word in INSULTS + [UNSEEN_INSULT]:
        vectors[word] = insult_dir + 0.1 * rng.standard_normal(DIM)
    for word in NEUTRAL + [UNSEEN_NEUTRAL]:
        vectors[word] = neutral_dir + 0.1 * rng.standard_normal(DIM)
    keys = sorted(vectors, key=_key)
    return WordVectors.from_arrays(np.array([_key(w) for w in keys], dtype=np.uint32),
                                   np.array([vectors[w] for w in keys]))


@pytest.fixture(scope="module")
def table_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("vectors")
    save_word_vectors(path, synthetic_table(), {"teacher": "synthetic"})
    return path


@pytest.fixture(scope="module")
def vector_model(table_dir):
    return train_from_rows(tiny_rows(), params=replace(TINY_PARAMS, vectors=str(table_dir),
                                                       vector_weight=2.0))


def test_vector_block_is_the_mean_of_the_known_words_after_normalisation():
    table = synthetic_table()
    featurizer = HashedFeaturizer(n_bits=12, vectors=table, vector_weight=2.0)
    # "1d10t" is not in the table but "idiot" is: the block reads normalised words
    feats = featurizer.features("What an 1D10T, said the REPORT writer")
    found = [featurizer.features(w).words[0] for w in ("idiot", "report")]
    expected = 2.0 * np.mean([table.vectors[table.rows([_key(w)])[1][0]] for w in found], axis=0)
    np.testing.assert_allclose(featurizer.vector_block(feats), expected, rtol=1e-6)
    assert [feats.words[i] for i in feats.vector_words] == ["idiot", "report"]

    row = featurizer.transform(["What an 1D10T, said the REPORT writer"]).toarray()[0]
    assert featurizer.n_features == (1 << 12) + 5 + DIM
    np.testing.assert_allclose(row[-DIM:], expected, rtol=1e-6)
    # no known word: the block is zero, not an error
    assert not featurizer.transform(["zzz qqq"]).toarray()[0][-DIM:].any()


def test_a_model_with_vectors_scores_an_unseen_insult_like_the_known_ones(vector_model):
    plain = train_from_rows(tiny_rows(), params=TINY_PARAMS)

    def gap(model):
        scores = [model.score(f"what a {w}").scores["abuse"]
                  for w in (UNSEEN_INSULT, UNSEEN_NEUTRAL)]
        return scores[0] - scores[1]

    # without vectors both unseen words are just unknown n-grams; with them, "blarf" lies
    # where the insults are
    assert abs(gap(plain)) < 0.1
    assert gap(vector_model) > 0.3
    terms = dict(vector_model.score(f"what a {UNSEEN_INSULT}").terms["abuse"])
    assert UNSEEN_INSULT in terms


def test_margins_and_batch_scores_agree_with_single_scores(vector_model):
    texts = ["you are a total moron", "the council report", "blarf", ""]
    batch = vector_model.score_batch(texts)
    for text, scores in zip(texts, batch, strict=True):
        assert scores["abuse"] == pytest.approx(vector_model.score(text).scores["abuse"], abs=1e-6)


def test_artifact_round_trip_keeps_the_table_and_the_scores(vector_model, tmp_path):
    vector_model.save(tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert {"vector_keys.npy", "vectors.npy"} <= set(manifest["files"])
    loaded = load_model(tmp_path / "m")
    assert loaded.featurizer.vector_dim == DIM
    for text in ("you are a blarf", "the quibble report", "idiot"):
        assert loaded.score(text).scores == pytest.approx(vector_model.score(text).scores,
                                                          abs=2e-3)


def test_artifact_with_half_a_table_is_refused(vector_model, tmp_path):
    path = vector_model.save(tmp_path / "m")
    manifest = json.loads((path / "manifest.json").read_text())
    del manifest["files"]["vectors.npy"]
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="word vectors incomplete"):
        load_model(path)


@pytest.mark.parametrize("keys, vectors, message", [
    ([3, 1, 2], np.ones((3, 4)), "sorted"),
    ([1, 1, 2], np.ones((3, 4)), "sorted"),
    ([1, 2], np.ones((3, 4)), "2 keys"),
    ([1, 2, 3], np.array([[1.0, np.nan]] * 3), "finite"),
])
def test_bad_tables_are_refused_with_a_reason(keys, vectors, message):
    with pytest.raises(ModelError, match=message):
        WordVectors.from_arrays(np.array(keys, dtype=np.uint32), vectors)


def test_a_model_is_not_a_word_vector_table(tiny_model, table_dir, tmp_path):
    assert load_word_vectors(table_dir).dim == DIM
    with pytest.raises(ModelError, match="not a word-vector table"):
        load_word_vectors(tiny_model.save(tmp_path / "m"))


def _resave_manifest(path, change):
    manifest = json.loads((path / "manifest.json").read_text())
    change(manifest)
    (path / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 1e400, -1.0, True])
def test_an_artifact_with_a_crafted_vector_weight_is_refused(vector_model, tmp_path, value):
    path = vector_model.save(tmp_path / "m")
    _resave_manifest(path, lambda m: m["features"].update(vector_weight=value))
    with pytest.raises(ModelError, match="vector_weight"):
        load_model(path)


def test_an_artifact_with_huge_vectors_is_refused(vector_model, tmp_path):
    import hashlib

    path = vector_model.save(tmp_path / "m")
    huge = np.full((len(synthetic_table().keys), DIM), 1e300)  # float64: inf as float32
    np.save(path / "vectors.npy", huge, allow_pickle=False)
    digest = hashlib.sha256((path / "vectors.npy").read_bytes()).hexdigest()
    _resave_manifest(path, lambda m: m["files"].update({"vectors.npy": digest}))
    with pytest.raises(ModelError, match="finite floats"):
        load_model(path)


def test_training_refuses_a_vector_weight_that_is_not_a_weight(table_dir):
    from classifier import DataError

    with pytest.raises(DataError, match="vector_weight"):
        train_from_rows(tiny_rows(), params=replace(TINY_PARAMS, vectors=str(table_dir),
                                                    vector_weight=float("nan")))
