"""Column types and enums shared by the tables: 64-bit ids, UTC timestamps, roles, statuses."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Integer
from sqlalchemy.types import DateTime, TypeDecorator

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
