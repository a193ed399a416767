"""Measurements of one field's text, computed once per evaluation and shared by all rules."""

from __future__ import annotations

import re
from functools import cached_property
from urllib.parse import urlsplit

from textnorm import fold

from .wordmatch import TextTokens, tokenize_folded

__all__ = ["FieldText", "domain_matches", "link_domain", "links_in"]

# A link is anything starting with a scheme or "www."; bare "example.com" is not counted,
# since ordinary prose ("Node.js", "e.g.") looks the same.
_LINK = re.compile(r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""
_SPACE = re.compile(r"\s+")
_REPEAT = re.compile(r"(\S)\1+")


def links_in(text: str) -> tuple[str, ...]:
    """Every link in free text (a scheme, or ``www.``), in order."""
    return tuple(m.group().rstrip(_TRAILING) for m in _LINK.finditer(text))


def link_domain(url: str) -> str | None:
    """The host of ``url``, lower-case, without ``www.`` or a trailing dot; ``None`` if none."""
    if url[:4].lower() == "www.":
        url = "http://" + url
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.rstrip(".").lower()
    return host[4:] if host.startswith("www.") else host


def domain_matches(host: str, domains: frozenset[str]) -> str | None:
    """The entry of ``domains`` that ``host`` is, or is a subdomain of; else ``None``."""
    parts = host.split(".")
    for i in range(len(parts)):
        candidate = ".".join(parts[i:])
        if candidate in domains:
            return candidate
    return None


class FieldText:
    """The text of one field with lazily computed, cached measurements."""

    def __init__(self, raw: str, is_url: bool = False) -> None:
        self.is_url = is_url
        # RE2 takes UTF-8 only: lone surrogates (which Python strings may hold) become "?".
        self.raw = raw if raw.isascii() else raw.encode("utf-8", "replace").decode("utf-8")

    @cached_property
    def folded_raw(self) -> str:
        """``textnorm.fold`` of the text, computed once."""
        return fold(self.raw)

    @cached_property
    def tokens(self) -> TextTokens:
        """Tokens for word-list matching."""
        return tokenize_folded(self.folded_raw)

    @cached_property
    def folded(self) -> str:
        """Folded text with runs of white space made one space: what ``matches`` sees."""
        return _SPACE.sub(" ", self.folded_raw).strip()

    @cached_property
    def links(self) -> tuple[str, ...]:
        """Every link in the text, in order."""
        if self.is_url:  # a website or referrer field is one link, with or without a scheme
            url = self.raw.strip()
            if url and "://" not in url:
                url = "http://" + url
            return (url,) if url and not any(c.isspace() for c in url) else ()
        return links_in(self.raw)

    @cached_property
    def domains(self) -> tuple[str, ...]:
        """The hosts the links point to, in order, without repeats."""
        hosts = (link_domain(u) for u in self.links)
        return tuple(dict.fromkeys(h for h in hosts if h))

    @cached_property
    def letters(self) -> int:
        """How many letters the text has."""
        return sum(map(str.isalpha, self.raw))

    @cached_property
    def capitals_share(self) -> float:
        """Upper-case letters as a share of all cased letters (0 when there are none)."""
        upper = sum(map(str.isupper, self.raw))
        cased = upper + sum(map(str.islower, self.raw))
        return upper / cased if cased else 0.0

    @cached_property
    def longest_run(self) -> int:
        """The longest run of one repeated character, white space excluded."""
        if not self.raw.strip():
            return 0
        return max((len(m.group()) for m in _REPEAT.finditer(self.raw)), default=1)
