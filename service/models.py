"""Database tables: API keys, comments with their decision, and the log of review actions."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import DateTime, TypeDecorator

from service.extensions import Model

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator):
    """Timestamps stored as UTC and always returned timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime; use datetime.now(UTC)")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


class Role(StrEnum):
    SITE = "site"
    MODERATOR = "moderator"
    ADMIN = "admin"


class Status(StrEnum):
    PUBLISHED = "published"
    PENDING = "pending"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # by its author, through the site (DELETE /v1/comments/<id>)


class ApiKey(Model):
    """A bearer key.  Only a SHA-256 digest of the secret is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    # A site key's site; for review keys, a comma-separated list of sites (empty: all).
    site: Mapped[str | None] = mapped_column(String(1000))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def sites(self) -> tuple[str, ...]:
        """The sites a key is limited to; empty for a review key that sees every site."""
        return tuple(name for name in (self.site or "").split(",") if name)

    def may_see(self, site: str) -> bool:
        return not self.sites or site in self.sites

    @property
    def actor(self) -> str:
        """How this key appears in audit records."""
        return f"{self.label or self.role}#{self.prefix}"


class BrowserSite(Model):
    """A site that lets readers' browsers post straight to the service.

    The browser sends the public id (not a secret); only the listed origins may post, and
    a filled-in honeypot field marks a bot.
    """

    __tablename__ = "browser_sites"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site: Mapped[str] = mapped_column(String(100), unique=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    honeypot: Mapped[str] = mapped_column(String(64), default="url_confirm")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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


class Report(Model):
    """A reader's report of a published comment."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    reporter: Mapped[str | None] = mapped_column(String(320))
    # who the report counts as ("id:<reporter>" or "ip:<address>"): one open report each
    reporter_key: Mapped[str | None] = mapped_column(String(340))
    # How much the report counts towards hiding the comment: the reporter's record when
    # they reported (reports.reporter_weight).
    weight: Mapped[float] = mapped_column(default=1.0, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(16))  # removed (upheld) or kept

    __table_args__ = (
        Index("ix_reports_reporter", "reporter_key", "closed_at"),
        Index("ix_reports_open_per_reader", "comment_id", "reporter_key", unique=True,
              postgresql_where=text("closed_at IS NULL"), sqlite_where=text("closed_at IS NULL")),
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


class QaSample(Model):
    """A published comment drawn for quality assurance (``qa_sample:`` in the policy): it
    stays published and waits in the ``qa`` queue until a moderator grades it.

    ``grade`` is ``ok`` (rightly published), ``hold`` (should have been held) or ``reject``
    (should have been rejected); empty while it waits.
    """

    __tablename__ = "qa_samples"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), unique=True)
    site: Mapped[str] = mapped_column(String(100))
    sampled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    grade: Mapped[str | None] = mapped_column(String(8))
    graded_by: Mapped[str | None] = mapped_column(String(240))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_qa_samples_site_grade", "site", "grade", "sampled_at"),)


class ThreadSetting(Model):
    """A story's own moderation (``service/intake/threads.py``): ``post``, ``pre`` or ``closed``,
    and ``links: hold``."""

    __tablename__ = "thread_settings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site: Mapped[str] = mapped_column(String(100))
    thread: Mapped[str] = mapped_column(String(200))
    moderation: Mapped[str] = mapped_column(String(8), default="post")
    links: Mapped[str | None] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_thread_settings_site_thread", "site", "thread", unique=True),)


class Ban(Model):
    """A moderator's ban of an email, an email domain, an IP (or CIDR range) or the site's
    own author id on a site."""

    __tablename__ = "bans"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # email, domain, ip, author (the site's id)
    value: Mapped[str] = mapped_column(String(320))
    reason: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(240))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(240))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_bans_lookup", "site", "kind", "value"),)


class WebhookEndpoint(Model):
    """Where a site wants to hear about decisions.  The secret signs each delivery.

    Secrets are kept in clear: HMAC needs the key itself.  After a rotation the secret it
    replaced also signs deliveries until ``previous_secret_expires_at`` (both empty when
    there is no overlap).
    """

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    site: Mapped[str] = mapped_column(String(100), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    previous_secret: Mapped[str | None] = mapped_column(String(200))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Event(Model):
    """The outbox: a change readers can see, written in the same transaction as the change."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    uid: Mapped[str] = mapped_column(String(40), unique=True)
    site: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(64))
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_events_site_id", "site", "id"),)


class Delivery(Model):
    """One event's delivery to one endpoint: retried with backoff, dead after N failures."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="pending")  # delivered, dead
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status: Mapped[int | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_deliveries_due", "state", "next_attempt_at"),
        Index("ix_deliveries_event_endpoint", "event_id", "endpoint_id", unique=True),
    )


class ModeratorSession(Model):
    """A moderator signed in to the web page (``/moderate``) with their key.

    The browser holds only a random token in an HttpOnly cookie; the table keeps its SHA-256
    digest, so a leaked table signs no one in.  Signing out (or revoking the key) ends the
    session at once, everywhere.  ``csrf_token`` must come back with every form post.
    """

    __tablename__ = "moderator_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"),
                                        index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotifierState(Model):
    """Where the chat notifier is: the last event it has read, and when it last said the
    queue was waiting too long (so that it says so again only after a while)."""

    __tablename__ = "notifier_state"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    last_event_id: Mapped[int] = mapped_column(BigInteger, default=0)
    age_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
