"""Word and phrase lists matched through evasions, but never inside longer words.

A comment is read as a sequence of *tokens* (runs of letters and digits after ``textnorm.fold``,
which has already undone case, accents, look-alike letters and leetspeak).  A list entry matches
whole tokens only, so ``ass`` never matches ``class`` or ``assessment``.  Two evasions are
undone on top of that:

* repetition: a letter (not a digit) written three or more times in a row matches the same
  letter written any number of times in the entry (``iiidiot`` -> ``idiot``); a letter
  written once or twice must be written the same way in the entry, so ``good`` is not
  ``god`` and ``as`` is not ``ass``;
* separators: a word with punctuation inside it is also read with the punctuation removed
  (``i.d.i.o.t``, ``f-u-c-k``), and three or more single letters separated by spaces are
  read as one word (``i d i o t``).  Longer pieces are never glued, so ``as s`` is not
  ``ass``.

Entries may end or start with ``*`` to match the beginning or end of a token (``fuck*`` matches
``fucking``), and an entry starting with ``!`` is an exception: a token equal to it never matches
(``!cocktail`` next to ``cock*``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import re2

from textnorm import fold

from .tokens import _WORD, Form, TextTokens, tokenize, tokenize_folded

__all__ = [
    "Entry", "Form", "Mode", "TextTokens", "WordMatcher", "compile_entry", "tokenize",
    "tokenize_folded",
]

_MIN_STRETCH = 3  # a run this long in a comment stands for a run of any length in an entry


class Mode(StrEnum):
    """How a single-word entry lines up with a token."""

    EXACT = "exact"
    PREFIX = "prefix"  # entry*
    SUFFIX = "suffix"  # *entry
    INFIX = "infix"  # *entry*


@dataclass(frozen=True, slots=True)
class Entry:
    """One compiled list entry; ``source`` is the entry as written, for explanations."""

    words: tuple[Form, ...]
    mode: Mode
    source: str
    exception: bool = False


def compile_entry(line: str) -> Entry:
    """Compile one list entry; ``ValueError`` says why an entry can't be matched."""
    source = line.strip()
    exception = source.startswith("!")
    body = source[1:].strip() if exception else source
    starts, ends = body.startswith("*"), body.endswith("*")
    body = body.strip("*").strip()
    words = []
    for chunk in fold(body).split():
        word = "".join(_WORD.findall(chunk))
        if word:
            words.append(Form.of(word))
    if not words:
        raise ValueError("has no letters or digits to match")
    if (starts or ends) and len(words) > 1:
        raise ValueError("puts * on a phrase: * works on single words only")
    if (starts or ends) and exception:
        raise ValueError("is an exception (!) with *: exceptions are whole words")
    mode = {
        (False, False): Mode.EXACT,
        (False, True): Mode.PREFIX,
        (True, False): Mode.SUFFIX,
        (True, True): Mode.INFIX,
    }[(starts, ends)]
    return Entry(tuple(words), mode, source, exception)


def _fits(token: Form, start: int, entry: Form, open_start: bool, open_end: bool) -> bool:
    """Whether the letter counts of ``token`` from ``start`` agree with those of ``entry``."""
    if token.counts is None and entry.counts is None:
        return True
    last = len(entry.text) - 1
    for j in range(len(entry.text)):
        t, e = token.count(start + j), entry.count(j)
        if t == e or (t >= _MIN_STRETCH and entry.text[j].isalpha()):  # "1999" is no stretch
            continue
        if t > e and ((j == 0 and open_start) or (j == last and open_end)):
            continue
        return False
    return True


class WordMatcher:
    """A compiled word list: a few set intersections per text, not one regex per entry."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._exact: dict[str, list[Entry]] = {}
        self._partial: dict[tuple[Mode, int], dict[str, list[Entry]]] = {}
        self._exceptions: dict[str, list[Entry]] = {}
        self.size = 0
        for entry in entries:
            self.size += 1
            key = entry.words[0].text
            if entry.exception:
                self._exceptions.setdefault(key, []).append(entry)
            elif entry.mode == Mode.EXACT:
                self._exact.setdefault(key, []).append(entry)
            else:
                index = self._partial.setdefault((entry.mode, len(key)), {})
                index.setdefault(key, []).append(entry)
        self._exact_keys = frozenset(self._exact)
        singles = [e for v in self._exact.values() for e in v if len(e.words) == 1]
        self._single_raw = frozenset(e.words[0].raw for e in singles)
        self._single_collapsed = frozenset(e.words[0].text for e in singles)
        self._partial_keys = {k: frozenset(v) for k, v in self._partial.items()}
        phrases = [e for v in self._exact.values() for e in v if len(e.words) > 1]
        self._filter = _filter(self._partial, phrases)

    def _excepted(self, token: Form) -> bool:
        return any(_fits(token, 0, e.words[0], False, False)
                   for e in self._exceptions.get(token.text, ()))

    def find(self, text: TextTokens) -> tuple[str, ...]:
        """The entries (as written) that match ``text``, in order of first appearance."""
        may_partial = self._filter is not None and self._filter.search(text.line) is not None
        if not (may_partial or text.exact & self._single_raw
                or text.stretched & self._single_collapsed):
            return ()
        words = text.words
        exact = frozenset(w.text for w in words) & self._exact_keys
        partial = []
        if may_partial:
            for (mode, n), keys in self._partial_keys.items():
                partial.append((mode, n, keys, self._partial[(mode, n)]))
        hits: dict[str, None] = {}
        tokens = text.tokens
        for i, token in enumerate(words):
            if self._exceptions and self._excepted(token):
                continue
            word = token.text
            if word in exact:
                for entry in self._exact[word]:
                    if self._exact_fits(entry, i, token, tokens):
                        hits[entry.source] = None
            for mode, n, candidates, index in partial:
                if n > len(word):
                    continue
                starts = (0,) if mode == Mode.PREFIX else (len(word) - n,) \
                    if mode == Mode.SUFFIX else range(len(word) - n + 1)
                for s in starts:
                    key = word[s:s + n]
                    if key in candidates:
                        for entry in index[key]:
                            if _fits(token, s, entry.words[0], mode != Mode.PREFIX,
                                     mode != Mode.SUFFIX):
                                hits[entry.source] = None
        return tuple(hits)

    @staticmethod
    def _exact_fits(entry: Entry, i: int, token: Form, tokens: tuple[Form, ...]) -> bool:
        words = entry.words
        if len(words) == 1:
            return _fits(token, 0, words[0], False, False)
        # a phrase starts at a token in order; glued candidates (i past the tokens) can't
        return i + len(words) <= len(tokens) and all(
            tokens[i + k].text == w.text and _fits(tokens[i + k], 0, w, False, False)
            for k, w in enumerate(words))


def _filter(partial: dict[tuple[Mode, int], dict[str, list[Entry]]],
            phrases: list[Entry]) -> Any:
    """One RE2 (a DFA, fast for thousands of alternatives) over a text's word line that finds
    whether any prefix, suffix, infix or phrase entry may match; the exact check comes after.

    Every key is included as written and collapsed, so that the filter never misses a match.
    """
    parts = set()
    for (mode, _), index in partial.items():
        keys = set(index) | {e.words[0].raw for v in index.values() for e in v}
        for key in keys:
            escaped = re2.escape(key)
            parts.add(" " + escaped if mode == Mode.PREFIX else escaped + " "
                      if mode == Mode.SUFFIX else escaped)
    for entry in phrases:
        for words in (" ".join(w.raw for w in entry.words), " ".join(w.text for w in entry.words)):
            parts.add(" " + re2.escape(words) + " ")
    if not parts:
        return None
    options = re2.Options()
    options.log_errors = False
    options.max_mem = 64 << 20
    options.never_capture = True
    try:
        return re2.compile("|".join(sorted(parts)), options)
    except re2.error:  # too large even for 64 MB: check every text the slow way
        return _AlwaysMaybe()


class _AlwaysMaybe:
    """A filter that never rules anything out."""

    def search(self, text: str) -> bool:
        return True
