"""The review queues, by name: the one registry of what each queue holds.

A queue is a condition on comments.  The review API's ``queue`` parameter, the moderator
page's tabs, ``/v1/review/stats``, the queue metrics and the chat notifier all read
:data:`QUEUES`; the workflow's "still waiting?" checks read :func:`waiting_for_review`.
A new queue is one entry here, and its tab's label in ``moderate/frame.py:QUEUE_NAMES``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, literal_column, or_, select
from sqlalchemy.sql.elements import ColumnElement

from service.domain_errors import InvalidField
from service.extensions import db
from service.models import PENDING_QUEUE, Comment, QaSample, Role, Status


def waiting_for_review() -> ColumnElement[bool]:
    """What waits for a moderator: held comments, and published ones readers reported
    (escalated ones too: they wait for an admin)."""
    return or_(Comment.status == Status.PENDING,
               and_(Comment.status == Status.PUBLISHED, Comment.reported.is_(True)))


def is_waiting(comment: Comment) -> bool:
    """Whether ``comment`` waits for review as the database has it now."""
    return db.session.execute(select(Comment.id).where(
        Comment.id == comment.id, waiting_for_review())).first() is not None


def claimable(role: Role) -> ColumnElement[bool]:
    """What ``claim next`` hands out: the pending queue, and to admins escalated ones too."""
    if role is Role.ADMIN:  # a literal, like the pending queue's (see models)
        return and_(Comment.status == literal_column("'pending'"))
    return PENDING_QUEUE


@dataclass(frozen=True)
class Queue:
    name: str
    condition: Callable[[], ColumnElement[bool]]
    #: Someone must act on its items: sized in the stats, the metrics and the notifier.
    waits: bool = False


QUEUES: dict[str, Queue] = {q.name: q for q in (
    # Held and not escalated; its partial indexes are defined with the table (models).
    Queue("pending", lambda: PENDING_QUEUE, waits=True),
    Queue("reported", lambda: and_(Comment.status == Status.PUBLISHED,
                                   Comment.reported.is_(True), Comment.escalated.is_(False)),
          waits=True),
    Queue("escalated", lambda: and_(waiting_for_review(), Comment.escalated.is_(True)),
          waits=True),
    Queue("approved", lambda: and_(Comment.status == Status.PUBLISHED,
                                   Comment.decided_by.is_not(None))),
    Queue("rejected", lambda: Comment.status == Status.REJECTED),
    # Everything readers may see: to find what to take down.
    Queue("published", lambda: Comment.status == Status.PUBLISHED),
    # Drawn for the QA sample and not graded yet (service.review.qa).
    Queue("qa", lambda: Comment.id.in_(select(QaSample.comment_id).where(
        QaSample.grade.is_(None)))),
)}
NAMES = tuple(QUEUES)
WAITING = tuple(name for name, q in QUEUES.items() if q.waits)


def queue_condition(name: str) -> ColumnElement[bool]:
    """The condition of the queue called ``name``; an unknown name is an
    :class:`InvalidField` naming the ``queue`` parameter."""
    queue = QUEUES.get(name)
    if queue is None:
        raise InvalidField(f"There is no queue {name!r}.", kind="validation-error",
                           errors={"queue": [f"Must be one of: {', '.join(NAMES)}."]})
    return queue.condition()
