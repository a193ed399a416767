"""Sign-in to the moderators' page: a key once, then a server-side session.

The key is checked like any bearer key and never kept by the browser: the browser gets a
random token in an HttpOnly, SameSite=Lax cookie (``Secure`` when the request came over
TLS, or always with ``MODERATE_SECURE_COOKIES=1``), scoped to ``/moderate``.  The database
keeps only the token's SHA-256 digest, with the key, an expiry and a CSRF token that every
form post must send back (a synchronizer token; compared in constant time).  Signing out
ends the session in the database, so a copied cookie stops working too; so does revoking
the key.  The sign-in form itself is protected by a double-submit cookie (no session yet).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app, g, request
from sqlalchemy import delete, or_, select
from werkzeug.wrappers import Response

from service.extensions import db
from service.keys import verify
from service.models import ApiKey, ModeratorSession, Role, utcnow

COOKIE = "moderate_session"
SIGNIN_CSRF_COOKIE = "moderate_signin"
CSRF_FIELD = "csrf_token"
COOKIE_PATH = "/moderate"
REVIEW_ROLES = (Role.MODERATOR, Role.ADMIN)


class SignInRefused(Exception):
    """The key is wrong, revoked, or not a moderator's or admin's; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def secure_cookies() -> bool:
    return bool(current_app.config.get("MODERATE_SECURE_COOKIES")) or request.is_secure


def _set_cookie(response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, path=COOKIE_PATH, httponly=True,
                        samesite="Lax", secure=secure_cookies())


def sign_in(secret: str) -> tuple[str, ModeratorSession]:
    """Check ``secret`` and open a session; return the cookie's token and the session."""
    key = verify(secret.strip()) if secret.strip() else None
    if key is None:
        raise SignInRefused("invalid")
    if Role(key.role) not in REVIEW_ROLES:
        raise SignInRefused("role")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    # Sign-ins are rare: a good moment to forget sessions that can no longer be used.
    db.session.execute(delete(ModeratorSession).where(
        or_(ModeratorSession.expires_at <= now, ModeratorSession.ended_at.is_not(None))))
    session = ModeratorSession(
        token_hash=_digest(token), key_id=key.id, csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + timedelta(hours=int(current_app.config["MODERATE_SESSION_HOURS"])))
    db.session.add(session)
    db.session.commit()
    return token, session


def start(response: Response, token: str) -> Response:
    """Give the browser its session cookie (and drop the sign-in form's)."""
    _set_cookie(response, COOKIE, token,
                int(current_app.config["MODERATE_SESSION_HOURS"]) * 3600)
    response.delete_cookie(SIGNIN_CSRF_COOKIE, path=COOKIE_PATH)
    return response


def current() -> tuple[ModeratorSession, ApiKey] | None:
    """This request's live session and its key, or None (no cookie, ended, expired, or the
    key revoked)."""
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 100:
        return None
    row = db.session.execute(
        select(ModeratorSession, ApiKey).join(ApiKey, ApiKey.id == ModeratorSession.key_id)
        .where(ModeratorSession.token_hash == _digest(token))).first()
    if row is None:
        return None
    session, key = row
    if (session.ended_at is not None or session.expires_at <= utcnow()
            or key.revoked_at is not None or Role(key.role) not in REVIEW_ROLES):
        return None
    return session, key


def end(response: Response) -> Response:
    """Sign out: end the session in the database and clear the cookie."""
    found = current()
    if found is not None:
        found[0].ended_at = utcnow()
        db.session.commit()
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response


def csrf_ok(session: ModeratorSession) -> bool:
    """The form post carries this session's CSRF token."""
    sent = request.form.get(CSRF_FIELD, "")
    return hmac.compare_digest(sent.encode(), session.csrf_token.encode())


def signin_csrf() -> str:
    """The sign-in form's token: the cookie's, or a new one (``remember_signin_csrf`` sets
    it on the answer)."""
    token = request.cookies.get(SIGNIN_CSRF_COOKIE) or ""
    if len(token) < 20 or len(token) > 100:
        token = secrets.token_urlsafe(24)
        g.new_signin_csrf = token
    return token


def remember_signin_csrf(response: Response) -> Response:
    token = g.get("new_signin_csrf")
    if token:
        _set_cookie(response, SIGNIN_CSRF_COOKIE, token, 3600)
    return response


def signin_csrf_ok() -> bool:
    cookie = request.cookies.get(SIGNIN_CSRF_COOKIE, "")
    sent = request.form.get(CSRF_FIELD, "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), sent.encode())
