"""Safe retries of ``POST /v1/comments``: the ``Idempotency-Key`` request header.

A client that did not get an answer (a timeout, a reset when a worker died) sends the same
request again with the same key.  The key is stored on the comment itself, in the same
insert, so a comment and its key are durable together or not at all.  Within
:data:`KEEP_HOURS` of the first request, per API key:

- the same key and the same body answer the first answer again (``Idempotent-Replayed:
  true``), storing nothing;
- the same key with another body is a ``422`` naming the header.

After that the key is free again.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from service.domain_errors import InvalidField
from service.extensions import db
from service.models import Comment, utcnow

__all__ = ["HEADER", "KEEP_HOURS", "Idempotency", "earlier_comment", "idempotency_of"]

HEADER = "Idempotency-Key"
KEEP_HOURS = 24
MAX_LENGTH = 255


class Idempotency:
    """The stored scope of a key (``<api key id>:<key>``) and the hash of the request."""

    def __init__(self, scope: str, request_hash: str):
        self.scope = scope
        self.request_hash = request_hash


def idempotency_of(headers: Any, api_key_id: int, data: dict[str, Any]) -> Idempotency | None:
    """The request's idempotency, or None without the header; a bad key is a 422."""
    key = headers.get(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_LENGTH or not key.isascii() or not key.isprintable():
        raise InvalidField(f"The {HEADER} header must be 1 to {MAX_LENGTH} printable ASCII "
                           "characters (a UUID is a good choice).",
                           errors={HEADER: [f"1 to {MAX_LENGTH} printable ASCII characters."]})
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return Idempotency(f"{api_key_id}:{key}",
                       hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest())


def earlier_comment(idem: Idempotency) -> Comment | None:
    """The comment stored under this key within the last :data:`KEEP_HOURS`, if any.

    An older one gives its key up, so the key can be used again."""
    comment = db.session.execute(
        select(Comment).where(Comment.idempotency_key == idem.scope)).scalar_one_or_none()
    if comment is None:
        return None
    if comment.created_at < utcnow() - timedelta(hours=KEEP_HOURS):
        db.session.execute(update(Comment).where(Comment.id == comment.id)
                           .values(idempotency_key=None))
        db.session.commit()
        return None
    if comment.request_hash != idem.request_hash:
        raise InvalidField(f"This {HEADER} was already used, within {KEEP_HOURS} hours, for a "
                           "different comment; use a new key for a new comment.",
                           kind="idempotency-key-reused",
                           errors={HEADER: ["Already used for a different request body."]})
    return comment
