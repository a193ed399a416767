"""Marking, in the comment's own text, what the rules matched and the model's top terms."""

from __future__ import annotations

import pytest

from service.review.moderate.highlight import MATCHED, TERM, pieces


def marks(text: str, matched: list[str], terms: list[str]) -> list[tuple[str, str]]:
    return [(p.text, p.mark) for p in pieces(text, matched, terms) if p.mark]


@pytest.mark.parametrize(("text", "matched", "terms", "expected"), [
    ("What a fucking mess", ["fuck*"], [], [("fucking", MATCHED)]),
    ("Fuuuuck this", ["fuck*"], [], [("Fuuuuck", MATCHED)]),
    ("You 1d10t", [], ["idiot"], [("1d10t", TERM)]),
    ("Ты идиот", [], ["идиот"], [("идиот", TERM)]),
    ("see spam.example today", ["spam.example"], [], [("spam.example", MATCHED)]),
    ("a class assessment", ["ass"], [], []),  # whole words only, as the rules match
    ("idiots everywhere", ["idiot*"], ["idiot"], [("idiots", MATCHED)]),  # the rule wins
    ("the links", [], ["[links]", "the"], [("the", TERM)]),  # signals are not words
    ("page 1 of 2", [], ["1"], []),  # a one-character term would mark every digit
])
def test_marks(text: str, matched: list[str], terms: list[str],
               expected: list[tuple[str, str]]) -> None:
    assert marks(text, matched, terms) == expected


def test_the_pieces_make_the_text_again() -> None:
    text = "One <b>bold</b> idiot & 1d10t\nsecond line"
    assert "".join(p.text for p in pieces(text, ["idiot"], ["idiot"])) == text
    assert pieces("", ["x"], ["y"]) == []
