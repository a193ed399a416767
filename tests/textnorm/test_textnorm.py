from hypothesis import given
from hypothesis import strategies as st

from textnorm import fold, normalize, squeeze, strip_marks


def test_fold_case_accents_and_lookalikes():
    assert fold("ÉCOLE Café") == "ecole cafe"
    assert fold("іdіot") == "idiot"  # Cyrillic і
    assert fold("ＩＤＩＯＴ") == "idiot"  # full width
    assert fold("id\u200biot") == "idiot"  # zero-width space


def test_fold_leetspeak_inside_and_at_edges_of_words():
    assert fold("1d10t") == "idiot"
    assert fold("sh!t") == "shit"
    assert fold("a$$") == "ass"
    assert fold("h3ll0") == "hello"


def test_fold_keeps_numbers_and_sentence_punctuation():
    assert fold("$5 in 2024") == "$5 in 2024"
    assert fold("idiot!") == "idiot!"
    assert fold("what?! no|way") == "what?! nolway"  # "|" inside a word reads as "l"
    assert fold("C++ and A+") == "c++ and a+"


def test_squeeze_and_normalize():
    assert squeeze("stuuuupid") == "stuupid"
    assert squeeze("aaaaab", 3) == "aaab"
    assert normalize("STUUUPID") == "stuupid"


def test_strip_marks():
    assert strip_marks("naïve café") == "naive cafe"
    assert strip_marks("plain") == "plain"


@given(st.text())
def test_functions_are_total(text):
    for fn in (fold, squeeze, normalize, strip_marks):
        assert isinstance(fn(text), str)


@given(st.text())
def test_fold_is_idempotent_on_its_output_case(text):
    once = fold(text)
    assert fold(once).lower() == fold(once)
