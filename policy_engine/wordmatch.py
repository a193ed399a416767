"""Word and phrase lists matched through evasions, but never inside longer words.

A comment is read as a sequence of *tokens* (runs of letters and digits after ``textnorm.fold``,
which has already undone case, accents, look-alike letters and leetspeak).  A list entry matches
whole tokens only, so ``ass`` never matches ``class`` or ``assessment``.  Two evasions are
undone on top of that:

* repetition: a letter written three or more times in a row matches the same letter written any
  number of times in the entry (``iiidiot`` -> ``idiot``); a letter written once or twice must be
  written the same way in the entry, so ``good`` is not ``god`` and ``as`` is not ``ass``;
* separators: a word with punctuation inside it is also read with the punctuation removed
  (``i.d.i.o.t``, ``f-u-c-k``), and three or more single letters separated by spaces are read as one
  word (``i d i o t``).  Longer pieces are never glued, so ``as s`` is not ``ass``.

Entries may end or start with ``*`` to match the beginning or end of a token (``fuck*`` matches
``fucking``), and an entry starting with ``!`` is an exception: a token equal to it never matches
(``!cocktail`` next to ``cock*``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from textnorm import fold

__all__ = ["Entry", "Mode", "TextTokens", "WordMatcher", "compile_entry", "tokenize"]

_WORD = re.compile(r"[^\W_]+")
_DOUBLE = re.compile(r"(.)\1", re.DOTALL)
_RUN = re.compile(r"(.)\1*", re.DOTALL)
_MIN_STRETCH = 3  # a run this long in a comment stands for a run of any length in an entry
_MIN_SPACED = 3  # this many single letters separated by spaces are read as one word


class Mode(StrEnum):
    """How a single-word entry lines up with a token."""

    EXACT = "exact"
    PREFIX = "prefix"  # entry*
    SUFFIX = "suffix"  # *entry
    INFIX = "infix"  # *entry*


@dataclass(frozen=True, slots=True)
class Form:
    """A word as its letters with repeats collapsed, plus how often each was repeated."""

    text: str
    counts: tuple[int, ...] | None  # None: every letter once

    @staticmethod
    def of(word: str) -> Form:
        """The collapsed form of ``word``."""
        if _DOUBLE.search(word) is None:
            return Form(word, None)
        runs = [m.group() for m in _RUN.finditer(word)]
        return Form("".join(r[0] for r in runs), tuple(len(r) for r in runs))

    def count(self, i: int) -> int:
        """How many times the ``i``-th collapsed letter was written."""
        return 1 if self.counts is None else self.counts[i]


@dataclass(frozen=True, slots=True)
class Entry:
    """One compiled list entry; ``source`` is the entry as written, for explanations."""

    words: tuple[Form, ...]
    mode: Mode
    source: str
    exception: bool = False


@dataclass(frozen=True, slots=True)
class TextTokens:
    """A text read for matching: its tokens in order, and the glued candidates."""

    tokens: tuple[Form, ...]
    glued: tuple[Form, ...]


def _pieces(chunk: str) -> list[str]:
    return _WORD.findall(chunk)


def tokenize(text: str) -> TextTokens:
    """Read ``text`` into tokens and glued candidates (see the module docstring)."""
    folded = fold(text)
    tokens: list[str] = []
    glued: list[str] = []
    spaced: list[str] = []

    def flush() -> None:
        if len(spaced) >= _MIN_SPACED:
            glued.append(fold("".join(spaced)))
        spaced.clear()

    for chunk in folded.split():
        pieces = _pieces(chunk)
        if len(pieces) == 1 and len(pieces[0]) == 1 and pieces[0].isalpha():
            spaced.append(pieces[0])
        else:
            flush()
        tokens.extend(pieces)
        if len(pieces) > 1:
            glued.append(fold("".join(pieces)))
    flush()
    return TextTokens(tuple(map(Form.of, tokens)), tuple(map(Form.of, glued)))


def compile_entry(line: str) -> Entry | None:
    """Compile one list entry, or ``None`` when it has no letters or digits to match."""
    source = line.strip()
    exception = source.startswith("!")
    body = source[1:].strip() if exception else source
    starts, ends = body.startswith("*"), body.endswith("*")
    body = body.strip("*").strip()
    words = []
    for chunk in fold(body).split():
        word = "".join(_pieces(chunk))
        if word:
            words.append(Form.of(word))
    if not words:
        return None
    if (starts or ends) and (len(words) > 1 or exception):
        return None
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
        if t == e or t >= _MIN_STRETCH:
            continue
        if t > e and ((j == 0 and open_start) or (j == last and open_end)):
            continue
        return False
    return True


class WordMatcher:
    """A compiled word list: one dictionary lookup per token, not one regex per entry."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._exact: dict[str, list[Entry]] = {}
        self._partial: dict[Mode, dict[str, list[Entry]]] = {m: {} for m in Mode if m != Mode.EXACT}
        self._lengths: dict[Mode, tuple[int, ...]] = {}
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
                self._partial[entry.mode].setdefault(key, []).append(entry)
        for mode, index in self._partial.items():
            self._lengths[mode] = tuple(sorted({len(k) for k in index}))

    def _excepted(self, token: Form) -> bool:
        return any(_fits(token, 0, e.words[0], False, False)
                   for e in self._exceptions.get(token.text, ()))

    def _single(self, token: Form, hits: dict[str, None]) -> None:
        text = token.text
        for entry in self._exact.get(text, ()):
            if len(entry.words) == 1 and _fits(token, 0, entry.words[0], False, False):
                hits[entry.source] = None
        for mode, lengths in self._lengths.items():
            index = self._partial[mode]
            for n in lengths:
                if n > len(text):
                    break
                starts = {Mode.PREFIX: (0,), Mode.SUFFIX: (len(text) - n,)}.get(
                    mode, range(len(text) - n + 1))
                for s in starts:
                    for entry in index.get(text[s:s + n], ()):
                        if _fits(token, s, entry.words[0], mode != Mode.PREFIX,
                                 mode != Mode.SUFFIX):
                            hits[entry.source] = None

    def find(self, text: TextTokens) -> tuple[str, ...]:
        """The entries (as written) that match ``text``, in order of first appearance."""
        hits: dict[str, None] = {}
        tokens = text.tokens
        for i, token in enumerate(tokens):
            if self._exceptions and self._excepted(token):
                continue
            self._single(token, hits)
            for entry in self._exact.get(token.text, ()):
                words = entry.words
                if len(words) > 1 and i + len(words) <= len(tokens) and all(
                    tokens[i + k].text == w.text and _fits(tokens[i + k], 0, w, False, False)
                    for k, w in enumerate(words)
                ):
                    hits[entry.source] = None
        for token in text.glued:
            if not (self._exceptions and self._excepted(token)):
                self._single(token, hits)
        return tuple(hits)
