"""The policy engine's questions about the past, answered from the database."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select

from policy_engine import AuthorRecord
from service.extensions import db
from service.models import Comment, Status, utcnow


class DatabaseFacts:
    """:class:`policy_engine.Facts` for one site, over the ``comments`` table.

    ``as_of`` answers as the database stood just before a past comment (for backtests):
    only comments older than it count.
    """

    def __init__(self, site: str, as_of: Comment | None = None) -> None:
        self.site = site
        self.as_of = as_of

    def _now(self):  # noqa: ANN202
        return self.as_of.created_at if self.as_of is not None else utcnow()

    def _before(self) -> list:
        return [Comment.id < self.as_of.id] if self.as_of is not None else []

    def _count(self, *conditions) -> int:  # noqa: ANN002
        stmt = select(func.count()).select_from(Comment).where(Comment.site == self.site,
                                                                *conditions)
        return int(db.session.execute(stmt).scalar_one())

    def recent_count(self, field: str, value: str, within: timedelta) -> int:
        column = {"ip": Comment.ip, "email": Comment.author_email}.get(field)
        if column is None or not value:
            return 0
        return self._count(column == value, Comment.created_at >= self._now() - within,
                           *self._before())

    def duplicate_count(self, body_fingerprint: str, within: timedelta) -> int:
        return self._count(Comment.body_fingerprint == body_fingerprint,
                           Comment.created_at >= self._now() - within, *self._before())

    def author_record(self, email: str) -> AuthorRecord:
        if not email:
            return AuthorRecord(approved=0, rejected=0)
        rows = db.session.execute(
            select(Comment.status, func.count())
            .where(Comment.site == self.site, Comment.author_email == email,
                   or_(Comment.decided_by.is_not(None), Comment.status == Status.PUBLISHED),
                   *self._before())
            .group_by(Comment.status)
        ).all()
        counts = {status: n for status, n in rows}
        return AuthorRecord(approved=int(counts.get(Status.PUBLISHED, 0)),
                            rejected=int(counts.get(Status.REJECTED, 0)))

    def ban_reason(self, email: str, ip: str | None) -> str | None:
        from service.bans import ban_reason

        return ban_reason(self.site, email, ip)
