"""The pipeline of one submission, as small typed steps that each run without HTTP.

=========  ===================================================================
resolve    the site's policy and model, looked up once (:class:`Resolved`)
validate   the fields against that policy (``service.intake.validation``)
recall     one read of the database: the policy's facts, the story's settings and, for
           a new comment on PostgreSQL, its id (``stored_facts.Recalled``)
admit      the story's own settings: a closed story refuses (:class:`Admitted`)
score      the classifier's scores and explanations (:class:`Scored`)
evaluate   the policy's rules, with the stored facts (:class:`Judged`)
route      where it goes: the status, and a story's own hold (:class:`Routed`)
store      the comment and its rows, one durable write (``service.intake.storing``)
=========  ===================================================================

:func:`decide` runs them from ``recall`` on for a new comment and answers a
:class:`Decided`; an edit (``service.intake.edits``) runs :func:`moderate` (``recall`` to
``route``) and updates the comment instead.  On PostgreSQL a new comment costs two round
trips: ``recall``'s read and ``store``'s write.  Every step after ``resolve`` takes the
:class:`Resolved` it was given, so a reload of the policy between two steps cannot
validate with one version and decide with another.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from flask import g

from policy_engine import Action, Decision, Questions, Reason, Submission, fingerprint
from service import metrics
from service.domain_errors import Refused
from service.i18n import N_, gettext, texts
from service.intake import storing
from service.intake.answers import STATUS_FOR, Decided
from service.intake.idempotency import Idempotency
from service.intake.qa_draw import draw
from service.intake.stored_facts import DatabaseFacts, Recalled
from service.intake.story import CLOSED_MESSAGE, Story, story_hold
from service.models import Comment, Status
from service.runtime import Runtime

if TYPE_CHECKING:
    from classifier import Model
    from policy_engine import Policy

FAILSAFE_VERSION = "unavailable"
FAILSAFE_MESSAGE = N_("Your comment will be reviewed before it appears.")
MAX_TERMS = 5


@dataclass(frozen=True)
class Resolved:
    """What a site's submissions are judged by, looked up once for one submission."""

    site: str
    policy: Policy | None
    model: Model | None

    @property
    def language(self) -> str:
        """The policy's language (English when no policy could be loaded)."""
        return self.policy.language if self.policy is not None else "en"


def resolve(runtime: Runtime, site: str) -> Resolved:
    """The site's current policy and model (each reloaded first if its files changed)."""
    return Resolved(site=site, policy=runtime.policy_for(site), model=runtime.model_for(site))


def recall(resolved: Resolved, submission: Submission, *, exclude_id: int | None = None,
           reserve_id: bool = False, by_verdict: bool = False) -> Recalled:
    """One round trip: the answers to the resolved policy's questions about the past (none
    when a verdict decides, or without a policy), the story's settings and, with
    ``reserve_id`` on PostgreSQL, the id the new comment will take.  ``exclude_id`` is a
    stored comment the facts leave out (the comment an edit replaces: it is not its own
    duplicate)."""
    policy = resolved.policy
    asked = policy.questions if policy is not None and not by_verdict else Questions()
    return DatabaseFacts(submission.site, exclude_id=exclude_id).recall(
        asked, submission, fingerprint(submission.body), reserve_id=reserve_id)


@dataclass(frozen=True)
class Admitted:
    submission: Submission  # with the story's own moderation as rules read it
    story: Story | None


def admit(submission: Submission, recalled: Recalled) -> Admitted:
    """The story's settings for ``submission``; a closed story refuses it (:class:`Refused`)."""
    story = recalled.story
    if story is not None and story.moderation == "closed":
        raise Refused(gettext(CLOSED_MESSAGE), kind="thread-closed",
                      extra={"thread": submission.thread})
    if story is not None and story.moderation != submission.thread_moderation:
        submission = replace(submission, thread_moderation=story.moderation)
    return Admitted(submission, story)


@dataclass(frozen=True)
class Scored:
    scores: dict[str, float]
    terms: dict[str, list[tuple[str, float]]]
    model_version: str


def score(resolved: Resolved, submission: Submission) -> Scored | None:
    """Classifier scores for the submission's body, or None when no model is loaded."""
    model = resolved.model
    if model is None:
        return None
    started = time.perf_counter()
    result = model.score(submission.body)
    metrics.CLASSIFIER_LATENCY.observe(time.perf_counter() - started)
    return Scored(
        scores={k: round(float(v), 6) for k, v in result.scores.items()},
        terms={k: [(t, round(float(w), 4)) for t, w in v[:MAX_TERMS]]
               for k, v in result.terms.items()},
        model_version=model.version,
    )


@dataclass(frozen=True)
class Judged:
    """The verdict on a submission: the policy's, the fail-safe's, or one given without
    the policy (``by_verdict``: a honeypot caught a bot)."""

    action: Action
    reasons: tuple[Reason, ...]
    decision: Decision | None = None
    by_verdict: bool = False

    @property
    def shadow(self) -> tuple[Reason, ...]:
        return self.decision.shadow if self.decision is not None else ()


def evaluate(resolved: Resolved, submission: Submission, scored: Scored | None,
             recalled: Recalled, *, verdict: Reason | None = None) -> Judged:
    """Apply the resolved policy to ``submission`` and its scores, with the facts
    ``recall`` read.

    ``verdict`` decides without the policy.  Without a policy or a model nothing is
    published: at least held (the fail-safe).
    """
    if verdict is not None:
        return Judged(verdict.action, (verdict,), by_verdict=True)
    policy = resolved.policy
    if policy is None:
        return _failsafe(None, _failsafe_reason(
            "policy-unavailable", "No valid policy is loaded; see /readyz.", "en"))
    decision = policy.evaluate(submission, scored.scores if scored else {}, recalled.facts)
    if scored is None:
        return _failsafe(decision, _failsafe_reason(
            "model-unavailable", "The classifier is not loaded; see /readyz.", policy.language))
    return Judged(decision.action, decision.reasons, decision)


@dataclass(frozen=True)
class Routed:
    action: Action
    status: Status
    reasons: tuple[Reason, ...]


def route(resolved: Resolved, admitted: Admitted, judged: Judged) -> Routed:
    """Where the judged submission goes: the story's own settings may hold what the
    policy would publish (never what a verdict decided)."""
    action, reasons = judged.action, judged.reasons
    story = admitted.story
    if story is not None and action is Action.APPROVE and not judged.by_verdict:
        held = story_hold(story, admitted.submission.body, resolved.language)
        if held is not None:
            action, reasons = Action.HOLD, (*reasons, held)
    return Routed(action, STATUS_FOR[action], reasons)


@dataclass(frozen=True)
class Moderated:
    """A submission through every step but ``store``: the row to store, and why."""

    row: storing.StoredRow
    routed: Routed
    judged: Judged
    qa_sample: float  # the policy's, 0 when the policy did not decide
    comment_id: int | None = None  # the id ``recall`` took for a new comment (PostgreSQL)

    @property
    def status(self) -> Status:
        return self.routed.status

    def count(self) -> None:
        """Count the decision in the metrics."""
        metrics.DECISIONS.labels(self.status.value).inc()
        for reason in self.routed.reasons:
            metrics.RULE_MATCHES.labels(reason.rule, str(reason.action)).inc()
        for reason in self.judged.shadow:
            metrics.SHADOW_MATCHES.labels(reason.rule, str(reason.action)).inc()


def moderate(resolved: Resolved, submission: Submission, *, verdict: Reason | None = None,
             exclude_id: int | None = None, reserve_id: bool = False) -> Moderated:
    """``recall``, ``admit``, ``score``, ``evaluate`` and ``route`` one submission."""
    recalled = recall(resolved, submission, exclude_id=exclude_id, reserve_id=reserve_id,
                      by_verdict=verdict is not None)
    admitted = admit(submission, recalled)
    submission = admitted.submission
    scored = score(resolved, submission)
    judged = evaluate(resolved, submission, scored, recalled, verdict=verdict)
    routed = route(resolved, admitted, judged)
    qa_rate = resolved.policy.qa_sample if resolved.policy is not None and not (
        judged.by_verdict) else 0.0
    row = stored_row(submission, scored, judged, routed, recalled.body_fingerprint)
    return Moderated(row=row, routed=routed,
                     judged=judged, qa_sample=qa_rate, comment_id=recalled.comment_id)


def decide(resolved: Resolved, submission: Submission, verdict: Reason | None = None,
           idempotency: Idempotency | None = None) -> Decided:
    """Run ``submission`` through the steps with the resolved policy and store it.

    ``verdict`` decides without the policy (a honeypot caught a bot); it is stored the same
    way.  ``idempotency`` (the request's ``Idempotency-Key``) is stored on the comment in
    the same insert.
    """
    storing.statement_at_a_time()
    moderated = moderate(resolved, submission, verdict=verdict, reserve_id=True)
    row = moderated.row
    if idempotency is not None:
        row = replace(row, idempotency_key=idempotency.scope,
                      request_hash=idempotency.request_hash)
    sampled = moderated.status is Status.PUBLISHED and draw(moderated.qa_sample)
    comment_id = storing.store(row, held=moderated.status is Status.PENDING, sampled=sampled,
                               comment_id=moderated.comment_id)
    moderated.count()
    # Said once, in the request's own log line (see service.app): one line per submission.
    g.log_extra = {"comment_id": comment_id, "site": submission.site,
                   "decision": moderated.status.value,
                   "rules": [r.rule for r in moderated.routed.reasons]}
    return Decided.of(comment_id, row)


def stored_row(submission: Submission, scored: Scored | None, judged: Judged,
               routed: Routed, body_fingerprint: str) -> storing.StoredRow:
    """The comment's columns for a submission through ``route`` (``body_fingerprint``: the
    one ``recall`` computed for the duplicate check)."""
    scores = scored.scores if scored else {}
    decision = judged.decision
    return storing.StoredRow(
        site=submission.site, thread=submission.thread, parent_id=submission.parent_id,
        author_name=submission.name, author_email=submission.email,
        author_id=submission.author_id, author_website=submission.website,
        body=submission.body, body_fingerprint=body_fingerprint,
        ip=submission.ip, user_agent=submission.user_agent, referrer=submission.referrer,
        status=routed.status.value, decided_action=routed.action.value,
        reasons=[_reason_record(r) for r in routed.reasons]
        + [{**_reason_record(r), "shadow": True} for r in judged.shadow],
        scores=scores,
        terms={k: [list(t) for t in v] for k, v in (scored.terms if scored else {}).items()},
        labels=list(decision.labels) if decision else [],
        rule_ids=" " + " ".join(r.rule for r in routed.reasons) + " ",
        risk=max(scores.values(), default=0.0),
        priority=decision.priority if decision else 0,
        policy_version=decision.policy_version if decision else FAILSAFE_VERSION,
        model_version=scored.model_version if scored else FAILSAFE_VERSION,
        created_at=submission.submitted_at,
    )


def stored_submission(comment: Comment) -> Submission:
    """The submission ``comment`` was stored from (for a backtest, or an edit to
    re-moderate with ``dataclasses.replace``)."""
    return Submission(
        site=comment.site, thread=comment.thread, name=comment.author_name,
        email=comment.author_email, body=comment.body, website=comment.author_website,
        parent_id=comment.parent_id, ip=comment.ip, user_agent=comment.user_agent,
        referrer=comment.referrer, submitted_at=comment.created_at,
        author_id=comment.author_id)


def _failsafe(decision: Decision | None, reason: Reason) -> Judged:
    """Never publish what was not fully checked: at least hold, keeping any harsher verdict."""
    if decision is None:
        return Judged(Action.HOLD, (reason,))
    action = decision.action if decision.action is Action.REJECT else Action.HOLD
    return Judged(action, (*decision.reasons, reason), decision)


def _failsafe_reason(rule: str, note: str, language: str) -> Reason:
    messages = texts(FAILSAFE_MESSAGE)
    return Reason(rule=rule, message=messages.get(language) or FAILSAFE_MESSAGE,
                  action=Action.HOLD, note=note, messages=messages)


def _reason_record(reason: Reason) -> dict:
    """A reason as stored: every translation of its message, so that the comment can be
    read back in any reader's language later (the policy may have changed by then, and the
    record says what the reader was told), and what only moderators see."""
    return {"rule": reason.rule, "message": reason.message,
            "messages": reason.messages.as_dict(), "action": str(reason.action),
            "note": reason.note, "labels": list(reason.labels), "matched": list(reason.matched)}
