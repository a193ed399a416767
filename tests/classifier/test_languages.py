"""Russian comments: scored on Cyrillic features, calibrated on their own, explained in the
reader's words; and, on the shipped model, Russian abuse caught through evasions."""

from __future__ import annotations

import random
import re
import zlib

import numpy as np
import pytest

from classifier import DEFAULT_MODEL_PATH, ModelError, load_model, train_from_rows
from classifier.calibration import recalibrate
from classifier.features import normalized_text
from tests.classifier.conftest import TINY_PARAMS, tiny_rows

RU_INSULTS = ["идиот", "дебил", "урод", "мразь", "тупица", "придурок", "кретин", "ничтожество"]
RU_NEUTRAL = ["статья", "суд", "приговор", "бюджет", "выборы", "больница", "учитель", "матч"]


def russian_rows(n: int, seed: int) -> list[tuple[str, dict[str, int]]]:
    """Short Russian comments, half insults; the insults score lower in margin than the
    English ones would, so that a calibration of their own differs."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        if i % 2:
            text = f"ты {rng.choice(RU_INSULTS)}, {rng.choice(['честно', 'правда', 'вон'])}"
            label = 1
        else:
            text = f"{rng.choice(RU_NEUTRAL)} и {rng.choice(RU_NEUTRAL)} обсуждали долго"
            label = 0
        if rng.random() < 0.2:  # noisier than the English rows: another calibration
            label = 1 - label
        rows.append((text, {"abuse": label, "spam": 0}))
    return rows


@pytest.fixture(scope="module")
def bilingual_model():
    return train_from_rows(tiny_rows() + russian_rows(400, seed=3), params=TINY_PARAMS)


def test_a_script_with_enough_rows_gets_its_own_calibration(bilingual_model):
    own = bilingual_model.script_calibration
    assert set(own) == {"cyrillic"}
    assert not np.allclose(own["cyrillic"], bilingual_model.calibration)
    metrics = bilingual_model.manifest["metrics"]["abuse"]["scripts"]
    assert metrics["cyrillic"]["own_calibration"] is True and metrics["cyrillic"]["rows"] > 0
    # the score of a Russian comment uses the Cyrillic calibration, an English one the default
    text = "ты идиот, честно"
    margin = bilingual_model.margins(bilingual_model.featurizer.features(text))[0]
    a, b = own["cyrillic"][0]
    assert bilingual_model.score(text).scores["abuse"] == pytest.approx(
        1 / (1 + np.exp(-(a * margin + b))))
    assert bilingual_model.score_batch([text])[0]["abuse"] == pytest.approx(
        bilingual_model.score(text).scores["abuse"], abs=1e-6)


def test_scripts_without_enough_rows_share_the_default_calibration():
    model = train_from_rows(tiny_rows() + russian_rows(12, seed=3), params=TINY_PARAMS)
    assert model.script_calibration == {}


def test_explanation_terms_of_a_russian_comment_are_its_own_cyrillic_words(bilingual_model):
    text = "Ты уpoд и идиoт"  # Latin p and o inside the Cyrillic words
    terms = [term for term, _ in bilingual_model.score(text).terms["abuse"]]
    assert terms
    words = {"ты", "урод", "идиот"}
    assert set(terms) <= words, terms
    assert all(not any("a" <= ch <= "z" for ch in term) for term in terms)


def test_the_script_calibration_round_trips_and_refuses_tampering(bilingual_model, tmp_path):
    path = bilingual_model.save(tmp_path / "m")
    assert (path / "calibration_cyrillic.npy").is_file()
    loaded = load_model(path)
    assert np.array_equal(loaded.script_calibration["cyrillic"],
                          bilingual_model.script_calibration["cyrillic"])
    text = "ты дебил вон"
    assert loaded.score(text).scores == bilingual_model.score(text).scores
    np.save(path / "calibration_cyrillic.npy", np.zeros((2, 2)))
    with pytest.raises(ModelError, match="calibration_cyrillic"):
        load_model(path)


def test_a_calibration_for_an_unknown_script_or_of_the_wrong_shape_is_refused(bilingual_model):
    def build(script_calibration):
        return type(bilingual_model)(
            bilingual_model.featurizer, bilingual_model.labels,
            np.zeros((2, bilingual_model.featurizer.n_features)), np.zeros(2), np.zeros((2, 2)),
            {}, script_calibration)

    with pytest.raises(ModelError, match="script 'greek'"):
        build({"greek": np.zeros((2, 2))})
    with pytest.raises(ModelError, match="script 'cyrillic'"):
        build({"cyrillic": np.zeros((1, 2))})


def test_a_site_recalibrates_each_script_on_its_own_rows(bilingual_model):
    english = tiny_rows(200, seed=5)
    recalibrated, report = recalibrate(bilingual_model, english)
    # the Russian calibration is kept: the site's rows held no Russian comments
    assert report["abuse"]["scripts"]["cyrillic"]["recalibrated"] is False
    assert np.array_equal(recalibrated.script_calibration["cyrillic"],
                          bilingual_model.script_calibration["cyrillic"])
    both, report = recalibrate(bilingual_model, english + russian_rows(200, seed=9))
    assert report["abuse"]["scripts"]["cyrillic"]["recalibrated"] is True
    assert not np.array_equal(both.script_calibration["cyrillic"],
                              bilingual_model.script_calibration["cyrillic"])


# --- the shipped model ------------------------------------------------------------------

@pytest.fixture(scope="module")
def default_model():
    return load_model(DEFAULT_MODEL_PATH)


RUSSIAN_ABUSE = [
    # plain, mixed-script (Latin look-alikes inside), evasive (digits, spaces, stretched)
    ("ты тупой идиот", "ты тупoй идиoт", "ты т у п о й ид1от"),
    ("сдохни, мразь", "сдoхни, мpaзь", "сдохни, мраааазь"),
    ("автор статьи урод и дебил", "автор статьи уpoд и дeбил", "автор статьи урод и д3бил"),
]


@pytest.mark.parametrize(("plain", "mixed", "evasive"), RUSSIAN_ABUSE)
def test_russian_abuse_scores_like_its_plain_form(default_model, plain, mixed, evasive):
    base = default_model.score(plain).scores["abuse"]
    assert base > 0.8
    for variant in (mixed, evasive):
        assert default_model.score(variant).scores["abuse"] == pytest.approx(base, abs=0.15)


def test_russian_terms_on_the_shipped_model_are_words_of_the_comment(default_model):
    text = "Автор статьи — тупой идиoт и урод, пошёл вон отсюда"
    terms = [term for term, _ in default_model.score(text).terms["abuse"]]
    assert terms
    assert {"идиот", "урод", "тупой"} & set(terms)
    assert all(any("\u0400" <= ch <= "\u04ff" for ch in term) for term in terms), terms


def test_a_latin_uzbek_word_in_a_russian_comment_keeps_its_script(default_model):
    # look-alike folding once pulled "qo'yaman" into Cyrillic ("qo'уамап") in a mostly
    # Cyrillic comment, so features and explanations saw a word nobody wrote
    text = "Суд решил правильно, я бы тоже так сделал. Men bunga qo'yaman: ahmoq emas, jim bo'ling"
    folded = normalized_text(text).split()
    assert "qo'yaman:" in folded and "bunga" in folded and "men" in folded
    # the features' words are \w+ runs, so "qo'yaman" gives "qo" and "yaman": Latin both
    terms = [term for term, _ in default_model.score(text).terms["abuse"]]
    words = set(re.findall(r"\w+", normalized_text(text)))
    assert terms and set(terms) <= words, terms
    uzbek = set(re.findall(r"\w+", "men bunga qo'yaman: ahmoq emas, jim bo'ling"))
    assert "ahmoq" in terms and "уамап" not in terms
    assert all(term in uzbek for term in terms if not re.search("[\u0400-\u04ff]", term))


def _vector_of(model, word: str) -> np.ndarray:
    table = model.featurizer.vectors
    assert table is not None
    found, rows = table.rows([zlib.crc32(word.encode())])
    assert len(rows) == 1, f"{word!r} has no word vector"
    vector = table.vectors[rows[0]]
    return vector / np.linalg.norm(vector)


@pytest.mark.parametrize(("word", "translation", "unrelated"), [
    ("идиот", "idiot", "court"), ("суд", "court", "idiot"), ("террорист", "terrorist", "thanks"),
    ("правительство", "government", "dog"), ("собака", "dog", "government"),
    ("ahmoq", "idiot", "court"),  # Uzbek (Latin script): "fool"
])
def test_the_shipped_word_vectors_place_a_russian_or_uzbek_word_near_its_english_one(
        default_model, word, translation, unrelated):
    # the vector block carries what training learnt from English words over to Cyrillic and
    # Uzbek ones (scripts/build_multilingual_vectors.py): a Russian insult the Russian rows
    # never held still points where the English insults do
    own = _vector_of(default_model, word)
    assert own @ _vector_of(default_model, translation) > own @ _vector_of(default_model,
                                                                            unrelated) + 0.1
