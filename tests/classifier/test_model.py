"""Scoring: the shipped default model and a tiny trained one, evasions, explanations."""

from __future__ import annotations

import pytest

from classifier import DEFAULT_MODEL_PATH, Model, ScoreResult, load_model

EVASIONS = [
    ("you are an idiot", "you are an 1d10t"),
    ("you are an idiot", "you are an іdіot"),  # Cyrillic і
    ("you are an idiot", "you are an ìdìòt"),
    ("you are an idiot", "you are an i\u200bdiot"),
    ("shut up you stupid moron", "shut up you $tup1d m0r0n"),
]


@pytest.fixture(scope="module")
def default_model() -> Model:
    return load_model(DEFAULT_MODEL_PATH)


def test_default_model_loads_with_the_public_api(default_model):
    assert default_model.labels == ("abuse", "spam")
    assert default_model.version
    assert set(default_model.thresholds) == {"abuse", "spam"}
    assert 0 < default_model.thresholds["abuse"]["hold"] < 1


@pytest.mark.parametrize(("plain", "evasion"), EVASIONS)
def test_evasions_score_like_plain_forms_on_the_default_model(default_model, plain, evasion):
    a = default_model.score(plain).scores
    b = default_model.score(evasion).scores
    assert b["abuse"] == pytest.approx(a["abuse"], abs=0.02)


def test_default_model_separates_obvious_cases(default_model):
    bad = default_model.score("you are a worthless idiot, shut up")
    fine = default_model.score("thanks for the article, the council should publish the budget")
    spam = default_model.score("earn $500 a day from home, visit www.easy-cash-jobs.xyz now")
    assert bad.scores["abuse"] > 0.8 > fine.scores["abuse"]
    assert spam.scores["spam"] > 0.8 > fine.scores["spam"]
    assert "idiot" in [term for term, _ in bad.terms["abuse"]]


def test_repeated_letters_still_score_high(default_model):
    assert default_model.score("you are an idiiiiiiot").scores["abuse"] > 0.5


@pytest.mark.parametrize("evasion", ["you are a m0r0n", "you are a mоrоn", "you are a mòrón",
                                     "you are a mo\u200bron", "you are a ｍｏｒｏｎ"])
def test_evasions_score_like_plain_forms_on_a_tiny_model(tiny_model, evasion):
    a, b = tiny_model.score("you are a moron").scores, tiny_model.score(evasion).scores
    assert b["abuse"] == pytest.approx(a["abuse"], abs=0.02)


def test_score_result_shape_and_explanations(tiny_model):
    result = tiny_model.score("moron and clown")
    assert isinstance(result, ScoreResult)
    assert set(result.scores) == set(result.terms) == {"abuse", "spam"}
    assert all(0.0 <= s <= 1.0 for s in result.scores.values())
    terms = result.terms["abuse"]
    assert 1 <= len(terms) <= 5
    weights = [w for _, w in terms]
    assert weights == sorted(weights, reverse=True) and all(w > 0 for w in weights)
    assert terms[0][0] in {"moron", "clown"}


def test_explanations_leave_out_words_that_tell_a_moderator_nothing(tiny_model):
    """Articles, prepositions and the like may carry weight, but are never shown as the
    reason; the words that matter, and "you" (aimed at someone), are."""
    from classifier.model import HIDDEN_TERMS

    result = tiny_model.score("you are a moron and a clown, all of you, that is what you are")
    shown = [term for term, _ in result.terms["abuse"]]
    assert {"moron", "clown"} <= set(shown)
    assert not set(shown) & HIDDEN_TERMS
    assert {"a", "and", "all", "of", "is"} <= HIDDEN_TERMS and "you" not in HIDDEN_TERMS
    assert tiny_model.score("the of and a").terms["abuse"] == []


def test_link_signal_appears_in_spam_explanation(tiny_model):
    terms = dict(tiny_model.score("visit www.cash-42.com to earn $500 a day").terms["spam"])
    assert terms, "spam should be explained"


def test_score_batch_matches_single_scores(tiny_model):
    texts = ["you are a moron", "the budget report is good", "", "free bitcoin at http://coin1.xyz"]
    batch = tiny_model.score_batch(texts)
    for text, scores in zip(texts, batch, strict=True):
        assert scores == pytest.approx(tiny_model.score(text).scores, abs=1e-6)
    assert tiny_model.score_batch([]) == []
