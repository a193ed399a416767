"""Working the review queue: claims, decisions, escalation (undo: ``service.review.undo``).

Every change here is a conditional UPDATE (``... WHERE`` the row is still in the state we
read), so that two moderators acting at once cannot both win, on PostgreSQL or SQLite.
Each action adds an audit entry, and each change readers can see adds an outbox event, in
the same transaction as the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, or_, select, text, update
from sqlalchemy.sql.elements import ColumnElement

from service import metrics
from service.domain_errors import Conflict, DomainError
from service.errors import status_of
from service.events.outbox import record_event
from service.extensions import db
from service.i18n import N_, texts
from service.models import ApiKey, AuditEntry, Comment, Report, Role, Status, utcnow
from service.review.queues import claimable, is_waiting, waiting_for_review

ACTIONS = ("approve", "reject", "escalate")


@dataclass(frozen=True)
class Outcome:
    """One item's result in a bulk request."""

    id: int
    ok: bool
    status: int
    comment: Comment | None = None
    detail: str | None = None


def claim_is_free(key: ApiKey, now: datetime) -> ColumnElement[bool]:
    return or_(Comment.claim_key_id.is_(None), Comment.claim_expires_at <= now,
               Comment.claim_key_id == key.id)


def claim_minutes() -> int:
    return int(current_app.config["CLAIM_MINUTES"])


def audit(comment: Comment | None, key: ApiKey, action: str, *, note: str | None = None,
          from_status: str | None = None, to_status: str | None = None,
          detail: dict[str, Any] | None = None, now: datetime | None = None) -> AuditEntry:
    entry = AuditEntry(comment_id=comment.id if comment else None,
                       site=comment.site if comment else detail_site(key, detail),
                       action=action,
                       actor=key.actor, key_id=key.id, note=note, from_status=from_status,
                       to_status=to_status, detail=detail or {}, created_at=now or utcnow())
    db.session.add(entry)
    return entry


def commit_log_entry() -> None:
    """Commit a transaction that only adds a log entry (an item was viewed).

    The objects already read stay usable for the answer; on PostgreSQL the commit does not
    wait for the disk (a crash may lose the last few view entries, never a decision).
    """
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    db.session().expire_on_commit = False
    db.session.commit()


def detail_site(key: ApiKey, detail: dict[str, Any] | None) -> str | None:
    """The site an action not about one comment belongs to (a ban's), for scoped listings."""
    if detail and detail.get("site"):
        return str(detail["site"])
    return key.sites[0] if len(key.sites) == 1 else None


def _conflict(comment: Comment, key: ApiKey, now: datetime) -> Conflict:
    """The 409 for an item that is decided already or held by someone else."""
    db.session.rollback()
    db.session.refresh(comment)
    if comment.decided_by and not is_waiting(comment):
        decided_at = comment.decided_at
        assert decided_at is not None  # set and cleared together with decided_by
        return Conflict(f"Comment {comment.id} was already decided ({comment.status}) by "
                        f"{comment.decided_by} at {decided_at.isoformat()}; to change it, "
                        "remove, restore or reopen it.",
                        kind="already-decided",
                        extra={"current_status": comment.status,
                               "decided_by": comment.decided_by,
                               "decided_at": decided_at.isoformat()})
    if not is_waiting(comment):
        return Conflict(f"Comment {comment.id} is {comment.status} and not waiting for "
                        "review; to change it, remove, restore or reopen it.",
                        kind="not-in-queue",
                        extra={"current_status": comment.status, "decided_by": None,
                               "decided_at": None})
    if comment.escalated and Role(key.role) is not Role.ADMIN:
        return Conflict(f"Comment {comment.id} was escalated to an admin.",
                        kind="escalated", extra={"current_status": comment.status})
    expires = comment.claim_expires_at
    if expires is None:
        # Nobody holds it now: the claim was given up (or the item decided and undone) between
        # the failed update and this read.  The caller may simply try again.
        return Conflict(f"Comment {comment.id} changed while you acted on it; try again.",
                        kind="changed", extra={"current_status": comment.status})
    return Conflict(f"Comment {comment.id} is claimed by {comment.claimed_by} until "
                    f"{expires.isoformat()}.", kind="claimed",
                    extra={"claimed_by": comment.claimed_by,
                           "claim_expires_at": expires.isoformat(),
                           "current_status": comment.status})


def may_touch(key: ApiKey) -> ColumnElement[bool]:
    """Moderators leave escalated items to admins."""
    if Role(key.role) is Role.ADMIN:
        return Comment.id.is_not(None)
    return Comment.escalated.is_(False)


# -- claims ---------------------------------------------------------------------------------

def claim(comment: Comment, key: ApiKey) -> Comment:
    """Claim one item for ``CLAIM_MINUTES`` (renews one's own claim); 409 if another holds it."""
    now = utcnow()
    expires = now + timedelta(minutes=claim_minutes())
    result = cast("CursorResult[Any]", db.session.execute(  # an UPDATE: a CursorResult
        update(Comment)
        .where(Comment.id == comment.id, waiting_for_review(), claim_is_free(key, now),
               may_touch(key))
        .values(claimed_by=key.actor, claim_key_id=key.id, claim_expires_at=expires)
        .execution_options(synchronize_session=False)))
    if result.rowcount != 1:
        raise _conflict(comment, key, now)
    audit(comment, key, "claim", detail={"until": expires.isoformat()}, now=now)
    db.session.commit()
    db.session.refresh(comment)
    return comment


def release(comment: Comment, key: ApiKey) -> Comment:
    """Give back one's own claim."""
    result = cast("CursorResult[Any]", db.session.execute(  # an UPDATE: a CursorResult
        update(Comment).where(Comment.id == comment.id, Comment.claim_key_id == key.id)
        .values(claimed_by=None, claim_key_id=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)))
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict(f"You do not hold a claim on comment {comment.id}.",
                       kind="not-claimed")
    audit(comment, key, "release")
    db.session.commit()
    db.session.refresh(comment)
    return comment


def claim_next(key: ApiKey, count: int, filters: list[ColumnElement[bool]]) -> list[Comment]:
    """Claim up to ``count`` unclaimed held items, highest score first.

    On PostgreSQL the candidates are locked with ``FOR UPDATE SKIP LOCKED``, so concurrent
    callers take different rows without waiting.  The claim itself is a conditional UPDATE,
    which keeps SQLite (no row locks) from handing one out twice.
    """
    now = utcnow()
    expires = now + timedelta(minutes=claim_minutes())
    free = or_(Comment.claim_key_id.is_(None), Comment.claim_expires_at <= now)
    stmt = (select(Comment.id).where(claimable(Role(key.role)), free, *filters)
            .order_by(Comment.risk.desc(), Comment.id).limit(count))
    if db.engine.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    ids = list(db.session.execute(stmt).scalars())
    if not ids:
        db.session.rollback()
        return []
    claimed = db.session.execute(
        update(Comment).where(Comment.id.in_(ids), free)
        .values(claimed_by=key.actor, claim_key_id=key.id, claim_expires_at=expires)
        .returning(Comment).execution_options(populate_existing=True)).scalars().all()
    for comment in claimed:
        db.session.add(AuditEntry(comment_id=comment.id, site=comment.site, action="claim",
                                  actor=key.actor, key_id=key.id, created_at=now,
                                  detail={"until": expires.isoformat()}))
    db.session().expire_on_commit = False  # the claimed rows are the answer: no reload
    db.session.commit()
    return sorted(claimed, key=lambda c: (-c.risk, c.id))


# -- decisions ------------------------------------------------------------------------------

def decide(comment: Comment, key: ApiKey, action: str, note: str | None = None,
           reason: str | None = None, commit: bool = True) -> Comment:
    """Approve, reject or escalate an item waiting for review."""
    if action not in ACTIONS:
        raise ValueError(action)
    now = utcnow()
    from_status = comment.status
    was_visible = comment.status == Status.PUBLISHED and not comment.hidden
    reported = comment.status == Status.PUBLISHED
    previous = previous_decision(comment)
    values: dict[str, Any]
    if action == "escalate":
        values = {"escalated": True, "claimed_by": None, "claim_key_id": None,
                  "claim_expires_at": None}
    else:
        to_status = Status.PUBLISHED if action == "approve" else Status.REJECTED
        values = {"status": to_status.value, "decided_at": now, "decided_by": key.actor,
                  "decided_key_id": key.id, "claimed_by": None, "claim_key_id": None,
                  "claim_expires_at": None, "escalated": False, "hidden": False,
                  "open_reports": 0, "report_weight": 0.0, "reported": False,
                  "reasons": with_moderator_reason(comment, to_status, reason)}
    result = cast("CursorResult[Any]", db.session.execute(  # an UPDATE: a CursorResult
        update(Comment)
        .where(Comment.id == comment.id, Comment.status == from_status, waiting_for_review(),
               claim_is_free(key, now), may_touch(key))
        .values(**values).execution_options(synchronize_session=False)))
    if result.rowcount != 1:
        raise _conflict(comment, key, now)
    db.session.refresh(comment)
    detail: dict[str, Any] = {"reported": reported, "previous": previous}
    if reason:
        detail["reason"] = reason
    audit(comment, key, action, note=note, from_status=from_status, to_status=comment.status,
          detail=detail, now=now)
    if action == "escalate":
        record_event(comment, "comment.escalated")  # an admin must look at it
    else:
        close_reports(comment, "kept" if action == "approve" else "removed", now)
        _announce(comment, was_visible)
    if commit:
        db.session.commit()
        metrics.REVIEW_DECISIONS.labels(action).inc()
    return comment


MODERATOR_RULE = "moderator"
# What a reader is told of a comment a moderator rejected or removed without saying why.
MODERATOR_REJECTED = N_("A moderator decided not to publish this comment.")


def with_moderator_reason(comment: Comment, status: Status,
                          reason: str | None) -> list[dict[str, Any]]:
    """The comment's reasons after a moderator's decision: a rejection or removal adds the
    moderator's reason (what the reader is told, in the reader's words when it is one of
    the service's messages); a new decision replaces an earlier moderator's reason."""
    kept = [r for r in comment.reasons if r.get("rule") != MODERATOR_RULE]
    if status is not Status.REJECTED:
        return kept
    messages: dict[str, str] = texts(MODERATOR_REJECTED).as_dict() if not reason else {}
    return [*kept, {"rule": MODERATOR_RULE, "message": reason or MODERATOR_REJECTED,
                    "messages": messages, "action": "reject", "note": None, "labels": [],
                    "matched": []}]


def close_reports(comment: Comment, resolution: str, now: datetime) -> None:
    db.session.execute(update(Report).where(Report.comment_id == comment.id,
                                            Report.closed_at.is_(None))
                       .values(closed_at=now, resolution=resolution)
                       .execution_options(synchronize_session=False))


def _announce(comment: Comment, was_visible: bool) -> None:
    """Add the outbox event for a change in what readers see (none if nothing changed)."""
    visible = comment.status == Status.PUBLISHED and not comment.hidden
    if visible and not was_visible:
        record_event(comment, "comment.published")
    elif was_visible and not visible:
        record_event(comment, "comment.removed" if comment.status == Status.REJECTED
                     else "comment.hidden")
    elif comment.status == Status.REJECTED and not was_visible:
        record_event(comment, "comment.rejected")


def previous_decision(comment: Comment) -> dict[str, Any]:
    """The decision a new one replaces, kept in the new one's audit entry (and for undo)."""
    return {"status": comment.status, "decided_by": comment.decided_by,
            "decided_key_id": comment.decided_key_id,
            "decided_at": comment.decided_at.isoformat() if comment.decided_at else None,
            "hidden": comment.hidden, "reasons": comment.reasons}


def bulk_decide(ids: list[int], key: ApiKey, action: str, note: str | None,
                reason: str | None, load: Any) -> list[Outcome]:
    """Decide each item on its own: one item's conflict does not stop the others."""
    outcomes = []
    for comment_id in ids:
        try:
            comment = load(comment_id)
            decide(comment, key, action, note=note, reason=reason)
            outcomes.append(Outcome(comment_id, True, 200, comment=comment))
        except DomainError as err:
            db.session.rollback()
            outcomes.append(Outcome(comment_id, False, status_of(err), detail=err.detail))
    return outcomes
