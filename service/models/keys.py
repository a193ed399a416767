"""Who may call: API keys, the sites allowed to post from a browser, moderator page sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from service.extensions import Model
from service.models.types import BigId, UTCDateTime, utcnow


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
