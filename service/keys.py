"""API keys: creation, hashing and constant-time verification.

A key looks like ``cm_<prefix>_<secret>``.  The prefix is stored in clear to find the row;
only the SHA-256 digest of the whole key is stored.  Keys carry 256 bits of randomness, so
a fast hash is enough (a slow password hash protects guessable secrets, which these are not).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from service.extensions import db
from service.models import ApiKey, Role, utcnow

KEY_SCHEME = "cm"
_PREFIX_BYTES = 6


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
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_SCHEME or len(parts[1]) != 2 * _PREFIX_BYTES:
        # Still spend a digest so that malformed and wrong keys take the same time.
        hmac.compare_digest(digest(secret), "0" * 64)
        return None
    key = db.session.execute(select(ApiKey).where(ApiKey.prefix == parts[1])).scalar_one_or_none()
    expected = key.secret_hash if key is not None else "0" * 64
    if not hmac.compare_digest(digest(secret), expected) or key is None:
        return None
    if key.revoked_at is not None:
        return None
    return key


def revoke(prefix: str) -> bool:
    key = db.session.execute(select(ApiKey).where(ApiKey.prefix == prefix)).scalar_one_or_none()
    if key is None or key.revoked_at is not None:
        return False
    key.revoked_at = utcnow()
    db.session.commit()
    return True
