"""The outbox: webhook endpoints, events, their deliveries, and the chat notifier state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import Model
from service.models.types import BigId, UTCDateTime, utcnow


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
class NotifierState(Model):
    """Where the chat notifier is: the last event it has read, and when it last said the
    queue was waiting too long (so that it says so again only after a while)."""

    __tablename__ = "notifier_state"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    last_event_id: Mapped[int] = mapped_column(BigInteger, default=0)
    age_alert_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
