"""The ``tests:`` examples inside a policy file: parsing them and running them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from .facts import MemoryFacts
from .model import SUBMISSION_FIELDS, Action, AuthorRecord, Decision, Submission
from .parse_common import parse_duration
from .yamlsource import LineDict, LineList, Reporter, did_you_mean

if TYPE_CHECKING:
    from .policy import Policy

__all__ = ["Example", "ExampleResult", "parse_examples", "run_example"]

EXAMPLE_KEYS = ("name", "comment", "scores", "history", "recent", "duplicates", "banned",
                "expect", "rules")
DEFAULTS = {"thread": "example-thread", "name": "Example Reader",
            "email": "reader@example.org", "body": "", "ip": "192.0.2.10"}
FIXED_TIME = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Example:
    """One example: a comment, what the service would know, and the expected decision."""

    name: str
    file: str
    line: int
    submission: Submission
    scores: Mapping[str, float]
    expect: Action
    rules: frozenset[str] | None
    recent: Mapping[str, int] = field(default_factory=dict)
    duplicates: int = 0
    history: AuthorRecord = AuthorRecord()
    banned: str | None = None

    def facts(self) -> MemoryFacts:
        """Fresh in-memory facts for this example."""
        return MemoryFacts(recent=self.recent, duplicates=self.duplicates, history=self.history,
                           banned=self.banned)


@dataclass(frozen=True)
class ExampleResult:
    """Whether an example passed, and if not, why."""

    example: Example
    decision: Decision
    failure: str | None

    @property
    def passed(self) -> bool:
        """True when the decision was as expected."""
        return self.failure is None


def _counts(node: Any, line: int, rep: Reporter, what: str, keys: tuple[str, ...],
            also: tuple[str, ...] = ()) -> dict[str, int] | None:
    if not isinstance(node, LineDict):
        rep.add(line, f"{what} must be a mapping like {{{keys[0]}: 3}}")
        return None
    rep.check_keys(node, keys + also, what)
    out = {}
    for key in keys:
        value = node.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            rep.add(node.line_of(key), f"{what}.{key} must be a whole number")
            return None
        out[key] = value
    return out


HISTORY_COUNTS = ("approved", "rejected", "comments", "reports_upheld")


def _history(node: Any, line: int, rep: Reporter) -> AuthorRecord | None:
    """``history: {approved: 3, comments: 5, first_seen: 2d}``: the author's record, with
    ``first_seen`` how long before the example's comment the author was first seen."""
    counts = _counts(node, line, rep, "history", HISTORY_COUNTS, also=("first_seen",))
    if counts is None:
        return None
    first: timedelta | None = None
    if "first_seen" in node:
        first = parse_duration(node["first_seen"])
        if first is None:
            rep.add(node.line_of("first_seen"),
                    "history.first_seen must be a duration like 2d (how long ago)")
            return None
    return AuthorRecord(**counts, first_seen=FIXED_TIME - first if first is not None else None)


def _example(spec: Any, line: int, rep: Reporter, site: str, index: int) -> Example | None:
    if not isinstance(spec, LineDict):
        rep.add(line, "a test must be a mapping with comment: and expect:")
        return None
    rep.check_keys(spec, EXAMPLE_KEYS, "a test")
    ok = True
    comment = spec.get("comment")
    values: dict[str, Any] = dict(DEFAULTS)
    if not isinstance(comment, LineDict):
        rep.add(spec.line_of("comment"), "a test needs comment: {body: ...}")
        return None
    for key, value in comment.items():
        if key not in SUBMISSION_FIELDS:
            rep.add(comment.line_of(key), f'unknown comment field "{key}"'
                    f"{did_you_mean(key, SUBMISSION_FIELDS)}")
            ok = False
        elif key == "parent_id":
            values[key] = value
        else:
            values[key] = None if value is None else str(value)
    expect = spec.get("expect")
    if expect not in tuple(Action):
        rep.add(spec.line_of("expect"), f'expect must be approve, hold or reject, not "{expect}"')
        ok = False
    scores = spec.get("scores", LineDict())
    if not isinstance(scores, LineDict) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in scores.values()):
        rep.add(spec.line_of("scores"), "scores must map names to numbers, like {abuse: 0.7}")
        ok = False
    history = _history(spec.get("history", LineDict()), spec.line_of("history"), rep)
    recent = _counts(spec.get("recent", LineDict()), spec.line_of("recent"), rep, "recent",
                     ("ip", "email"))
    duplicates = spec.get("duplicates", 0)
    if not isinstance(duplicates, int) or isinstance(duplicates, bool) or duplicates < 0:
        rep.add(spec.line_of("duplicates"), "duplicates must be a whole number")
        ok = False
    banned = spec.get("banned")
    if banned is not None and not isinstance(banned, str):
        rep.add(spec.line_of("banned"), 'banned must be the ban\'s reason, like "spam"')
        ok = False
    rules = spec.get("rules")
    if rules is not None and not (isinstance(rules, LineList)
                                  and all(isinstance(r, str) for r in rules)):
        rep.add(spec.line_of("rules"), "rules must be a list of rule ids")
        ok = False
    if not ok or history is None or recent is None:
        return None
    return Example(
        name=str(spec.get("name") or f"test {index + 1}"), file=rep.file, line=spec.line,
        submission=Submission(site=site, submitted_at=FIXED_TIME, **values),
        scores=dict(scores), expect=Action(str(expect)),
        rules=frozenset(rules) if rules is not None else None,
        recent=recent, duplicates=duplicates, history=history, banned=banned)


def parse_examples(node: Any, line: int, rep: Reporter, site: str) -> list[Example]:
    """Parse a ``tests:`` list, reporting problems through ``rep``."""
    if not isinstance(node, LineList):
        rep.add(line, "tests must be a list of examples")
        return []
    examples = [_example(spec, node.line_of(i), rep, site, i) for i, spec in enumerate(node)]
    return [e for e in examples if e is not None]


def run_example(policy: Policy, example: Example) -> ExampleResult:
    """Evaluate ``example`` under ``policy`` and compare with what it expects."""
    decision = policy.evaluate(example.submission, example.scores, example.facts())
    got = set(decision.rule_ids)
    failure = None
    if decision.action != example.expect:
        failure = f"expected {example.expect}, got {decision.action}"
    elif example.rules is not None and got != example.rules:
        failure = f"expected rules {sorted(example.rules)}, got {sorted(got)}"
    if failure and decision.reasons:
        failure += " (" + "; ".join(
            f"{r.rule}: {r.action}" + (f" on {', '.join(r.matched)}" if r.matched else "")
            for r in decision.reasons) + ")"
    return ExampleResult(example, decision, failure)
