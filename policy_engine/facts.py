"""What the engine may ask the service about the past, and an in-memory stand-in for tests."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import Protocol, runtime_checkable

from textnorm import fold, squeeze

from .model import AuthorRecord, Submission

__all__ = ["Answers", "BatchFacts", "Facts", "MemoryFacts", "Questions", "count_cap", "fingerprint"]

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
        """Earlier comments on this site whose ``field`` (``ip``, ``email`` or ``author_id``)
        is ``value``."""
        ...

    def duplicate_count(self, body_fingerprint: str, within: timedelta) -> int:
        """Earlier comments whose body has this fingerprint, posted within the window."""
        ...

    def author_record(self, field: str, value: str) -> AuthorRecord:
        """The record of the author whose ``field`` (``email``, or ``author_id`` when the
        site sent one: ``Submission.author_key``) is ``value``."""
        ...

    def ban_reason(self, email: str, ip: str | None, author_id: str | None = None) -> str | None:
        """The reason of an active ban on the email, its domain, the IP or the site's author
        id, else ``None``."""
        ...


def count_cap(*bounds: float | None) -> int:
    """The smallest count ``K`` such that comparing ``min(n, K)`` with every bound given
    decides the same as comparing ``n``: counting past ``K`` cannot change a rule's outcome."""
    return max((math.floor(b) + 1 for b in bounds if b is not None), default=1)


@dataclass(frozen=True)
class Questions:
    """Every question about the past that a policy's rules may ask, known when it loads,
    so that a service can answer them all at once (one database round trip) instead of
    one by one.

    ``recent`` holds ``(field, window)`` pairs (``field`` is ``ip`` or ``author``: the
    site's author id, else the email), ``duplicate`` windows; ``author`` names the parts of
    the author's record that rules read (``approved``, ``rejected``, ``comments``,
    ``reports_upheld``, ``first_seen``); ``author_cap`` is the count past which the record's
    counts no longer change any rule's outcome; ``ban`` says whether a rule asks for bans.

    Each condition that needs the past says what with its own ``questions()``; a policy's
    questions are their :meth:`union`.
    """

    recent: frozenset[tuple[str, timedelta]] = frozenset()
    duplicate: frozenset[timedelta] = frozenset()
    author: frozenset[str] = frozenset()
    author_cap: int = 0
    ban: bool = False
    #: How long a published comment must stay up, not overturned, before it counts as
    #: approved in the author's record (``trust.settled_after``); None: only comments a
    #: moderator approved count.
    author_settled: timedelta | None = None

    def __bool__(self) -> bool:
        return bool(self.recent or self.duplicate or self.author or self.ban)

    def union(self, other: Questions) -> Questions:
        """What either asks (``author_settled`` is the policy's, kept from ``self``)."""
        return Questions(recent=self.recent | other.recent,
                         duplicate=self.duplicate | other.duplicate,
                         author=self.author | other.author,
                         author_cap=max(self.author_cap, other.author_cap),
                         ban=self.ban or other.ban, author_settled=self.author_settled)


@dataclass(frozen=True)
class Answers:
    """The answers to :class:`Questions` for one submission.

    ``recent`` is keyed like ``Questions.recent`` and ``duplicate`` by window; the author's
    counts may stop at ``Questions.author_cap``; ``ban`` is the active ban's reason or None.
    """

    recent: Mapping[tuple[str, timedelta], int] = field(
        default_factory=lambda: MappingProxyType({}))
    duplicate: Mapping[timedelta, int] = field(default_factory=lambda: MappingProxyType({}))
    author: AuthorRecord | None = None
    ban: str | None = None


@runtime_checkable
class BatchFacts(Facts, Protocol):
    """:class:`Facts` that can also answer every question of a policy in one go.

    When the facts given to ``Policy.evaluate`` have ``answer_all``, the engine calls it once
    with the policy's :class:`Questions` before testing any rule, and asks nothing else.
    """

    def answer_all(self, questions: Questions, submission: Submission,
                   body_fingerprint: str) -> Answers:
        """Answers to ``questions`` about ``submission`` (whose body has this fingerprint)."""
        ...


class MemoryFacts:
    """Fixed answers, for tests and for the ``tests:`` examples inside policy files.

    ``recent`` maps ``"ip"``/``"author"`` to the count returned for any value and window
    (``"email"`` is taken for ``"author"``);
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
        self.recent = {("author" if k == "email" else k): v for k, v in (recent or {}).items()}
        self.duplicates = duplicates
        self.history = history or AuthorRecord()
        self.banned = banned
        self.calls: list[str] = []

    def recent_count(self, field: str, value: str, within: timedelta) -> int:
        """The fixed count for ``field`` (``email`` and ``author_id`` both read ``author``)."""
        self.calls.append("recent_count")
        return self.recent.get("ip" if field == "ip" else "author", 0)

    def duplicate_count(self, body_fingerprint: str, within: timedelta) -> int:
        """The fixed duplicate count."""
        self.calls.append("duplicate_count")
        return self.duplicates

    def author_record(self, field: str, value: str) -> AuthorRecord:
        """The fixed author record."""
        self.calls.append("author_record")
        return self.history

    def ban_reason(self, email: str, ip: str | None, author_id: str | None = None) -> str | None:
        """The fixed ban reason, or ``None``."""
        self.calls.append("ban_reason")
        return self.banned
