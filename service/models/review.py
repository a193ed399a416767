"""What moderators and readers add: reports, the QA sample, a story's own settings, bans."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import Model
from service.models.types import BigId, UTCDateTime, utcnow


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
