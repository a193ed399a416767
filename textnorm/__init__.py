"""Text normalisation shared by the policy engine's matching and the classifier's features.

Both must see ``1d10t``, ``іdіot`` (Cyrillic і) and ``IDIOT`` as the same word, so that a
policy list entry and a model feature agree on what a comment says.  This module is pure
Python with no dependencies beyond the standard library; every function is total (any
``str`` in, a ``str`` out, never an exception).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "join_spelled", "squeeze", "normalize", "script_of", "strip_marks", "LEET"]

# Look-alike letters from other scripts that are used to dodge word filters.  NFKC handles
# full-width and mathematical letters; these are the ones it leaves alone.  They always
# become Latin: Greek letters, the Cyrillic letters that Russian does not use (Ukrainian і,
# Komi ԁ...), Latin extensions and symbols.
_CONFUSABLES = {
    # Cyrillic letters that a Russian, Uzbek or Tajik word does not contain
    "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l",
    "ɡ": "g", "ո": "n", "ս": "u",
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

# Cyrillic and Latin letters that look alike.  Which way a word is folded depends on the
# script most of its letters are in (see _fold_scripts): "идиot" (Latin o, t) becomes
# "идиот", "іdiот" becomes "idiot", and a Russian word is never turned into Latin letters.
_CYRILLIC_TO_LATIN = {
    "а": "a", "в": "b", "е": "e", "з": "3", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x",
}
_LATIN_TO_CYRILLIC = {
    "a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "k": "к", "m": "м", "n": "п", "o": "о",
    "p": "р", "r": "г", "t": "т", "u": "и", "x": "х", "y": "у",
    # digits and symbols written for Cyrillic letters: "д3бил", "4мо", "п@дла"
    "0": "о", "3": "е", "4": "ч", "6": "б", "@": "а",
}
_CYRILLIC = re.compile("[\u0400-\u04ff]")
# A word for the script vote: letters, digits and "@", with the apostrophes of Uzbek Latin
# (o'zbek, qo'yaman, g'alaba) inside it, so that "qo'yaman" is one word whose "q" says Latin.
_CYRILLIC_WORD_CHARS = re.compile("[\\w@]+(?:['\u02bb\u02bc][\\w@]+)*")
# Letters that could stand for a letter of the other script decide nothing.
_AMBIGUOUS = frozenset(_CYRILLIC_TO_LATIN) | frozenset(_LATIN_TO_CYRILLIC) | frozenset(
    _LATIN_TO_CYRILLIC.values()) | frozenset(v for v in _CYRILLIC_TO_LATIN.values())
_TO_LATIN_TABLE = str.maketrans(_CYRILLIC_TO_LATIN)
_LATIN_LETTER = re.compile("[a-z]")
# A Latin letter that no Cyrillic letter looks like: a word with one is plainly Latin.
_LATIN_ONLY = re.compile(
    "[" + "".join(sorted(set("abcdefghijklmnopqrstuvwxyz") - _AMBIGUOUS)) + "]")
_TO_CYRILLIC_TABLE = str.maketrans(_LATIN_TO_CYRILLIC)


def _script_votes(text: str) -> int:
    """Letters of ``text`` that only Cyrillic has, minus those that only Latin has."""
    votes = 0
    for ch in text:
        if ch in _AMBIGUOUS or not ch.isalpha():
            continue
        if "\u0400" <= ch <= "\u04ff":
            votes += 1
        elif ch.isascii():
            votes -= 1
    return votes


def _fold_scripts(text: str) -> str:
    """Fold look-alike letters into the script of the word they are in.

    Only a word that mixes the two scripts' letters is folded, into the script most of its
    unambiguous letters are in ("идиot" -> "идиот", "idiот" -> "idiot"); one of look-alike
    letters only follows the text's majority.  A word written in one script keeps it: a
    Cyrillic word is never turned into Latin letters (its digits may become Cyrillic ones:
    "4мо" -> "чмо"), and a Latin word stays Latin ("qo'yaman" in a Russian sentence), save
    one case: a Latin word of look-alike letters only ("cyka") in a mostly Cyrillic text
    with no plain Latin word in it, which is how Russian abuse is disguised.
    """
    if not _CYRILLIC.search(text):
        return text
    overall = _script_votes(text)
    words = _CYRILLIC_WORD_CHARS.findall(text)
    plain_latin = any(_LATIN_ONLY.search(w) and not _CYRILLIC.search(w) for w in words)

    def one(match: re.Match[str]) -> str:
        word = match.group()
        if _CYRILLIC.search(word) is None:  # Latin letters, digits or both
            if plain_latin or overall <= 0 or word.isdigit() or _LATIN_ONLY.search(word):
                return word
            return word.translate(_TO_CYRILLIC_TABLE)
        if not _LATIN_LETTER.search(word):  # Cyrillic letters, perhaps digits: stays Cyrillic
            return word.translate(_TO_CYRILLIC_TABLE)
        votes = _script_votes(word) or overall
        if votes > 0:
            return word.translate(_TO_CYRILLIC_TABLE)
        if votes < 0:
            return word.translate(_TO_LATIN_TABLE)
        return word

    return _CYRILLIC_WORD_CHARS.sub(one, text)


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
    """Remove accents and other combining marks: ``café`` -> ``cafe``, ``ёж`` -> ``еж``.

    The breve of Cyrillic ``й`` stays: it is a letter of its own, not an accent.
    """
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(ch for i, ch in enumerate(decomposed) if not unicodedata.combining(ch)
                   or (ch == "\u0306" and i and decomposed[i - 1] in "иИ"))
    return unicodedata.normalize("NFC", kept) if "\u0306" in kept else kept


def fold(text: str) -> str:
    """Case, width, look-alike letters, accents, zero-width characters and leetspeak folded.

    The result keeps word boundaries and punctuation that is not part of a word, so that
    callers can still split it into words.  Cyrillic words stay Cyrillic (look-alike Latin
    letters inside them become Cyrillic); Latin words stay Latin.
    """
    if text.isascii():  # the common case: no width, marks or look-alikes to fold
        return _unleet(text.lower())
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).casefold()
    text = strip_marks(text).translate(_CONFUSABLE_TABLE)
    once = _unleet(_fold_scripts(text))
    # A digit read as a Latin letter can tip a mixed word's script: fold until stable.
    for _ in range(4):
        again = _unleet(_fold_scripts(once))
        if again == once:
            break
        once = again
    return once


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


_CYRILLIC_LETTERS = re.compile("[\u0400-\u04ff]")
_LATIN_LETTERS = re.compile("[a-zA-Z\u00c0-\u024f]")


def script_of(text: str) -> str:
    """``"cyrillic"`` when most letters of ``text`` are Cyrillic, else ``"latin"``.

    Cheap enough to call on every comment (two regex scans); used to pick the calibration of
    the classifier's scores, so that a score means the same in Russian as in English.
    """
    if text.isascii():
        return "latin"
    cyrillic = len(_CYRILLIC_LETTERS.findall(text))
    return "cyrillic" if cyrillic and cyrillic > len(_LATIN_LETTERS.findall(text)) else "latin"
