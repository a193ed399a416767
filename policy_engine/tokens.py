"""Reading a text into tokens for word-list matching.

Tokens are runs of letters and digits of the text after ``textnorm.fold``.  Besides them, a
text has *glued candidates*: a word with punctuation inside it read without the punctuation
(``i.d.i.o.t``), and three or more single letters between spaces read as one word
(``i d i o t``).  Links are not glued.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from textnorm import fold

__all__ = ["Form", "TextTokens", "tokenize", "tokenize_folded"]

_WORD = re.compile(r"[^\W_]+")
_DOUBLE = re.compile(r"(.)\1", re.DOTALL)
_RUN = re.compile(r"(.)\1*", re.DOTALL)
_COLLAPSE = re.compile(r"(.)\1+", re.DOTALL)
_TRIPLE = re.compile(r"(.)\1\1", re.DOTALL)
_LINKISH = re.compile(r"://|^www\.|@")
_MIN_SPACED = 3  # this many single letters separated by spaces are read as one word


class Form(NamedTuple):
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

    @property
    def raw(self) -> str:
        """The word as written, runs expanded again."""
        if self.counts is None:
            return self.text
        return "".join(c * n for c, n in zip(self.text, self.counts, strict=True))

    def count(self, i: int) -> int:
        """How many times the ``i``-th collapsed letter was written."""
        return 1 if self.counts is None else self.counts[i]


class TextTokens:
    """A text read for matching: its tokens in order, and the glued candidates.

    Built cheaply (plain strings); the per-letter run counts (``Form``) are computed only when
    a word list's quick filter says an entry may match.
    """

    __slots__ = ("raw_tokens", "raw_glued", "exact", "stretched", "line", "_forms")

    def __init__(self, raw_tokens: list[str], raw_glued: list[str]) -> None:
        self.raw_tokens = raw_tokens
        self.raw_glued = raw_glued
        words = raw_tokens + raw_glued
        self.exact = frozenset(words)
        # Words with a letter written 3+ times are the only ones whose collapsed form can match
        # an entry written differently; their collapsed forms join the quick filter.
        # ("www" of a link is not an evasion and would cost a second line on every link.)
        self.stretched = frozenset(
            _COLLAPSE.sub(r"\1", w) for w in words if w != "www" and _TRIPLE.search(w)
        ) if any(map(_TRIPLE.search, (" ".join(raw_tokens), *raw_glued))) else frozenset()
        line = " ".join(raw_tokens)
        if self.stretched:  # the whole sequence collapsed too, for phrases with stretched words
            line += " | " + _COLLAPSE.sub(r"\1", line)
        self.line = f" {line} | {' '.join(raw_glued)} | {' '.join(self.stretched)} "
        self._forms: tuple[tuple[Form, ...], tuple[Form, ...]] | None = None

    @property
    def tokens(self) -> tuple[Form, ...]:
        """The tokens, in order, as collapsed forms."""
        return self._compute()[0]

    @property
    def glued(self) -> tuple[Form, ...]:
        """The glued candidates as collapsed forms."""
        return self._compute()[1]

    @property
    def words(self) -> tuple[Form, ...]:
        """Tokens then glued candidates."""
        tokens, glued = self._compute()
        return tokens + glued

    def _compute(self) -> tuple[tuple[Form, ...], tuple[Form, ...]]:
        if self._forms is None:
            self._forms = (tuple(map(Form.of, self.raw_tokens)),
                           tuple(map(Form.of, self.raw_glued)))
        return self._forms


def tokenize(text: str) -> TextTokens:
    """Read ``text`` into tokens and glued candidates (see the module docstring)."""
    return tokenize_folded(fold(text))


def tokenize_folded(folded: str) -> TextTokens:
    """``tokenize`` for text already passed through ``textnorm.fold``."""
    tokens: list[str] = []
    glued: list[str] = []
    spaced: list[str] = []
    for chunk in folded.split():
        if chunk.isalnum():
            tokens.append(chunk)
            if len(chunk) == 1 and chunk.isalpha():
                spaced.append(chunk)
                continue
        else:
            pieces = _WORD.findall(chunk)
            tokens.extend(pieces)
            if len(pieces) > 1 and not _LINKISH.search(chunk):  # links are not glued
                glued.append(fold("".join(pieces)))
            elif len(pieces) == 1 and len(pieces[0]) == 1 and pieces[0].isalpha():
                spaced.append(pieces[0])
                continue
        if len(spaced) >= _MIN_SPACED:
            glued.append(fold("".join(spaced)))
        spaced.clear()
    if len(spaced) >= _MIN_SPACED:
        glued.append(fold("".join(spaced)))
    return TextTokens(tokens, glued)
