"""Where in a comment's own text the words that held it are: for the moderator's page.

The policy records what matched as its list entries are written (``fuck*``, ``idiot``, a
domain, the text a pattern matched) and the classifier its top terms in normalised form
(``1d10t`` is ``idiot``).  Neither says where in the original text they are, so each word
of the text is folded the way matching folds it (``textnorm.fold``: case, accents,
look-alike letters, leetspeak) and compared; literal matches (domains, pattern hits) are
found as they are, ignoring case.  Pure: no Flask, no database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from textnorm import fold, squeeze

WORD = re.compile(r"[^\W_]+(?:[.'’*@$!|0-9][^\W_]+)*", re.UNICODE)
MATCHED, TERM = "matched", "term"
MIN_TERM = 2  # a one-character term ("1") would mark every digit
MIN_PARTIAL_TERM = 4  # a shorter term found inside a longer word is too often a false hit


@dataclass(frozen=True)
class Piece:
    """A run of the text, and whether (and why) it is marked: ``matched`` or ``term``."""

    text: str
    mark: str | None = None


def _forms(word: str) -> set[str]:
    folded = fold(word).lower()
    return {folded, squeeze(folded), squeeze(folded, 1), re.sub(r"[^\w]", "", folded)}


def _entry_fits(entry: str, forms: set[str]) -> bool:
    entry = fold(entry.strip()).lower()
    if not entry or entry == "*":
        return False
    if entry.startswith("*") and entry.endswith("*"):
        return any(entry[1:-1] in f for f in forms)
    if entry.endswith("*"):
        return any(f.startswith(entry[:-1]) for f in forms)
    if entry.startswith("*"):
        return any(f.endswith(entry[1:]) for f in forms)
    return entry in forms


def _term_fits(term: str, forms: set[str]) -> bool:
    return term in forms or (len(term) >= MIN_PARTIAL_TERM and any(term in f for f in forms))


def pieces(text: str, matched: Iterable[str], terms: Iterable[str]) -> list[Piece]:
    """``text`` cut into pieces, the words that ``matched`` (rule hits) or ``terms`` (the
    model's top terms; signals such as ``[links]`` are skipped) marked in place."""
    entries = [m for m in dict.fromkeys(matched) if m and m.strip()]
    words = [w for m in entries for w in m.split()]  # a phrase marks each of its words
    model_terms = [fold(t).lower() for t in dict.fromkeys(terms)
                   if len(t) >= MIN_TERM and not t.startswith("[")]
    marks: list[str | None] = [None] * len(text)

    def mark(start: int, end: int, kind: str) -> None:
        for i in range(start, end):
            if marks[i] != MATCHED:  # a rule's hit outranks the model's term
                marks[i] = kind

    lowered = text.lower()
    for entry in entries:  # literal hits: domains, what a pattern matched
        needle = entry.lower().strip("*")
        # only what words cannot say (a domain, an address): a word is found as a word below,
        # so that "ass" does not mark "class"
        if len(needle) >= 3 and re.search(r"[^\w\s*]", needle) and needle in lowered:
            for found in re.finditer(re.escape(needle), lowered):
                mark(found.start(), found.end(), MATCHED)
    for found in WORD.finditer(text):
        forms = _forms(found.group())
        if any(_entry_fits(w, forms) for w in words):
            mark(found.start(), found.end(), MATCHED)
        elif any(_term_fits(t, forms) for t in model_terms):
            mark(found.start(), found.end(), TERM)
    out: list[Piece] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or marks[i] != marks[start]:
            out.append(Piece(text[start:i], marks[start]))
            start = i
    return out
