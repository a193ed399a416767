"""Opaque keyset cursors: a page continues after the last row of the previous one.

Keyset pagination (``WHERE (key, id) > (last_key, last_id)``) stays correct while rows are
added or decided between two requests, unlike ``OFFSET``.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from service.domain_errors import Unreadable


def encode(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str, shape: tuple[type, ...], field: str = "cursor") -> list[Any]:
    """Decode a cursor made by :func:`encode`; 400 naming ``field`` if it is not one of
    ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(shape):
            raise ValueError
        return [kind(v) if not isinstance(v, bool) else _bad() for v, kind in zip(values, shape,
                                                                                  strict=True)]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise Unreadable("The cursor is not valid; use next_cursor from a previous page.",
                         errors={field: ["Not a valid cursor."]}) from exc


def _bad() -> Any:
    raise ValueError


def newest_first(stmt: Any, id_column: Any, limit: int, cursor: str | None) -> dict[str, Any]:
    """One page of ``stmt``'s rows, highest id first, as ``{"items", "next_cursor"}``."""
    from service.extensions import db

    if cursor:
        (last_id,) = decode(cursor, (int,))
        stmt = stmt.where(id_column < last_id)
    rows = list(db.session.execute(stmt.order_by(id_column.desc()).limit(limit + 1)).scalars())
    items = rows[:limit]
    more = len(rows) > limit
    return {"items": items, "next_cursor": encode([items[-1].id]) if more else None}
