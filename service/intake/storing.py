"""The pipeline's last step: a decided submission stored, durable before it is answered.

:class:`StoredRow` is the one list of what a submission stores on its comment: the insert
statements, the decision an edit replaces (:data:`DECISION_FIELDS`) and the submitter's
answer (``Decided``) are all read from its fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, func, insert, literal, literal_column, select

from service.events.outbox import add_event, event_values, held_view
from service.extensions import db
from service.models import AuditEntry, Comment, Delivery, Event, QaSample, WebhookEndpoint

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
# The next comment id, taken before the insert on PostgreSQL (the facts read takes it too).
NEXT_ID = func.nextval(literal_column("pg_get_serial_sequence('comments', 'id')"))

def statement_at_a_time() -> None:
    """On PostgreSQL, run this submission's two statements (``recall``'s read, then the
    one insert of all its rows) each as its own transaction: no BEGIN and COMMIT round
    trips.  That is safe because the insert is one statement, so atomic and durable when it
    returns, and the read is a read.  Not when the request has already begun a
    transaction (a reply's parent was looked up, or a key was read): that one is kept and
    committed as usual."""
    session = db.session()
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def store(row: StoredRow, held: bool = False, sampled: bool = False,
          comment_id: int | None = None) -> int:
    """Insert the comment and its "submitted" audit row, and commit: the answer goes out
    only once both are durable.  Core inserts: the ORM's unit of work costs more than the
    two statements themselves on this, the busiest path.

    A ``held`` comment also gets its ``comment.held`` event (moderators are told through
    the outbox), in the same transaction; a ``sampled`` one (drawn for the QA sample) its
    ``qa_samples`` row.  With ``comment_id`` (reserved by ``recall``'s read, PostgreSQL)
    all of them are one statement (:func:`insert_all`), durable when it returns: one round
    trip (without ``comment_id``, the id is taken first: two).  SQLite writes them one by
    one in one transaction.
    """
    values = row.values()
    if db.session.get_bind().dialect.name == "postgresql":
        if comment_id is None:  # not taken by a recall: take it now
            comment_id = db.session.execute(select(NEXT_ID)).scalar_one()
        params = {**values, "id": comment_id}
        if held:
            event = event_values(row.site, comment_id, held_view(comment_id, values),
                                 "comment.held")
            params.update({f"event_{name}": value for name, value in event.items()})
        db.session.execute(insert_all(held, sampled), params)
        db.session.commit()  # nothing to send in autocommit; ends a transaction a reply began
        return comment_id
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


# The comment's other columns at their defaults, written out: SQLAlchemy does not fill the
# Python-side defaults of an INSERT nested in a WITH clause when the statement has several.
_DEFAULTS = {column.name: literal(column.default.arg, type_=column.type)  # type: ignore[attr-defined]
             for column in COMMENTS.c
             if column.name not in COMMENT_FIELDS and column.name != "id"
             and column.default is not None and column.default.is_scalar}
EVENT_FIELDS = ("uid", "site", "type", "comment_id", "payload", "created_at")


def _param(table: Any, name: str, key: str | None = None) -> Any:  # noqa: ANN401
    return bindparam(key or name, type_=table.c[name].type)


@lru_cache(maxsize=4)
def insert_all(held: bool, sampled: bool) -> Any:  # noqa: ANN401 - a SQLAlchemy statement
    """PostgreSQL's one statement for a new comment: the comment (parameters ``id`` and
    :data:`COMMENT_FIELDS`) and its audit row; with ``held``, its ``comment.held`` event
    (parameters ``event_*``) and one pending delivery per active endpoint of the site; with
    ``sampled``, its ``qa_samples`` row.  Data-modifying WITH clauses each run once and
    commit with the statement: all of it is durable together or not at all.  The event
    names the comment by its reserved id, so its payload is built like every other event's.
    Built once per shape."""
    stored = insert(COMMENTS).values(
        {name: _param(COMMENTS, name) for name in ("id", *COMMENT_FIELDS)} | _DEFAULTS
    ).returning(COMMENTS.c.id, COMMENTS.c.site, COMMENTS.c.status,
                COMMENTS.c.created_at).cte("stored")
    statement = insert(AUDIT).from_select(
        ["comment_id", "action", "actor", "site", "to_status", "detail", "created_at"],
        select(stored.c.id, literal("submitted"), literal("policy"), stored.c.site,
               stored.c.status, literal({}, AUDIT.c.detail.type), stored.c.created_at),
    ).returning(AUDIT.c.comment_id)
    ctes = []
    if held:
        events, endpoints = Event.__table__, WebhookEndpoint.__table__
        event = insert(events).from_select(
            list(EVENT_FIELDS),
            select(_param(events, "uid", "event_uid"), stored.c.site,
                   _param(events, "type", "event_type"), stored.c.id,
                   _param(events, "payload", "event_payload"),
                   _param(events, "created_at", "event_created_at")),
        ).returning(events.c.id, events.c.site, events.c.created_at).cte("event")
        ctes += [event, insert(Delivery.__table__).from_select(
            ["event_id", "endpoint_id", "state", "attempts", "next_attempt_at"],
            select(event.c.id, endpoints.c.id, literal("pending"), literal(0),
                   event.c.created_at).select_from(event).join(
                endpoints, endpoints.c.site == event.c.site).where(
                endpoints.c.active.is_(True)),
        ).cte("deliveries")]
    if sampled:
        ctes.append(insert(QaSample.__table__).from_select(
            ["comment_id", "site", "sampled_at"],
            select(stored.c.id, stored.c.site, stored.c.created_at)).cte("qa"))
    return statement.add_cte(*ctes) if ctes else statement
