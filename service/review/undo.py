"""Undo: a moderator takes back their own latest decision, within ``UNDO_MINUTES``.

Like every change of the review workflow (``service.review.workflow``), a conditional
UPDATE, audited, with the event of what readers now see in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, select, update

from service.domain_errors import Conflict
from service.events.outbox import record_event
from service.extensions import db
from service.models import ApiKey, AuditEntry, Comment, Status, utcnow
from service.review.workflow import audit

# Decisions that undo takes back: the queue's, and the overrides of decided comments.
UNDOABLE = ("approve", "reject", "remove", "restore", "reopen")


def undo(comment: Comment, key: ApiKey) -> Comment:
    """Take back one's own latest decision within ``UNDO_MINUTES``: the comment is as it was
    before it (an approve or reject: waiting again; a removal: published again)."""
    now = utcnow()
    last = db.session.execute(
        select(AuditEntry).where(AuditEntry.comment_id == comment.id,
                                 AuditEntry.action.in_((*UNDOABLE, "undo")))
        .order_by(AuditEntry.id.desc()).limit(1)).scalar_one_or_none()
    window = timedelta(minutes=int(current_app.config["UNDO_MINUTES"]))
    if last is None or last.action == "undo" or last.key_id != key.id:
        raise Conflict("Only your own latest decision on this comment can be undone.",
                       kind="nothing-to-undo")
    if now - last.created_at > window:
        raise Conflict(f"The undo window of {window.seconds // 60} minutes has passed.",
                       kind="undo-window-passed")
    was_visible = comment.status == Status.PUBLISHED and not comment.hidden
    back_to = last.from_status or Status.PENDING.value
    previous = last.detail.get("previous") or {}
    decided_at = previous.get("decided_at")
    # Only what the decision itself did is taken back: a later decision by someone else
    # (decided_key_id) or one re-opened meanwhile (status) makes the undo a 409.
    decided_by_me = (Comment.decided_key_id.is_(None) if last.action == "reopen"
                     else Comment.decided_key_id == key.id)
    result = cast("CursorResult[Any]", db.session.execute(  # an UPDATE: a CursorResult
        update(Comment)
        .where(Comment.id == comment.id, Comment.status == last.to_status, decided_by_me)
        .values(status=back_to, decided_by=previous.get("decided_by"),
                decided_key_id=previous.get("decided_key_id"),
                decided_at=datetime.fromisoformat(decided_at) if decided_at else None,
                hidden=bool(previous.get("hidden")),
                reported=bool(last.detail.get("reported")),
                reasons=previous.get("reasons", comment.reasons))
        .execution_options(synchronize_session=False)))
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict("The comment changed since your decision; nothing was undone.",
                       kind="changed")
    db.session.refresh(comment)
    audit(comment, key, "undo", from_status=last.to_status, to_status=back_to,
          detail={"undid": last.id, "action": last.action}, now=now)
    visible = comment.status == Status.PUBLISHED and not comment.hidden
    if visible and not was_visible:
        record_event(comment, "comment.restored")
    elif was_visible and not visible:
        record_event(comment, "comment.hidden" if comment.status == Status.PENDING
                     else "comment.removed")
    elif not visible:  # still not shown, but no longer what the site was last told
        record_event(comment, {Status.PENDING: "comment.reopened",
                               Status.REJECTED: "comment.rejected"}.get(
                                   Status(comment.status), "comment.hidden"))
    db.session.commit()
    return comment
