"""The plain values the engine takes and returns: submissions, actions, reasons, decisions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

__all__ = [
    "Action",
    "AuthorRecord",
    "Decision",
    "FieldLimit",
    "Problem",
    "PolicyError",
    "Reason",
    "ReportRules",
    "Submission",
    "SUBMISSION_FIELDS",
    "Texts",
]

SUBMISSION_FIELDS = (
    "thread", "name", "email", "website", "body", "parent_id", "ip", "user_agent", "referrer",
    "author_id",
)


class Action(StrEnum):
    """What happens to a comment, ordered by severity (``APPROVE < HOLD < REJECT``)."""

    APPROVE = "approve"
    HOLD = "hold"
    REJECT = "reject"

    @property
    def severity(self) -> int:
        """0 for approve, 1 for hold, 2 for reject."""
        return _SEVERITY[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Action):
            return NotImplemented
        return self.severity < other.severity

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Action):
            return NotImplemented
        return self.severity <= other.severity

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Action):
            return NotImplemented
        return self.severity > other.severity

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Action):
            return NotImplemented
        return self.severity >= other.severity


_SEVERITY = {Action.APPROVE: 0, Action.HOLD: 1, Action.REJECT: 2}


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Submission:
    """One comment as posted, plus what the site knows about the request."""

    site: str
    thread: str
    name: str
    email: str
    body: str
    website: str | None = None
    parent_id: int | None = None
    ip: str | None = None
    user_agent: str | None = None
    referrer: str | None = None
    submitted_at: datetime = field(default_factory=_now)
    #: The site's own stable id of the reader (its user id), when it sends one: the
    #: author's history, bans and flood checks then key on it instead of the email.
    author_id: str | None = None
    #: The story's own moderation (``PUT /v1/threads/<thread>/settings``): ``post``,
    #: ``pre`` or ``closed``; rules read it as ``thread: {moderation: pre}``.
    thread_moderation: str = "post"

    @property
    def author_key(self) -> tuple[str, str]:
        """Who wrote it, as history and flood checks count: ``("author_id", id)`` when the
        site sent one, else ``("email", email)``."""
        return ("author_id", self.author_id) if self.author_id else ("email", self.email)

    def field_text(self, name: str) -> str:
        """The text of a submission field, ``""`` when it is missing."""
        value = getattr(self, name, None)
        return "" if value is None else str(value)


@dataclass(frozen=True)
class AuthorRecord:
    """An author's record on a site, from their earlier comments.

    ``approved`` and ``rejected`` count what moderators decided (and, for ``approved``,
    comments left up for the policy's ``trust.settled_after``); ``comments`` counts every
    earlier comment; ``reports_upheld`` the readers' reports on them that a moderator upheld
    (removed the comment); ``first_seen`` is when their first comment came (None: never).
    Counts may stop at the policy's cap (``Questions.author_cap``).
    """

    approved: int = 0
    rejected: int = 0
    comments: int = 0
    reports_upheld: int = 0
    first_seen: datetime | None = None


@dataclass(frozen=True)
class Texts:
    """One text for readers in several languages: ``(language code, text)`` pairs.

    A tuple rather than a dict, so that the values holding it stay frozen and hashable.
    """

    pairs: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, texts: Mapping[str, str]) -> Texts:
        return cls(tuple(texts.items()))

    def get(self, language: str) -> str | None:
        """The text in ``language``, or None when it was not written in it."""
        for code, text in self.pairs:
            if code == language:
                return text
        return None

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.pairs)

    def as_dict(self) -> dict[str, str]:
        return dict(self.pairs)

    def __bool__(self) -> bool:
        return bool(self.pairs)


@dataclass(frozen=True)
class Reason:
    """One rule or score threshold that contributed to a decision.

    ``message`` is the reader's text in the policy's language; ``messages`` has it in every
    language it exists in, so that a reader can be answered in theirs, also later.
    """

    rule: str
    message: str
    action: Action
    note: str | None = None
    labels: tuple[str, ...] = ()
    matched: tuple[str, ...] = ()
    priority: int = 0
    messages: Texts = Texts()


@dataclass(frozen=True)
class Decision:
    """The outcome of evaluating a policy on one submission."""

    action: Action
    reasons: tuple[Reason, ...]
    priority: int
    labels: tuple[str, ...]
    policy_version: str
    classifier_skipped: bool
    #: Rules in ``mode: shadow`` that matched: what they would have done, deciding nothing.
    shadow: tuple[Reason, ...] = ()

    @property
    def rule_ids(self) -> tuple[str, ...]:
        """The ids of the contributing rules and thresholds, most severe first."""
        return tuple(r.rule for r in self.reasons)


@dataclass(frozen=True)
class FieldLimit:
    """Length and format limits of one submission field."""

    min_length: int | None = None
    max_length: int | None = None
    format: str | None = None


@dataclass(frozen=True)
class ReportRules:
    """After how many reader reports a published comment is reviewed or hidden."""

    review_after: int | None = None
    hide_after: int | None = None


@dataclass(frozen=True)
class Problem:
    """One mistake in a policy file, located by file and line."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PolicyError(Exception):
    """A policy could not be loaded; ``problems`` says every reason why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid policy")


Scores = Mapping[str, float]
