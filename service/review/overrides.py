"""Any comment, any time: take down a published comment, restore a removed or rejected one,
re-open a decided one for review, or confirm the policy's decision as a human one.

The queue's decisions (``service.review.workflow``) act on what waits for review; these act on what
was decided, by the policy or by a moderator, so that a false rejection can be published
and a legal takedown done.  Like decisions, each is a conditional UPDATE (the comment is
still in the state we read, nobody else holds a claim on it, an escalated item is left to
admins), adds an audit entry that keeps the decision it replaces (``detail.previous``), and
adds the site's event in the same transaction.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, and_, update
from sqlalchemy.sql.elements import ColumnElement

from service import metrics
from service.domain_errors import Conflict
from service.events.outbox import record_event
from service.extensions import db
from service.models import ApiKey, Comment, Role, Status, utcnow
from service.review.workflow import (
    audit,
    claim_is_free,
    close_reports,
    may_touch,
    previous_decision,
    with_moderator_reason,
)

OVERRIDES = ("remove", "restore", "reopen")
# What each override needs the comment to be, and what it makes of it.
NEEDS = {"remove": (Status.PUBLISHED,), "restore": (Status.REJECTED,),
         "reopen": (Status.PUBLISHED, Status.REJECTED)}
BECOMES = {"remove": Status.REJECTED, "restore": Status.PUBLISHED, "reopen": Status.PENDING}
EVENT = {"remove": "comment.removed", "restore": "comment.restored",
         "reopen": "comment.reopened"}
CLEARED = {"claimed_by": None, "claim_key_id": None, "claim_expires_at": None,
           "escalated": False, "hidden": False, "reported": False, "open_reports": 0,
           "report_weight": 0.0}


def _state_condition(action: str, from_status: str) -> ColumnElement[bool]:
    """Still in the state read; a reported comment already waits, so it is not re-opened."""
    condition = Comment.status == from_status
    if action == "reopen":
        condition = and_(condition, Comment.reported.is_(False))
    return condition


def override(comment: Comment, key: ApiKey, action: str, note: str | None = None,
             reason: str | None = None) -> Comment:
    """Remove, restore or re-open ``comment`` (see the module's docstring); 409 if it is not
    in a state the action applies to, another moderator holds it, or it waits for an admin."""
    if action not in OVERRIDES:
        raise ValueError(action)
    from_status = comment.status
    if from_status not in NEEDS[action] or (action == "reopen" and comment.reported):
        wanted = " or ".join(NEEDS[action])
        why = ("it waits for review already" if comment.reported or
               from_status == Status.PENDING else f"it is {from_status}")
        raise Conflict(f"Comment {comment.id} cannot be {_past(action)}: {why}; "
                       f"only {wanted} comments can.", kind="wrong-status",
                       extra={"current_status": from_status})
    now = utcnow()
    previous = previous_decision(comment)
    was_visible = comment.status == Status.PUBLISHED and not comment.hidden
    to_status = BECOMES[action]
    decided: dict[str, Any] = (
        {"decided_at": None, "decided_by": None, "decided_key_id": None}
        if to_status is Status.PENDING else
        {"decided_at": now, "decided_by": key.actor, "decided_key_id": key.id})
    result = cast("CursorResult[Any]", db.session.execute(  # an UPDATE: a CursorResult
        update(Comment)
        .where(Comment.id == comment.id, _state_condition(action, from_status),
               claim_is_free(key, now), may_touch(key))
        .values(status=to_status.value, **decided, **CLEARED,
                reasons=with_moderator_reason(comment, to_status, reason))
        .execution_options(synchronize_session=False)))
    if result.rowcount != 1:
        raise _conflict(comment, key, now)
    db.session.refresh(comment)
    detail: dict[str, Any] = {"previous": previous, "was_visible": was_visible}
    if reason:
        detail["reason"] = reason
    audit(comment, key, action, note=note, from_status=from_status, to_status=to_status.value,
          detail=detail, now=now)
    close_reports(comment, "removed" if action == "remove" else "kept", now)
    record_event(comment, EVENT[action])
    db.session.commit()
    metrics.REVIEW_DECISIONS.labels(action).inc()
    return comment


CONFIRMS = {"approve": Status.PUBLISHED, "reject": Status.REJECTED}


def confirm(comment: Comment, key: ApiKey, action: str, note: str | None = None,
            reason: str | None = None) -> Comment:
    """Make the policy's decision on ``comment`` a human one: ``approve`` a published comment
    or ``reject`` a rejected one, as ``key``.  Readers see no change, so no event; the audit
    entry and ``decided_by`` make it a moderator's decision (``model train
    --from-decisions`` learns from it).  A site reporting ham or spam through the Akismet
    endpoints about a comment the policy had already decided that way does this.  409 if
    the comment is not in that state, waits for review, or another moderator holds it."""
    wanted = CONFIRMS[action]
    if comment.status != wanted or comment.reported:
        raise Conflict(f"Comment {comment.id} is {comment.status}"
                       f"{' and waits for review' if comment.reported else ''}; only a "
                       f"{wanted} comment that waits for nobody can be confirmed.",
                       kind="wrong-status", extra={"current_status": comment.status})
    now = utcnow()
    previous = previous_decision(comment)
    result = cast("CursorResult[Any]", db.session.execute(  # an UPDATE: a CursorResult
        update(Comment)
        .where(Comment.id == comment.id, Comment.status == wanted,
               Comment.reported.is_(False), claim_is_free(key, now), may_touch(key))
        .values(decided_at=now, decided_by=key.actor, decided_key_id=key.id,
                claimed_by=None, claim_key_id=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)))
    if result.rowcount != 1:
        raise _conflict(comment, key, now)
    db.session.refresh(comment)
    detail: dict[str, Any] = {"previous": previous, "confirmed": True, "reported": False}
    if reason:
        detail["reason"] = reason
    audit(comment, key, action, note=note, from_status=wanted.value, to_status=wanted.value,
          detail=detail, now=now)
    db.session.commit()
    metrics.REVIEW_DECISIONS.labels(action).inc()
    return comment


def _past(action: str) -> str:
    return {"remove": "removed", "restore": "restored", "reopen": "re-opened"}[action]


def _conflict(comment: Comment, key: ApiKey, now: Any) -> Conflict:  # noqa: ANN401
    """The 409 for an override whose conditional update matched nothing."""
    db.session.rollback()
    db.session.refresh(comment)
    if comment.escalated and Role(key.role) is not Role.ADMIN:
        return Conflict(f"Comment {comment.id} was escalated to an admin.",
                        kind="escalated", extra={"current_status": comment.status})
    expires = comment.claim_expires_at
    if comment.claim_key_id not in (None, key.id) and expires is not None and expires > now:
        return Conflict(f"Comment {comment.id} is claimed by {comment.claimed_by} until "
                        f"{expires.isoformat()}.", kind="claimed",
                        extra={"claimed_by": comment.claimed_by,
                               "claim_expires_at": expires.isoformat(),
                               "current_status": comment.status})
    return Conflict(f"Comment {comment.id} changed while you acted on it; look again.",
                    kind="changed", extra={"current_status": comment.status})
