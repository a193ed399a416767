"""API keys: creation, hashing and constant-time verification.

A key looks like ``cm_<prefix>_<secret>``.  The prefix is stored in clear to find the row;
only the SHA-256 digest of the whole key is stored.  Keys carry 256 bits of randomness, so
a fast hash is enough (a slow password hash protects guessable secrets, which these are not).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from service.extensions import db
from service.models import ApiKey, Role, utcnow

KEY_SCHEME = "cm"
_PREFIX_BYTES = 6
# Keys verified in the last KEY_CACHE_SECONDS, by digest, per app: each request would
# otherwise read the key's row.  Only good keys are kept (a flood of wrong keys cannot fill
# it), as copies detached from any database session.  A revoked key stops working within
# the TTL in every process (at once in the process that revoked it).
_CACHE_MAX = 1024


@dataclass(frozen=True)
class NewKey:
    """A freshly created key: ``secret`` is shown once and never stored."""

    key: ApiKey
    secret: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_key(role: Role, site: str | None = None, label: str = "") -> NewKey:
    """Create and store a key; the caller must show ``secret`` to its owner now."""
    if role is Role.SITE and not site:
        raise ValueError("a site key needs a site")
    prefix = secrets.token_hex(_PREFIX_BYTES)
    secret = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(prefix=prefix, secret_hash=digest(secret), role=role.value, site=site,
                 label=label)
    db.session.add(key)
    db.session.commit()
    return NewKey(key=key, secret=secret)


def verify(secret: str) -> ApiKey | None:
    """Return the live key matching ``secret``, or None.  Compares digests in constant time."""
    presented = digest(secret)
    ttl = current_app.config.get("KEY_CACHE_SECONDS", 0)
    verified = _verified()
    cached = verified.get(presented) if ttl > 0 else None
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_SCHEME or len(parts[1]) != 2 * _PREFIX_BYTES:
        # Still compare a digest so that malformed and wrong keys take the same time.
        hmac.compare_digest(presented, "0" * 64)
        return None
    key = db.session.execute(select(ApiKey).where(ApiKey.prefix == parts[1])).scalar_one_or_none()
    expected = key.secret_hash if key is not None else "0" * 64
    if not hmac.compare_digest(presented, expected) or key is None:
        return None
    if key.revoked_at is not None:
        return None
    if ttl > 0:
        if len(verified) >= _CACHE_MAX:
            verified.clear()
        verified[presented] = (time.monotonic() + ttl, _detached(key))
    return key


def _detached(key: ApiKey) -> ApiKey:
    """A copy of ``key`` that belongs to no session, safe to share between requests."""
    return ApiKey(id=key.id, prefix=key.prefix, secret_hash=key.secret_hash, role=key.role,
                  site=key.site, label=key.label, created_at=key.created_at, revoked_at=None)


def _verified() -> dict[str, tuple[float, ApiKey]]:
    return current_app.extensions.setdefault("moderation.verified_keys", {})


def forget_verified() -> None:
    """Drop every cached verification (this process only)."""
    _verified().clear()


def revoke(prefix: str) -> bool:
    key = db.session.execute(select(ApiKey).where(ApiKey.prefix == prefix)).scalar_one_or_none()
    if key is None or key.revoked_at is not None:
        return False
    key.revoked_at = utcnow()
    db.session.commit()
    forget_verified()  # other processes notice within KEY_CACHE_SECONDS
    return True
