"""A loaded policy and how it turns one submission into a decision.

The combination rule (also in docs/policies.md):

1. Every rule whose condition holds *matches*.  Every threshold whose score is at or above one of
   its levels *is crossed* at its most severe level.
2. Each matched rule's ``override`` list names what it lifts: ``classifier`` (every score
   threshold), ``score:NAME`` (one threshold), ``holds`` (every other rule whose action is hold)
   or a rule id (that rule, whatever its action; the only way to lift a reject).  The overrides
   of all matched rules apply together; a rule never lifts itself.
3. What is left contributes.  The decision is the most severe contributing action
   (reject > hold > approve); with no contribution it is approve.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .conditions import questions_of
from .context import EvalContext
from .facts import Facts, Questions
from .i18n import CATALOGUE, N_, SOURCE_LANGUAGE
from .model import (
    Action,
    Decision,
    FieldLimit,
    Problem,
    Reason,
    ReportRules,
    Submission,
    Texts,
)

__all__ = ["FieldRules", "Policy", "Rule", "CLASSIFIER", "HOLDS"]

CLASSIFIER = "classifier"
HOLDS = "holds"


@dataclass(frozen=True)
class Rule:
    """One compiled rule; ``file`` and ``line`` say where it was written.

    ``reason`` is the reader's text in the policy's language, ``reason_texts`` the same in
    every language the author wrote it in (``reason_line`` says where).
    """

    id: str
    condition: Any
    action: Action
    reason: str
    note: str | None = None
    labels: tuple[str, ...] = ()
    priority: int = 0
    override: frozenset[str] = frozenset()
    file: str = ""
    line: int = 0
    reason_texts: Texts = Texts()
    reason_line: int = 0
    #: "enforce", or "shadow": the rule is evaluated and its hits are recorded as what it
    #: would have done, but it decides nothing and lifts nothing.
    mode: str = "enforce"

    def reason_for(self, matched: tuple[str, ...]) -> Reason:
        """This rule's contribution, with what fired."""
        return Reason(self.id, self.reason, self.action, self.note, self.labels, matched,
                      self.priority, self.reason_texts)


@dataclass(frozen=True)
class FieldRules:
    """Which submission fields are required and how each is limited."""

    required: frozenset[str] = frozenset()
    limits: Mapping[str, FieldLimit] = field(default_factory=lambda: MappingProxyType({}))


def _fmt(x: float) -> str:
    return f"{round(float(x), 3):g}"


# The reader's texts of score thresholds; their translations are in locale/*/LC_MESSAGES.
_HOLD_MESSAGE = N_("Your comment will appear after a moderator has reviewed it.")
_REJECT_MESSAGE = N_(
    "Your comment was not published because it appears to break the Comment Policy.")
_REJECT_MESSAGES = {
    "abuse": N_("Your comment was not published: it appears to attack or insult others."),
    "spam": N_("Your comment was not published: it looks like advertising or spam."),
}


@dataclass(frozen=True)
class Policy:
    """A loaded, compiled policy.  ``evaluate`` does no I/O beyond the ``Facts`` it is given."""

    site: str
    version: str
    sources: tuple[Path, ...]
    fields: FieldRules
    thresholds: Mapping[str, Mapping[Action, float]]
    reasons: tuple[str, ...]
    reports: ReportRules
    rules: tuple[Rule, ...]
    examples: tuple[Any, ...] = ()
    #: The language of readers who ask for none the policy serves (``language:``).
    language: str = SOURCE_LANGUAGE
    #: The languages readers are answered in, ``language`` first (``languages:``).
    languages: tuple[str, ...] = (SOURCE_LANGUAGE,)
    #: What the author should fix although the policy works (reasons missing a language).
    warnings: tuple[Problem, ...] = ()
    #: How long a published comment stays up before it counts as approved (``trust:``).
    trust_settled: timedelta | None = None
    #: The share of published comments also put in the ``qa`` queue (``qa_sample:``).
    qa_sample: float = 0.0

    @cached_property
    def questions(self) -> Questions:
        """Every fact the rules may ask about (see :class:`Questions`), found once."""
        asked = _questions(rule.condition for rule in self.rules)
        return replace(asked, author_settled=self.trust_settled) if asked.author else asked

    def evaluate(self, submission: Submission, scores: Mapping[str, float],
                 facts: Facts) -> Decision:
        """Decide on ``submission`` given the classifier's ``scores`` and the service's ``facts``.

        Facts are asked lazily (only for rules that need them, each at most once).
        """
        ctx = EvalContext(submission, scores, facts)
        answer_all = getattr(facts, "answer_all", None)
        if answer_all is not None and self.questions:
            ctx.preload(self.questions, answer_all(self.questions, submission,
                                                   ctx.body_fingerprint()))
        matched: list[tuple[Rule, tuple[str, ...]]] = []
        shadow: list[Reason] = []
        for rule in self.rules:
            hit = rule.condition.test(ctx)
            if hit is None:
                continue
            if rule.mode == "shadow":
                shadow.append(rule.reason_for(hit))
            else:
                matched.append((rule, hit))
        lifts: list[tuple[str, str]] = [(r.id, target) for r, _ in matched for target in r.override]
        contributions: list[Reason] = []
        for rule, hit in matched:
            lifted = any(by != rule.id and (target == rule.id or (
                target == HOLDS and rule.action == Action.HOLD)) for by, target in lifts)
            if not lifted:
                contributions.append(rule.reason_for(hit))
        skip_all = any(target == CLASSIFIER for _, target in lifts)
        skipped = skip_all
        for name, levels in self.thresholds.items():
            if skip_all or any(t == f"score:{name}" for _, t in lifts):
                skipped = skipped or name in scores
                continue
            reason = self._threshold(name, levels, scores.get(name))
            if reason is not None:
                contributions.append(reason)
        contributions.sort(key=lambda r: -r.action.severity)  # stable: file order within a level
        action = contributions[0].action if contributions else Action.APPROVE
        labels = tuple(dict.fromkeys(label for r in contributions for label in r.labels))
        return Decision(
            action=action,
            reasons=tuple(contributions),
            priority=max((r.priority for r in contributions), default=0),
            labels=labels,
            policy_version=self.version,
            classifier_skipped=skipped,
            shadow=tuple(shadow),
        )

    def _threshold(self, name: str, levels: Mapping[Action, float],
                   score: object) -> Reason | None:
        if not isinstance(score, int | float) or isinstance(score, bool):
            return None
        for action in (Action.REJECT, Action.HOLD):
            limit = levels.get(action)
            if limit is not None and score >= limit:
                # The reader sees a plain sentence; the moderator sees the figures.
                note = (f"{name} score {_fmt(score)} is at or above the {action} "
                        f"threshold {_fmt(limit)}")
                message = (_HOLD_MESSAGE if action is Action.HOLD
                           else _REJECT_MESSAGES.get(name, _REJECT_MESSAGE))
                texts = CATALOGUE.texts(message)
                return Reason(f"score:{name}", texts.get(self.language) or message, action,
                              note, (f"score:{name}",), (f"{name} {_fmt(score)}",),
                              messages=texts)
        return None


def _questions(conditions: Any) -> Questions:
    asked = Questions()
    for condition in conditions:
        asked = asked.union(questions_of(condition))
    return asked
