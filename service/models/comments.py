"""Comments with their decision, their audit log and their earlier versions, and what
"waiting for a moderator" means in SQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, and_, literal_column, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.extensions import Model
from service.models.types import BigId, UTCDateTime, utcnow


class Comment(Model):
    """A submission, as received, with the decision that routed it."""

    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site: Mapped[str] = mapped_column(String(100))
    thread: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    author_email: Mapped[str] = mapped_column(String(320), default="")
    # The site's own stable id of the reader, when it sends one: history, bans and flood
    # checks key on it instead of the self-declared email.
    author_id: Mapped[str | None] = mapped_column(String(200))
    author_website: Mapped[str | None] = mapped_column(String(2000))
    body: Mapped[str] = mapped_column(Text)
    body_fingerprint: Mapped[str] = mapped_column(String(80))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    referrer: Mapped[str | None] = mapped_column(String(2000))

    status: Mapped[str] = mapped_column(String(16))
    decided_action: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    scores: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    terms: Mapped[dict[str, list[Any]]] = mapped_column(JSON, default=dict)
    labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    # " rule-a rule-b ": the ids of ``reasons``, for filtering the queue by rule with LIKE.
    rule_ids: Mapped[str] = mapped_column(String(2000), default=" ")
    risk: Mapped[float] = mapped_column(default=0.0)
    priority: Mapped[int] = mapped_column(default=0)
    policy_version: Mapped[str] = mapped_column(String(80))
    model_version: Mapped[str] = mapped_column(String(80))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When its author last edited or withdrew it (service/intake/edits.py); versions keep the rest.
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(240))
    decided_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="SET NULL"))

    # Review workflow: who holds the item, reader reports, escalation to an admin.
    claimed_by: Mapped[str | None] = mapped_column(String(240))
    claim_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_keys.id", ondelete="SET NULL"))
    claim_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    open_reports: Mapped[int] = mapped_column(default=0)
    # The open reports' weights summed (each reporter's record: service/review/reports.py), for
    # the policy's reports.hide_after.
    report_weight: Mapped[float] = mapped_column(default=0.0, server_default=text("0"))
    reported: Mapped[bool] = mapped_column(default=False)  # enough reports to need review
    hidden: Mapped[bool] = mapped_column(default=False)
    escalated: Mapped[bool] = mapped_column(default=False)
    # Safe retries (service/intake/idempotency.py): "<api key id>:<Idempotency-Key>" and the
    # sha256 of the request that stored this comment.
    idempotency_key: Mapped[str | None] = mapped_column(String(300))
    request_hash: Mapped[str | None] = mapped_column(String(64))

    actions: Mapped[list[AuditEntry]] = relationship(
        back_populates="comment", order_by="AuditEntry.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_comments_thread_listing", "site", "thread", "status", "id"),
        Index("ix_comments_ip_recent", "site", "ip", "created_at"),
        Index("ix_comments_email_recent", "site", "author_email", "created_at"),
        Index("ix_comments_author_id_recent", "site", "author_id", "created_at",
              postgresql_where=text("author_id IS NOT NULL"),
              sqlite_where=text("author_id IS NOT NULL")),
        Index("ix_comments_fingerprint_recent", "site", "body_fingerprint", "created_at"),
        Index("ix_comments_reported", "reported", "site", "risk", "id"),
        Index("ix_comments_idempotency_key", "idempotency_key", unique=True,
              postgresql_where=text("idempotency_key IS NOT NULL"),
              sqlite_where=text("idempotency_key IS NOT NULL")),
    )


# The pending queue (service/review/queues.py) is read by score (highest first, ties oldest
# first) and by age, for one site or all: partial indexes over the waiting comments only keep
# those reads small, so its condition is defined here, with the table.  The literal (not a
# bound parameter) lets PostgreSQL match queries to the indexes' predicate.
PENDING_QUEUE = and_(Comment.status == literal_column("'pending'"), ~Comment.escalated)
Index("ix_comments_pending_score", Comment.risk.desc(), Comment.id,
      postgresql_where=PENDING_QUEUE, sqlite_where=PENDING_QUEUE)
Index("ix_comments_pending_site_score", Comment.site, Comment.risk.desc(), Comment.id,
      postgresql_where=PENDING_QUEUE, sqlite_where=PENDING_QUEUE)
Index("ix_comments_pending_site_age", Comment.site, Comment.id,
      postgresql_where=PENDING_QUEUE, sqlite_where=PENDING_QUEUE)
Index("ix_comments_pending_age", Comment.id,
      postgresql_where=PENDING_QUEUE, sqlite_where=PENDING_QUEUE)
# An author's moderator-rejected comments, for the policy's author record: without it,
# counting them for a regular with thousands of comments and no rejections reads them all.
# Few rows qualify, so the index costs next to nothing on inserts.
REJECTED_BY_MODERATOR = and_(Comment.status == literal_column("'rejected'"),
                             Comment.decided_by.is_not(None))
Index("ix_comments_author_rejected", Comment.site, Comment.author_email,
      postgresql_where=REJECTED_BY_MODERATOR, sqlite_where=REJECTED_BY_MODERATOR)
Index("ix_comments_author_id_rejected", Comment.site, Comment.author_id,
      postgresql_where=REJECTED_BY_MODERATOR, sqlite_where=REJECTED_BY_MODERATOR)


class AuditEntry(Model):
    """The audit log: a comment's submission and every action on it, bans and key use.

    Rows are only ever added.  ``comment_id`` is empty for actions that are not about one
    comment (a ban lifted from the ban list, say).
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    site: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(240))
    key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="SET NULL"))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    comment: Mapped[Comment | None] = relationship(back_populates="actions")

    __table_args__ = (
        Index("ix_audit_log_actor_time", "actor", "created_at"),
        Index("ix_audit_log_time", "created_at"),
    )
class CommentVersion(Model):
    """A comment as it stood before its author edited or withdrew it, with the decision it
    had then."""

    __tablename__ = "comment_versions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column()
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    scores: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    policy_version: Mapped[str] = mapped_column(String(80))
    model_version: Mapped[str] = mapped_column(String(80))
    decided_by: Mapped[str | None] = mapped_column(String(240))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime)
