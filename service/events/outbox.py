"""The outbox: events for the site, written in the same transaction as the change.

Every change to what readers see after the submission was answered (a held comment
approved or rejected, a published comment hidden, removed or restored, a decided comment
re-opened, an undo) adds one :class:`Event` row, plus one pending :class:`Delivery` per
active webhook endpoint of the site.  So does everything a moderator must be told of: a
comment held for review, reported by readers past the policy's threshold, or escalated.
The caller commits; if its transaction rolls back, the event never existed.
Webhook workers deliver the rows (at least once); ``GET /v1/events`` serves the same rows
to sites that poll.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from service.extensions import db
from service.models import Comment, Delivery, Event, WebhookEndpoint, utcnow
from service.reader_reasons import reader_reasons

EVENT_TYPES = ("comment.published", "comment.rejected", "comment.hidden", "comment.removed",
               "comment.restored", "comment.reopened", "comment.held", "comment.reported",
               "comment.escalated", "comment.edited", "comment.withdrawn")
# Events that something waits for a moderator (the chat notifier reads these too).
WAITING_EVENTS = ("comment.held", "comment.reported", "comment.escalated")


def comment_view(comment: Comment) -> dict[str, Any]:
    """What an event says about a comment: enough for the site to update its page."""
    return {
        "id": comment.id,
        "thread": comment.thread,
        "status": comment.status,
        "visible": comment.status == "published" and not comment.hidden,
        "reasons": reader_reasons(comment.status, comment.reasons, None),
        "decided_at": comment.decided_at.isoformat() if comment.decided_at else None,
    }


def held_view(comment_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """:func:`comment_view` of a comment just stored from ``values`` (no ORM object)."""
    return {"id": comment_id, "thread": values["thread"], "status": values["status"],
            "visible": False,
            "reasons": reader_reasons(values["status"], values["reasons"], None),
            "decided_at": None}


def record_event(comment: Comment, type_: str) -> Event:
    """Add an event about ``comment`` and its pending deliveries to the current session."""
    return add_event(comment.site, comment.id, comment_view(comment), type_)


def event_values(site: str, comment_id: int, view: dict[str, Any],
                 type_: str) -> dict[str, Any]:
    """The columns of a new event row about comment ``comment_id``, shown as ``view``."""
    if type_ not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type_!r}")
    now, uid = utcnow(), str(uuid.uuid4())
    return {"uid": uid, "site": site, "type": type_, "comment_id": comment_id,
            "created_at": now, "payload": {"id": uid, "type": type_, "site": site,
                                           "created_at": now.isoformat(), "comment": view}}


def add_event(site: str, comment_id: int, view: dict[str, Any], type_: str) -> Event:
    """Add an event with the comment as ``view`` shows it, and its pending deliveries."""
    event = Event(**event_values(site, comment_id, view, type_))
    db.session.add(event)
    db.session.flush()
    endpoints = db.session.execute(
        select(WebhookEndpoint.id).where(WebhookEndpoint.site == site,
                                         WebhookEndpoint.active.is_(True))).scalars()
    for endpoint_id in endpoints:
        db.session.add(Delivery(event_id=event.id, endpoint_id=endpoint_id,
                                next_attempt_at=event.created_at))
    return event
