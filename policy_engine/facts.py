"""What the engine may ask the service about the past, and an in-memory stand-in for tests."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Protocol, runtime_checkable

from textnorm import fold, squeeze

from .model import AuthorRecord

__all__ = ["Facts", "MemoryFacts", "fingerprint"]

_NON_WORD = re.compile(r"[\W_]+")


def fingerprint(body: str) -> str:
    """A stable hash of the normalised body, equal for copies that differ only in case,
    look-alike letters, accents, punctuation, spacing or stretched letters.

    The service stores it with each comment and passes it back to ``duplicate_count``.
    """
    return fingerprint_folded(fold(body))


def fingerprint_folded(folded: str) -> str:
    """``fingerprint`` of a body already passed through ``textnorm.fold``."""
    words = _NON_WORD.sub(" ", squeeze(folded)).strip()
    return hashlib.sha256(words.encode("utf-8", "surrogatepass")).hexdigest()


@runtime_checkable
class Facts(Protocol):
    """Questions about earlier comments and bans; the service answers them from its database.

    The engine calls a method only when a rule needs its answer, at most once per
    evaluation for the same arguments.
    """

    def recent_count(self, field: str, value: str, within: timedelta) -> int:
        """Earlier comments on this site whose ``field`` (``ip`` or ``email``) is ``value``."""
        ...

    def duplicate_count(self, body_fingerprint: str, within: timedelta) -> int:
        """Earlier comments whose body has this fingerprint, posted within the window."""
        ...

    def author_record(self, email: str) -> AuthorRecord:
        """How many of the author's earlier comments were approved and rejected."""
        ...

    def ban_reason(self, email: str, ip: str | None) -> str | None:
        """The reason of an active ban on the email, its domain or the IP, else ``None``."""
        ...


class MemoryFacts:
    """Fixed answers, for tests and for the ``tests:`` examples inside policy files.

    ``recent`` maps ``"ip"``/``"email"`` to the count returned for any value and window;
    ``calls`` records every question asked, so tests can check the engine is lazy.
    """

    def __init__(
        self,
        *,
        recent: Mapping[str, int] | None = None,
        duplicates: int = 0,
        history: AuthorRecord | None = None,
        banned: str | None = None,
    ) -> None:
        self.recent = dict(recent or {})
        self.duplicates = duplicates
        self.history = history or AuthorRecord()
        self.banned = banned
        self.calls: list[str] = []

    def recent_count(self, field: str, value: str, within: timedelta) -> int:
        """The fixed count for ``field``."""
        self.calls.append("recent_count")
        return self.recent.get(field, 0)

    def duplicate_count(self, body_fingerprint: str, within: timedelta) -> int:
        """The fixed duplicate count."""
        self.calls.append("duplicate_count")
        return self.duplicates

    def author_record(self, email: str) -> AuthorRecord:
        """The fixed author record."""
        self.calls.append("author_record")
        return self.history

    def ban_reason(self, email: str, ip: str | None) -> str | None:
        """The fixed ban reason, or ``None``."""
        self.calls.append("ban_reason")
        return self.banned
