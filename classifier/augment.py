"""Counterfactual copies of training texts with the identity groups they name swapped.

In the public training sets, some groups (Muslims, women, gay people, immigrants...) are
named far more often in abusive rows than in acceptable ones, so a model learns that the
name itself is a sign of abuse: "my Muslim neighbours" scores higher than "my Christian
neighbours", and a comment that only mentions a group is held.  Counterfactual data
augmentation (Garg et al., "Counterfactual Fairness in Text Classification", 2019; Dixon
et al. 2018 for the bias it fixes) adds, for each training text that names a group, a copy
in which each group is replaced by another of the same grammatical kind, with the same
label.  The name of a group then tells the model nothing, and it must learn from what is
said about the group.

Only neutral names of groups are swapped, never slurs (which are abusive whoever they aim
at), and only words that name people whatever the context: "black" and "white" only with
"people", since "black car" names no one; not "man", "men" or "boys", which are more often
"oh man" or "the boys in blue" than a group.  A substitute is never a group the text
already names, nor one chosen for another group in it, so two groups stay two.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

__all__ = ["IDENTITY_GROUPS", "counterfactuals", "swap_identities"]

# Each tuple: names of groups that can stand in for each other in a sentence.  Each name is
# in one tuple only, and none names anything but people whatever the context ("Indian
# Ocean", "telephone poles", "polish your shoes", "disabled the alarm" and "trans fats" do
# not, so those words are left out).
IDENTITY_GROUPS: tuple[tuple[str, ...], ...] = (
    (  # people, plural
        "muslims", "christians", "jews", "hindus", "sikhs", "buddhists", "atheists",
        "catholics", "protestants", "mormons", "immigrants", "refugees", "migrants",
        "foreigners", "asylum seekers", "women", "girls", "gays", "lesbians",
        "gay people", "trans people", "transgender people", "black people", "white people",
        "asian people", "asians", "africans", "arabs", "mexicans", "americans", "europeans",
        "indians", "pakistanis", "latinos", "hispanics", "chinese people",
        "disabled people", "deaf people", "old people", "young people", "feminists",
        "liberals", "conservatives",
    ),
    (  # adjective before a noun or after "is/are"
        "muslim", "christian", "jewish", "hindu", "sikh", "buddhist", "catholic", "gay",
        "lesbian", "bisexual", "transgender", "atheist", "latino", "hispanic", "female",
    ),
    (  # a person, singular
        "woman", "girl", "jew", "immigrant", "refugee", "migrant", "foreigner", "feminist",
    ),
)

_KIND_OF = {name: kind for kind, names in enumerate(IDENTITY_GROUPS) for name in names}
_PATTERN = re.compile(
    r"\b(" + "|".join(sorted((re.escape(n).replace(r"\ ", r"\s+") for n in _KIND_OF),
                             key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)


def _same_case(template: str, word: str) -> str:
    if template.isupper() and len(template) > 1:
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _name_of(match: re.Match) -> str:
    """The listed name a match stands for (case and runs of spaces aside)."""
    return " ".join(match.group().lower().split())


def swap_identities(text: str, rng: random.Random) -> str | None:
    """``text`` with every group it names replaced by another of the same kind, or None
    when it names none.  The same group is replaced by the same substitute throughout."""
    named = {_name_of(m) for m in _PATTERN.finditer(text)}
    if not named:
        return None
    chosen: dict[str, str] = {}
    for found in sorted(named):  # sorted: the same text and seed give the same copy
        taken = named | set(chosen.values())
        others = [n for n in IDENTITY_GROUPS[_KIND_OF[found]] if n not in taken]
        chosen[found] = rng.choice(others)

    def replace(match: re.Match) -> str:
        return _same_case(match.group(), chosen[_name_of(match)])

    return _PATTERN.sub(replace, text)


def counterfactuals(texts: Sequence[str], seed: int) -> tuple[list[int], list[str]]:
    """For each text that names a group: its index and a swapped copy (seeded)."""
    rng = random.Random(seed)
    indices, copies = [], []
    for i, text in enumerate(texts):
        swapped = swap_identities(text, rng)
        if swapped is not None:
            indices.append(i)
            copies.append(swapped)
    return indices, copies
