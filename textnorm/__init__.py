"""Text normalisation shared by the policy engine's matching and the classifier's features.

Both must see ``1d10t``, ``іdіot`` (Cyrillic і) and ``IDIOT`` as the same word, so that a
policy list entry and a model feature agree on what a comment says.  This module is pure
Python with no dependencies beyond the standard library; every function is total (any
``str`` in, a ``str`` out, never an exception).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "join_spelled", "squeeze", "normalize", "strip_marks", "LEET"]

# Look-alike letters from other scripts that are used to dodge word filters.  NFKC handles
# full-width and mathematical letters; these are the ones it leaves alone.
_CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "з": "3", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j",
    "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ɡ": "g", "ո": "n", "ս": "u",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "μ": "u",
    # Latin extensions and symbols that NFKC keeps
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ß": "ss", "æ": "ae", "œ": "oe",
    "ƒ": "f", "ʀ": "r", "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e", "ɢ": "g",
    "ʜ": "h", "ɪ": "i", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n", "ᴏ": "o",
    "ᴘ": "p", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ʏ": "y", "ᴢ": "z",
    # Typographic quotes, so that "I’ll" reads like "I'll"
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"',
}

# Digits and symbols read as letters (leetspeak).  Applied only where a character sits
# next to a letter, so that "2024" and "$5" stay numbers.
LEET = {
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
    "@": "a", "$": "s", "!": "i", "|": "l", "+": "t", "€": "e", "£": "l",
}

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_CONFUSABLE_TABLE = str.maketrans(_CONFUSABLES)
# Digits, "@" and "$" stand for letters at the edge of a word too ("$hit", "a$$", "h3ll0");
# "!", "|", "+", "€" and "£" only inside one ("sh!t"), so that "idiot!" keeps its "!".
_LEET_AT_EDGE = frozenset("01345789@$")
_LEET_RUN = re.compile("[" + re.escape("".join(LEET)) + "]+")
_LETTER = re.compile(r"[^\W\d_]")


def _unleet(text: str) -> str:
    if not _LEET_RUN.search(text):
        return text
    out: list[str] = []
    last = 0
    for m in _LEET_RUN.finditer(text):
        start, end = m.span()
        before = start > 0 and _LETTER.match(text, start - 1) is not None
        after = end < len(text) and _LETTER.match(text, end) is not None
        if not (before or after):
            continue
        out.append(text[last:start])
        out.append(_unleet_run(m.group(), before, after))
        last = end
    out.append(text[last:])
    return "".join(out)


def _unleet_run(run: str, before: bool, after: bool) -> str:
    """A run of leetspeak symbols next to a letter: all of it read as letters inside a word;
    at a word's edge, only the symbols that stand for letters there and that touch the word
    (the "$$" of "a$$"; in "0!a" nothing: the "!" stands between the "0" and the word), so
    that folding twice gives what folding once gave."""
    if before and after:
        return "".join(LEET[c] for c in run)
    if after:  # the word starts right after the run
        keep = len(run)
        while keep and run[keep - 1] in _LEET_AT_EDGE:
            keep -= 1
        return run[:keep] + "".join(LEET[c] for c in run[keep:])
    take = 0  # the word ends right before the run
    while take < len(run) and run[take] in _LEET_AT_EDGE:
        take += 1
    return "".join(LEET[c] for c in run[:take]) + run[take:]


_RUN = re.compile(r"(.)\1{2,}", re.DOTALL)
# Four or more single characters in a row, each followed by one separator: "i d i o t",
# "f.u.c.k", "s-t-u-p-i-d".  The lookarounds keep whole words out: "a big idea" stays.
_SPELLED = re.compile(r"(?<!\w)\w(?:[ .\-_*]\w(?!\w)){3,}")
_SPELL_SEPARATORS = re.compile(r"[ .\-_*]")


def strip_marks(text: str) -> str:
    """Remove accents and other combining marks: ``café`` -> ``cafe``."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Case, width, look-alike letters, accents, zero-width characters and leetspeak folded.

    The result keeps word boundaries and punctuation that is not part of a word, so that
    callers can still split it into words.
    """
    if text.isascii():  # the common case: no width, marks or look-alikes to fold
        return _unleet(text.lower())
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).casefold()
    text = strip_marks(text).translate(_CONFUSABLE_TABLE)
    return _unleet(text)


def squeeze(text: str, max_run: int = 2) -> str:
    """Shorten runs of one repeated character to ``max_run``: ``stuuuupid`` -> ``stuupid``."""
    if max_run < 1:
        raise ValueError("max_run must be at least 1")
    return _RUN.sub(lambda m: m.group(1) * max_run, text) if max_run == 2 else re.sub(
        rf"(.)\1{{{max_run},}}", lambda m: m.group(1) * max_run, text, flags=re.DOTALL
    )


def normalize(text: str) -> str:
    """``fold`` then ``squeeze``: the form both matching and features start from."""
    return squeeze(fold(text))


def join_spelled(text: str) -> str:
    """Join words spelt out one character at a time: ``i d i o t`` -> ``idiot``.

    Four or more single letters or digits separated by one space, ``.``, ``-``, ``_`` or
    ``*`` each (``f.u.c.k``, ``s-t-u-p-i-d``) become one word; shorter runs such as ``a b c``
    and initials such as ``U.S.`` are left alone.  Meant for text already passed through
    :func:`normalize` (the classifier's features use ``join_spelled(normalize(text))``);
    ``fold``, ``squeeze`` and ``normalize`` themselves never join letters.
    """
    return _SPELLED.sub(lambda m: _SPELL_SEPARATORS.sub("", m.group()), text)
