"""A fingerprint of ``textnorm``'s behaviour, so that a model is never served with another.

The weights of a model are learnt on n-grams of *normalised* text.  If ``textnorm`` later
folds, squeezes or joins letters differently, the same comment yields other n-grams and the
scores silently drift, with no error anywhere.  So training records, in the manifest, the
sha256 of :func:`classifier.features.normalized_text` applied to :data:`PROBES`, a fixed list
of tricky strings, and :func:`classifier.load_model` recomputes it and refuses a model whose
fingerprint differs.

Changing :data:`PROBES` changes every fingerprint: retrain the default model in the same
change (``tests/classifier/test_fingerprint.py`` fails until then).
"""

from __future__ import annotations

import hashlib
import json

from classifier import features

__all__ = ["PROBES", "textnorm_fingerprint"]

# Each probe exercises one thing textnorm does (or must not do).  Non-ASCII characters are
# written as escapes so that the list reads the same in any editor.
PROBES = (
    # case and width
    "IDIOT", "Idiot MiXeD CaSe", "\uff29\uff24\uff29\uff2f\uff34",  # full-width IDIOT
    "\U0001d422\U0001d41d\U0001d422\U0001d428\U0001d42d",  # mathematical bold idiot
    # look-alike letters from other scripts
    "\u0456d\u0456ot", "\u0441\u043e\u0440\u0443", "\u03bf\u03b9\u03ba\u03bf\u03c2",
    "\u0261\u0280\u1d07\u1d00\u1d1b", "stra\u00dfe \u00e6on \u0153uvre \u0142\u00f8d",
    # Cyrillic words stay Cyrillic, Latin look-alikes and digits inside them become Cyrillic
    "\u0438\u0434\u0438ot", "\u0443po\u0434", "\u04343\u0431\u0438\u043b",
    "\u043c\u043e\u0439 \u0451\u0436", "cyka \u0431\u043b\u044f\u0442\u044c",
    # a Latin (Uzbek) word keeps its script, apostrophe and all, among Cyrillic words, and
    # Cyrillic words of look-alike letters keep theirs among Latin ones
    "\u0421\u0443\u0434 \u0440\u0435\u0448\u0438\u043b, \u044f \u0431\u044b qo'yaman",
    "\u041c\u0435\u043d \u0441\u0435\u043d\u0438 o'ldiraman",
    # leetspeak inside and at the edges of words, and numbers that must stay numbers
    "1d10t", "sh!t", "a$$", "$hit", "h3ll0 w0rld", "n00b5", "ph|ll", "$5 in 2024",
    "idiot!", "C++ and A+", "what?! no|way", "call 0800 123 456", "0!A", "Top 10!Great",
    # repetition
    "stuuuupid", "nooooo!!!!!", "aa bb ccc", "\U0001f600\U0001f600\U0001f600",
    # accents and combining marks
    "\u00c9COLE Caf\u00e9 na\u00efve", "i\u0301d\u0300i\u0302o\u0308t",
    # zero-width and soft hyphen, typographic quotes
    "id\u200biot", "mo\u00adron", "I\u2019ll \u201cquote\u201d",
    # letters spelt out, and what must not be joined
    "i d i o t", "f.u.c.k you", "s-t-u-p-i-d", "l_o_s_e_r", "m*o*r*o*n", "a b c",
    "U.S. news", "a big idea", "1 2 3 4",
    # whitespace and empty
    "", "   ", "tab\there\nnew line",
)


def textnorm_fingerprint() -> str:
    """sha256 (hex) of what textnorm makes of :data:`PROBES`, as the features apply it."""
    outputs = [features.normalized_text(probe) for probe in PROBES]
    payload = json.dumps([list(PROBES), outputs], ensure_ascii=True)
    return hashlib.sha256(payload.encode("ascii")).hexdigest()
