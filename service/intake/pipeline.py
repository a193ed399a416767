"""The pipeline of one submission: score, apply the policy, decide, store.

Validation happens before (in the view, with the policy's schema); this module takes a
validated :class:`policy_engine.Submission` and returns the stored :class:`Comment`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

from flask import g
from sqlalchemy import bindparam, insert, literal, select

from policy_engine import Action, Decision, Reason, Submission, fingerprint
from service import metrics
from service.errors import ApiError
from service.events.outbox import add_event, held_view
from service.extensions import db
from service.i18n import N_, gettext, texts
from service.intake import threads
from service.intake.idempotency import Idempotency
from service.intake.stored_facts import DatabaseFacts
from service.models import AuditEntry, Comment, QaSample, Status, ThreadSetting
from service.reader_reasons import reader_reasons
from service.review import qa
from service.runtime import Runtime

# Built once: the statements are the same for every submission, only the values change.
COMMENTS, AUDIT = Comment.__table__, AuditEntry.__table__
INSERT_COMMENT = insert(COMMENTS).returning(COMMENTS.c.id)
INSERT_SUBMITTED = insert(AUDIT)
# PostgreSQL takes both rows in one statement (an INSERT in a WITH clause): one round trip.
COMMENT_FIELDS = ("site", "thread", "parent_id", "author_name", "author_email", "author_id",
                  "author_website", "body", "body_fingerprint", "ip", "user_agent", "referrer",
                  "status",
                  "decided_action", "reasons", "scores", "terms", "labels", "rule_ids", "risk",
                  "priority", "policy_version", "model_version", "created_at",
                  "idempotency_key", "request_hash")
_stored = insert(COMMENTS).values(
    {name: bindparam(name, type_=COMMENTS.c[name].type) for name in COMMENT_FIELDS}
).returning(COMMENTS.c.id, COMMENTS.c.site, COMMENTS.c.status,
                                     COMMENTS.c.created_at).cte("stored")
INSERT_BOTH = insert(AUDIT).from_select(
    ["comment_id", "action", "actor", "site", "to_status", "detail", "created_at"],
    select(_stored.c.id, literal("submitted"), literal("policy"), _stored.c.site,
           _stored.c.status, literal({}, AUDIT.c.detail.type), _stored.c.created_at),
).returning(AUDIT.c.comment_id)
STATUS_FOR = {Action.APPROVE: Status.PUBLISHED, Action.HOLD: Status.PENDING,
              Action.REJECT: Status.REJECTED}
FAILSAFE_VERSION = "unavailable"
FAILSAFE_MESSAGE = N_("Your comment will be reviewed before it appears.")
PRE_MESSAGE = N_("Comments on this article are reviewed before they appear.")
LINKS_MESSAGE = N_("Comments with links on this article are reviewed before they appear.")
CLOSED_MESSAGE = N_("Comments on this article are closed.")
MAX_TERMS = 5


@dataclass(frozen=True)
class Scored:
    scores: dict[str, float]
    terms: dict[str, list[tuple[str, float]]]
    model_version: str


def score(runtime: Runtime, text: str, site: str = "") -> Scored | None:
    """Classifier scores for ``text`` by the site's model, or None when no model is loaded."""
    model = runtime.model_for(site)
    if model is None:
        return None
    started = time.perf_counter()
    result = model.score(text)
    metrics.CLASSIFIER_LATENCY.observe(time.perf_counter() - started)
    return Scored(
        scores={k: round(float(v), 6) for k, v in result.scores.items()},
        terms={k: [(t, round(float(w), 4)) for t, w in v[:MAX_TERMS]]
               for k, v in result.terms.items()},
        model_version=model.version,
    )


def _failsafe(decision: Decision | None, reason: Reason) -> tuple[Action, tuple[Reason, ...]]:
    """Never publish what was not fully checked: at least hold, keeping any harsher verdict."""
    if decision is None:
        return Action.HOLD, (reason,)
    action = decision.action if decision.action is Action.REJECT else Action.HOLD
    return action, (*decision.reasons, reason)


@dataclass
class Evaluated:
    """A submission's decision as it is stored (``values``, the comment's columns), before
    it is: for a new comment (:func:`decide`) or an edited one (``service.intake.edits``)."""

    values: dict[str, Any]
    status: Status
    reasons: tuple[Reason, ...]
    shadow: tuple[Reason, ...]
    qa_sample: float  # the policy's, 0 when the policy did not decide

    def count(self) -> None:
        """Count the decision in the metrics."""
        metrics.DECISIONS.labels(self.status.value).inc()
        for reason in self.reasons:
            metrics.RULE_MATCHES.labels(reason.rule, str(reason.action)).inc()
        for reason in self.shadow:
            metrics.SHADOW_MATCHES.labels(reason.rule, str(reason.action)).inc()


# The columns a decision sets (an edit replaces these, and the body).
STORED_DECISION = ("status", "decided_action", "reasons", "scores", "terms", "labels",
                   "rule_ids", "risk", "priority", "policy_version", "model_version",
                   "body_fingerprint")


def evaluate(runtime: Runtime, submission: Submission, verdict: Reason | None = None,
             exclude_id: int | None = None) -> Evaluated:
    """Score ``submission``, apply the site's policy and the story's settings.

    ``verdict`` decides without the policy (a honeypot caught a bot).  ``exclude_id`` is a
    stored comment the policy's facts leave out (the comment an edit replaces: it is not
    its own duplicate).  A closed story refuses with a 403.
    """
    story = threads.settings_of(submission.site, submission.thread)
    if story is not None and story.moderation == "closed":
        raise ApiError(403, gettext(CLOSED_MESSAGE), kind="thread-closed",
                       extra={"thread": submission.thread})
    if story is not None and story.moderation != submission.thread_moderation:
        submission = replace(submission, thread_moderation=story.moderation)
    scored = score(runtime, submission.body, submission.site)
    policy = runtime.policy_for(submission.site)
    facts = DatabaseFacts(submission.site, exclude_id=exclude_id)
    decision = None
    if policy is not None and verdict is None:
        decision = policy.evaluate(submission, scored.scores if scored else {}, facts)
    reasons: tuple[Reason, ...]
    if verdict is not None:
        action, reasons = verdict.action, (verdict,)
    elif policy is None:
        action, reasons = _failsafe(None, _failsafe_reason(
            "policy-unavailable", "No valid policy is loaded; see /readyz.", "en"))
    elif scored is None:
        action, reasons = _failsafe(decision, _failsafe_reason(
            "model-unavailable", "The classifier is not loaded; see /readyz.", policy.language))
    else:
        assert decision is not None  # a policy and no verdict: evaluated above
        action, reasons = decision.action, decision.reasons
    if story is not None and action is Action.APPROVE and verdict is None:
        story_reason = _story_reason(story, submission.body,
                                     policy.language if policy is not None else "en")
        if story_reason is not None:
            action, reasons = Action.HOLD, (*reasons, story_reason)

    scores = scored.scores if scored else {}
    shadow = decision.shadow if decision is not None and verdict is None else ()
    status = STATUS_FOR[action]
    values = {
        "site": submission.site, "thread": submission.thread, "parent_id": submission.parent_id,
        "author_name": submission.name, "author_email": submission.email,
        "author_id": submission.author_id, "author_website": submission.website,
        "body": submission.body,
        "body_fingerprint": fingerprint(submission.body), "ip": submission.ip,
        "user_agent": submission.user_agent, "referrer": submission.referrer,
        "status": status.value, "decided_action": action.value,
        "reasons": [_reason_record(r) for r in reasons]
        + [{**_reason_record(r), "shadow": True} for r in shadow],
        "scores": scores,
        "terms": {k: [list(t) for t in v] for k, v in (scored.terms if scored else {}).items()},
        "labels": list(decision.labels) if decision else [],
        "rule_ids": " " + " ".join(r.rule for r in reasons) + " ",
        "risk": max(scores.values(), default=0.0),
        "priority": decision.priority if decision else 0,
        "policy_version": decision.policy_version if decision else FAILSAFE_VERSION,
        "model_version": scored.model_version if scored else FAILSAFE_VERSION,
        "created_at": submission.submitted_at,
    }
    qa_rate = policy.qa_sample if policy is not None and verdict is None else 0.0
    return Evaluated(values=values, status=status, reasons=reasons, shadow=shadow,
                     qa_sample=qa_rate)


def decide(runtime: Runtime, submission: Submission,
           verdict: Reason | None = None, idempotency: Idempotency | None = None) -> Decided:
    """Run ``submission`` through the classifier and the site's policy and store the result.

    ``verdict`` decides without the policy (a honeypot caught a bot); it is stored the same way.
    ``idempotency`` (the request's ``Idempotency-Key``) is stored on the comment in the same
    insert.
    """
    _statement_at_a_time()
    decided = evaluate(runtime, submission, verdict)
    values = decided.values
    values["idempotency_key"] = idempotency.scope if idempotency else None
    values["request_hash"] = idempotency.request_hash if idempotency else None
    sampled = decided.status is Status.PUBLISHED and qa.draw(decided.qa_sample)
    comment_id = _store(values, held=decided.status is Status.PENDING, sampled=sampled)
    decided.count()
    # Said once, in the request's own log line (see service.app): one line per submission.
    g.log_extra = {"comment_id": comment_id, "site": submission.site,
                   "decision": decided.status.value, "rules": [r.rule for r in decided.reasons]}
    return Decided.of(comment_id, values)


def stored_submission(comment: Comment) -> Submission:
    """The submission ``comment`` was stored from (for a backtest, or an edit to
    re-moderate with ``dataclasses.replace``)."""
    return Submission(
        site=comment.site, thread=comment.thread, name=comment.author_name,
        email=comment.author_email, body=comment.body, website=comment.author_website,
        parent_id=comment.parent_id, ip=comment.ip, user_agent=comment.user_agent,
        referrer=comment.referrer, submitted_at=comment.created_at,
        author_id=comment.author_id)


def _story_reason(story: ThreadSetting, body: str, language: str) -> Reason | None:
    """Why this story's own settings hold a comment the policy would publish, if they do."""
    if story.moderation == "pre":
        rule, message, note = ("thread:pre", PRE_MESSAGE,
                               "The story is pre-moderated (PUT /v1/threads/.../settings).")
    elif story.links == "hold" and threads.has_link(body):
        rule, message, note = ("thread:links", LINKS_MESSAGE,
                               "The story holds comments with links.")
    else:
        return None
    messages = texts(message)
    return Reason(rule=rule, message=messages.get(language) or message, action=Action.HOLD,
                  note=note, messages=messages)


def _failsafe_reason(rule: str, note: str, language: str) -> Reason:
    messages = texts(FAILSAFE_MESSAGE)
    return Reason(rule=rule, message=messages.get(language) or FAILSAFE_MESSAGE,
                  action=Action.HOLD, note=note, messages=messages)


def _statement_at_a_time() -> None:
    """On PostgreSQL, run this submission's two statements (the facts, then the insert of
    both rows) each as its own transaction: no BEGIN and COMMIT round trips.  That is safe
    because the insert is one statement, so atomic and durable when it returns, and the
    facts are a read.  Not when the request has already begun a transaction (a reply's
    parent was looked up, or a key was read): that one is kept and committed as usual."""
    session = db.session()
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _store(values: dict, held: bool = False, sampled: bool = False) -> int:
    """Insert the comment and its "submitted" audit row, and commit: the answer goes out
    only once both are durable.  Core inserts: the ORM's unit of work costs more than the
    two statements themselves on this, the busiest path.

    A ``held`` comment also gets its ``comment.held`` event (moderators are told through
    the outbox), in the same transaction: on PostgreSQL the statement-at-a-time mode of the
    reads is ended first, so that the comment and its event commit together or not at all.
    A ``sampled`` one (drawn for the QA sample) gets its ``qa_samples`` row the same way.
    """
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if (held or sampled) and postgres:
        db.session.commit()  # ends the autocommit reads; what follows is one transaction
    if postgres:
        comment_id = db.session.execute(INSERT_BOTH, values).scalar_one()
    else:
        comment_id = db.session.execute(INSERT_COMMENT, values).scalar_one()
        db.session.execute(INSERT_SUBMITTED, {
            "comment_id": comment_id, "action": "submitted", "actor": "policy",
            "site": values["site"], "to_status": values["status"],
            "created_at": values["created_at"]})
    if held:
        add_event(values["site"], comment_id, held_view(comment_id, values), "comment.held")
    if sampled:
        db.session.execute(insert(QaSample.__table__).values(
            comment_id=comment_id, site=values["site"], sampled_at=values["created_at"]))
    db.session.commit()
    return comment_id


@dataclass(frozen=True)
class Decided:
    """The stored comment as its submitter's answer shows it (``DecisionSchema``)."""

    id: int
    site: str
    thread: str
    status: str
    reasons: list[dict]
    scores: dict[str, float]
    policy_version: str
    model_version: str
    created_at: datetime

    @classmethod
    def of(cls, comment_id: int, values: dict[str, Any]) -> Decided:
        return cls(id=comment_id, **{f.name: values[f.name] for f in fields(cls)
                                     if f.name != "id"})

    @classmethod
    def first_answer(cls, comment: Comment) -> Decided:
        """What the request that stored ``comment`` was answered (a retry gets it again)."""
        return cls(id=comment.id, site=comment.site, thread=comment.thread,
                   status=STATUS_FOR[Action(comment.decided_action)].value,
                   reasons=list(comment.reasons), scores=dict(comment.scores),
                   policy_version=comment.policy_version, model_version=comment.model_version,
                   created_at=comment.created_at)

    def for_reader(self, language: str) -> Decided:
        """The answer as the reader sees it: see :func:`reader_reasons`."""
        return replace(self, reasons=reader_reasons(self.status, self.reasons, language))


def _reason_record(reason: Reason) -> dict:
    """A reason as stored: every translation of its message, so that the comment can be
    read back in any reader's language later (the policy may have changed by then, and the
    record says what the reader was told), and what only moderators see."""
    return {"rule": reason.rule, "message": reason.message,
            "messages": reason.messages.as_dict(), "action": str(reason.action),
            "note": reason.note, "labels": list(reason.labels), "matched": list(reason.matched)}
