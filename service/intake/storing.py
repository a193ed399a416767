"""The pipeline's last step: a decided submission stored, durable before it is answered.

:class:`StoredRow` is the one list of what a submission stores on its comment: the insert
statements, the decision an edit replaces (:data:`DECISION_FIELDS`) and the submitter's
answer (``Decided``) are all read from its fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, literal, select

from service.events.outbox import add_event, held_view
from service.extensions import db
from service.models import AuditEntry, Comment, QaSample

# A column that the decision sets (an edit moderates the new body again and replaces them).
DECIDED: dict[str, Any] = {"decision": True}


@dataclass(frozen=True)
class StoredRow:
    """A new comment's columns: the submission as it came, and its decision."""

    site: str
    thread: str
    parent_id: int | None
    author_name: str
    author_email: str
    author_id: str | None
    author_website: str | None
    body: str
    body_fingerprint: str = field(metadata=DECIDED)
    ip: str | None
    user_agent: str | None
    referrer: str | None
    status: str = field(metadata=DECIDED)
    decided_action: str = field(metadata=DECIDED)
    reasons: list[dict[str, Any]] = field(metadata=DECIDED)
    scores: dict[str, float] = field(metadata=DECIDED)
    terms: dict[str, list[list[Any]]] = field(metadata=DECIDED)
    labels: list[str] = field(metadata=DECIDED)
    rule_ids: str = field(metadata=DECIDED)
    risk: float = field(metadata=DECIDED)
    priority: int = field(metadata=DECIDED)
    policy_version: str = field(metadata=DECIDED)
    model_version: str = field(metadata=DECIDED)
    created_at: datetime
    idempotency_key: str | None = None
    request_hash: str | None = None

    def values(self) -> dict[str, Any]:
        """The row as the insert binds it (column name to value)."""
        return {name: getattr(self, name) for name in COMMENT_FIELDS}

    def decision(self) -> dict[str, Any]:
        """The columns the decision sets (what an edit replaces)."""
        return {name: getattr(self, name) for name in DECISION_FIELDS}


COMMENT_FIELDS = tuple(f.name for f in fields(StoredRow))
DECISION_FIELDS = tuple(f.name for f in fields(StoredRow) if f.metadata.get("decision"))

# Built once: the statements are the same for every submission, only the values change.
COMMENTS, AUDIT = Comment.__table__, AuditEntry.__table__
INSERT_COMMENT = insert(COMMENTS).returning(COMMENTS.c.id)
INSERT_SUBMITTED = insert(AUDIT)
# PostgreSQL takes both rows in one statement (an INSERT in a WITH clause): one round trip.
_stored = insert(COMMENTS).values(
    {name: bindparam(name, type_=COMMENTS.c[name].type) for name in COMMENT_FIELDS}
).returning(COMMENTS.c.id, COMMENTS.c.site, COMMENTS.c.status,
            COMMENTS.c.created_at).cte("stored")
INSERT_BOTH = insert(AUDIT).from_select(
    ["comment_id", "action", "actor", "site", "to_status", "detail", "created_at"],
    select(_stored.c.id, literal("submitted"), literal("policy"), _stored.c.site,
           _stored.c.status, literal({}, AUDIT.c.detail.type), _stored.c.created_at),
).returning(AUDIT.c.comment_id)


def statement_at_a_time() -> None:
    """On PostgreSQL, run this submission's two statements (the facts, then the insert of
    both rows) each as its own transaction: no BEGIN and COMMIT round trips.  That is safe
    because the insert is one statement, so atomic and durable when it returns, and the
    facts are a read.  Not when the request has already begun a transaction (a reply's
    parent was looked up, or a key was read): that one is kept and committed as usual."""
    session = db.session()
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def store(row: StoredRow, held: bool = False, sampled: bool = False) -> int:
    """Insert the comment and its "submitted" audit row, and commit: the answer goes out
    only once both are durable.  Core inserts: the ORM's unit of work costs more than the
    two statements themselves on this, the busiest path.

    A ``held`` comment also gets its ``comment.held`` event (moderators are told through
    the outbox), in the same transaction: on PostgreSQL the statement-at-a-time mode of the
    reads is ended first, so that the comment and its event commit together or not at all.
    A ``sampled`` one (drawn for the QA sample) gets its ``qa_samples`` row the same way.
    """
    values = row.values()
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if (held or sampled) and postgres:
        db.session.commit()  # ends the autocommit reads; what follows is one transaction
    if postgres:
        comment_id = db.session.execute(INSERT_BOTH, values).scalar_one()
    else:
        comment_id = db.session.execute(INSERT_COMMENT, values).scalar_one()
        db.session.execute(INSERT_SUBMITTED, {
            "comment_id": comment_id, "action": "submitted", "actor": "policy",
            "site": row.site, "to_status": row.status, "created_at": row.created_at})
    if held:
        add_event(row.site, comment_id, held_view(comment_id, values), "comment.held")
    if sampled:
        db.session.execute(insert(QaSample.__table__).values(
            comment_id=comment_id, site=row.site, sampled_at=row.created_at))
    db.session.commit()
    return comment_id
