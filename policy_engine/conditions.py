"""The compiled conditions of rules.  Each ``test`` returns ``None`` when the condition does
not hold, else the tuple of what fired (words, patterns, domains; maybe empty).

A condition that needs the past (the author's record, earlier comments, bans) says what
with ``questions()``, so that a policy knows every question when it loads and a service can
answer them in one round trip (``policy_engine.facts``)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from .context import EvalContext
from .facts import Questions, count_cap
from .language import Identifier
from .textfacts import domain_matches
from .wordmatch import WordMatcher

Hit = tuple[str, ...] | None
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Condition(Protocol):
    """Anything with ``test(ctx) -> Hit``."""

    def test(self, ctx: EvalContext) -> Hit: ...


NO_QUESTIONS = Questions()


def questions_of(condition: Any) -> Questions:  # noqa: ANN401
    """What ``condition`` (and every condition inside it) asks about the past."""
    ask = getattr(condition, "questions", None)
    return ask() if ask is not None else NO_QUESTIONS


def _union(parts: tuple[Any, ...]) -> Questions:
    asked = NO_QUESTIONS
    for part in parts:
        asked = asked.union(questions_of(part))
    return asked


@dataclass(frozen=True)
class Compare:
    """Numeric bounds; every bound given must hold."""

    more_than: float | None = None
    less_than: float | None = None
    at_least: float | None = None
    at_most: float | None = None

    def ok(self, x: float) -> bool:
        """Whether ``x`` is within every bound."""
        return not (
            (self.more_than is not None and not x > self.more_than)
            or (self.less_than is not None and not x < self.less_than)
            or (self.at_least is not None and not x >= self.at_least)
            or (self.at_most is not None and not x <= self.at_most)
        )


@dataclass(frozen=True)
class Always:
    def test(self, ctx: EvalContext) -> Hit:
        return ()


@dataclass(frozen=True)
class All:
    parts: tuple[Any, ...]

    def test(self, ctx: EvalContext) -> Hit:
        found: list[str] = []
        for part in self.parts:
            hit = part.test(ctx)
            if hit is None:
                return None
            found.extend(hit)
        return tuple(dict.fromkeys(found))

    def questions(self) -> Questions:
        return _union(self.parts)


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Any, ...]

    def test(self, ctx: EvalContext) -> Hit:
        for part in self.parts:
            hit = part.test(ctx)
            if hit is not None:
                return hit
        return None

    def questions(self) -> Questions:
        return _union(self.parts)


@dataclass(frozen=True)
class Not:
    part: Any

    def test(self, ctx: EvalContext) -> Hit:
        return () if self.part.test(ctx) is None else None

    def questions(self) -> Questions:
        return questions_of(self.part)


@dataclass(frozen=True)
class HasWord:
    field: str
    matcher: WordMatcher

    def test(self, ctx: EvalContext) -> Hit:
        return self.matcher.find(ctx.text(self.field).tokens) or None


@dataclass(frozen=True)
class Matches:
    field: str
    regex: Any  # a compiled re2 pattern
    source: str
    raw: bool

    def test(self, ctx: EvalContext) -> Hit:
        view = ctx.text(self.field)
        text = view.raw if self.raw else view.folded
        return (self.source,) if self.regex.search(text) else None


@dataclass(frozen=True)
class Present:
    field: str
    wanted: bool

    def test(self, ctx: EvalContext) -> Hit:
        return () if bool(ctx.text(self.field).raw.strip()) == self.wanted else None


@dataclass(frozen=True)
class Measure:
    """A number measured on a field's text (length, capitals, repeats, links) within bounds."""

    field: str
    what: str  # "length" | "capitals" | "repeats" | "links"
    bounds: Compare
    min_letters: int = 0

    def test(self, ctx: EvalContext) -> Hit:
        view = ctx.text(self.field)
        if self.what == "length":
            value: float = len(view.raw)
        elif self.what == "capitals":
            if view.letters < self.min_letters:
                return None
            value = view.capitals_share
        elif self.what == "repeats":
            value = view.longest_run
        else:
            value = len(view.links)
        return () if self.bounds.ok(value) else None


@dataclass(frozen=True)
class LinksTo:
    """A link to a listed domain (``deny``) or to a domain not listed (allow list)."""

    field: str
    domains: frozenset[str]
    deny: bool

    def test(self, ctx: EvalContext) -> Hit:
        hosts = ctx.text(self.field).domains
        if self.deny:
            found = [h for h in hosts if domain_matches(h, self.domains)]
        else:
            found = [h for h in hosts if not domain_matches(h, self.domains)]
        return tuple(found) or None


@dataclass(frozen=True)
class EmailIn:
    emails: frozenset[str]
    domains: frozenset[str]

    def test(self, ctx: EvalContext) -> Hit:
        email = (ctx.submission.email or "").strip().lower()
        if email in self.emails:
            return (email,)
        domain = email.rpartition("@")[2]
        hit = domain_matches(domain, self.domains) if domain and self.domains else None
        return (hit,) if hit else None


@dataclass(frozen=True)
class IpIn:
    networks: tuple[Network, ...]

    def test(self, ctx: EvalContext) -> Hit:
        try:
            ip = ipaddress.ip_address((ctx.submission.ip or "").strip())
        except ValueError:
            return None
        for net in self.networks:
            if ip.version == net.version and ip in net:
                return (str(net),)
        return None


@dataclass(frozen=True)
class History:
    """A count of the author's record within bounds."""

    kind: str  # "approved" | "rejected" | "comments" | "reports_upheld"
    bounds: Compare

    def test(self, ctx: EvalContext) -> Hit:
        record = ctx.author_record()
        return () if self.bounds.ok(getattr(record, self.kind)) else None

    def questions(self) -> Questions:
        b = self.bounds
        return Questions(author=frozenset({self.kind}),
                         author_cap=count_cap(b.more_than, b.less_than, b.at_least, b.at_most))


@dataclass(frozen=True)
class FirstSeen:
    """The author's first comment on the site came ``within`` the last while (a new reader:
    one never seen counts as new), or ``before`` it (an old one)."""

    within: timedelta | None = None
    before: timedelta | None = None

    def test(self, ctx: EvalContext) -> Hit:
        first = ctx.author_record().first_seen
        age = ctx.submission.submitted_at - first if first is not None else timedelta(0)
        if self.within is not None and not age <= self.within:
            return None
        if self.before is not None and not age > self.before:
            return None
        return ()

    def questions(self) -> Questions:
        return Questions(author=frozenset({"first_seen"}))


@dataclass(frozen=True)
class Identified:
    """The site sent its own id of the reader (``author_id``), or did not."""

    wanted: bool

    def test(self, ctx: EvalContext) -> Hit:
        return () if bool(ctx.submission.author_id) == self.wanted else None


@dataclass(frozen=True)
class ThreadModeration:
    """The story's own moderation setting is one of ``modes``."""

    modes: frozenset[str]

    def test(self, ctx: EvalContext) -> Hit:
        mode = ctx.submission.thread_moderation
        return (f"thread {mode}",) if mode in self.modes else None


@dataclass(frozen=True)
class Banned:
    wanted: bool

    def test(self, ctx: EvalContext) -> Hit:
        reason = ctx.ban_reason()
        if self.wanted:
            return (reason,) if reason is not None else None
        return () if reason is None else None

    def questions(self) -> Questions:
        return Questions(ban=True)


@dataclass(frozen=True)
class Flood:
    """This comment makes more than ``more_than`` from the same IP or email in the window."""

    by: str  # "ip" | "author" (the site's author id, else the email)
    more_than: int
    within: timedelta

    def test(self, ctx: EvalContext) -> Hit:
        earlier = ctx.recent_count(self.by, self.within)
        return (f"{earlier + 1} comments",) if earlier + 1 > self.more_than else None

    def questions(self) -> Questions:
        return Questions(recent=frozenset({(self.by, self.within)}))


@dataclass(frozen=True)
class Duplicate:
    at_least: int
    within: timedelta

    def test(self, ctx: EvalContext) -> Hit:
        return () if ctx.duplicate_count(self.within) >= self.at_least else None

    def questions(self) -> Questions:
        return Questions(duplicate=frozenset({self.within}))


@dataclass(frozen=True)
class Language:
    """The body's language is (``inside``) or is not in ``languages``; unknown never matches."""

    languages: frozenset[str]
    inside: bool
    min_letters: int
    min_confidence: float
    identifier: Identifier

    def test(self, ctx: EvalContext) -> Hit:
        view = ctx.text("body")
        if view.letters < self.min_letters:
            return None
        if not ctx.language_known:
            ctx.language_known = True
            ctx.language = self.identifier.classify(view.raw)
        if ctx.language is None or ctx.language[1] < self.min_confidence:
            return None
        lang = ctx.language[0]
        return (lang,) if (lang in self.languages) == self.inside else None


@dataclass(frozen=True)
class Score:
    name: str
    bounds: Compare

    def test(self, ctx: EvalContext) -> Hit:
        value = ctx.scores.get(self.name)
        if not isinstance(value, int | float) or isinstance(value, bool):
            return None
        return (f"{self.name} {value:.2f}",) if self.bounds.ok(value) else None
