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
from functools import lru_cache
from itertools import groupby

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


@lru_cache(maxsize=8192)
def _forms(word: str) -> frozenset[str]:
    """The ways matching may read ``word`` (cached: the same words recur across comments)."""
    folded = fold(word).lower()
    return frozenset({folded, squeeze(folded), squeeze(folded, 1),
                      re.sub(r"[^\w]", "", folded)})


def _entry(entry: str) -> tuple[str, str] | None:
    """A list entry as (how it matches, its folded text): ``exact``, ``prefix`` (``fuck*``),
    ``suffix`` (``*fucker``) or ``inside`` (``*x*``)."""
    folded = fold(entry.strip()).lower()
    core = folded.strip("*")
    if not core:
        return None
    starts, ends = folded.startswith("*"), folded.endswith("*")
    mode = "inside" if starts and ends else "suffix" if starts else "prefix" if ends else "exact"
    return mode, core


def _entry_fits(entry: tuple[str, str], forms: frozenset[str]) -> bool:
    mode, core = entry
    if mode == "exact":
        return core in forms
    if mode == "prefix":
        return any(f.startswith(core) for f in forms)
    if mode == "suffix":
        return any(f.endswith(core) for f in forms)
    return any(core in f for f in forms)


def _term_fits(term: str, forms: frozenset[str]) -> bool:
    return term in forms or (len(term) >= MIN_PARTIAL_TERM and any(term in f for f in forms))


@lru_cache(maxsize=16384)
def _mark_of(word: str, entries: tuple[tuple[str, str], ...],
             terms: tuple[str, ...]) -> str | None:
    """How ``word`` is marked (cached: a page shows the same words and terms many times)."""
    forms = _forms(word)
    if any(_entry_fits(e, forms) for e in entries):
        return MATCHED
    if any(_term_fits(t, forms) for t in terms):
        return TERM
    return None


def pieces(text: str, matched: Iterable[str], terms: Iterable[str]) -> list[Piece]:
    """``text`` cut into pieces, the words that ``matched`` (rule hits) or ``terms`` (the
    model's top terms; signals such as ``[links]`` are skipped) marked in place."""
    entries = [m for m in dict.fromkeys(matched) if m and m.strip()]
    words = [e for e in (_entry(w) for m in entries for w in m.split()) if e is not None]
    # (a phrase marks each of its words)
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
    entry_key, term_key = tuple(words), tuple(model_terms)
    for found in WORD.finditer(text):
        kind = _mark_of(found.group(), entry_key, term_key) if entry_key or term_key else None
        if kind is not None:
            mark(found.start(), found.end(), kind)
    out: list[Piece] = []
    start = 0
    for kind, run in groupby(marks):
        end = start + sum(1 for _ in run)
        out.append(Piece(text[start:end], kind))
        start = end
    return out
