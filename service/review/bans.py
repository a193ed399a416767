"""Bans: data the policy consults (``author: {banned: true}``), not edits to policy files.

A ban names an email, an email domain, an IP address or CIDR range, or the site's own id of
a reader (``author``: the ``author_id`` the site sends with each submission), on one site,
for a time or for good.  Moderators may ban for up to ``BAN_MAX_DAYS_MODERATOR`` days; admins
without limit, and only admins lift bans.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_smorest import Blueprint
from sqlalchemy import or_, select

from service.api_links import NEW_BAN
from service.auth import current_key, review_endpoint
from service.domain_errors import Conflict, InvalidField, NotFound, Refused
from service.extensions import db
from service.models import ApiKey, Ban, Comment, Role, utcnow
from service.pagination import newest_first
from service.review.ban_schemas import (
    BanArgsSchema,
    BanListArgsSchema,
    BanPageSchema,
    BanSchema,
    SiteBanArgsSchema,
)
from service.schemas import CURSOR_NOT_OURS


def normalise(kind: str, value: str) -> str:
    """Check and canonicalise a ban's value; 422 naming the field if it is not valid."""
    if kind == "author" and value.strip():
        return value.strip()  # the site's own id, kept as the site writes it
    value = value.strip().lower()
    if kind == "email" and "@" in value and value.rpartition("@")[2]:
        return value
    if kind == "domain" and value and "@" not in value and "." in value:
        return value.lstrip("@")
    if kind == "ip":
        try:
            return str(ipaddress.ip_network(value, strict=False))
        except ValueError:
            pass
    raise InvalidField(f"Not a valid {kind} to ban.", kind="validation-error",
                       errors={"value": [f"Not a valid {kind}."]})


def create(key: ApiKey, site: str, kind: str, value: str, reason: str, days: int | None,
           comment: Comment | None = None) -> Ban:
    limit = int(current_app.config["BAN_MAX_DAYS_MODERATOR"])
    if Role(key.role) is not Role.ADMIN and (days is None or days > limit):
        raise Refused(f"Moderators can ban for at most {limit} days; ask an admin for "
                      "longer or permanent bans.", kind="ban-too-long")
    now = utcnow()
    ban = Ban(site=site, kind=kind, value=normalise(kind, value), reason=reason,
              created_by=key.actor, created_at=now,
              expires_at=now + timedelta(days=days) if days else None,
              comment_id=comment.id if comment else None)
    db.session.add(ban)
    db.session.flush()
    return ban


def value_from_comment(kind: str, comment: Comment) -> str:
    """The email, domain, IP or author id of a comment's author, for a ban made from a
    review item."""
    if kind == "author":
        if not comment.author_id:
            raise InvalidField("This comment has no author id to ban: its site did not send "
                               "one.", errors={"kind": ["The comment has no author id."]})
        return comment.author_id
    if kind == "email":
        return comment.author_email
    if kind == "domain":
        return comment.author_email.rpartition("@")[2]
    if not comment.ip:
        raise InvalidField("This comment has no IP address to ban.",
                           errors={"kind": ["The comment has no IP address."]})
    return comment.ip


def ban_author(comment: Comment, key: ApiKey, kind: str, value: str | None, reason: str,
               days: int | None) -> Ban:
    """Ban a comment's author (``value`` defaults to the comment's email, domain or IP),
    audited on the comment; commits."""
    from service.review.workflow import audit

    value = value or value_from_comment(kind, comment)
    ban = create(key, comment.site, kind, value, reason, days, comment=comment)
    audit(comment, key, "ban", note=reason,
          detail={"ban_id": ban.id, "kind": ban.kind, "value": ban.value,
                  "expires_at": ban.expires_at.isoformat() if ban.expires_at else None})
    db.session.commit()
    return ban


# -- views ----------------------------------------------------------------------------------

blp = Blueprint("bans", __name__, url_prefix="/v1/review", description="Bans")


@review_endpoint(blp, "/comments/<id:comment_id>/ban", "POST")
@blp.arguments(BanArgsSchema)
@blp.response(201, BanSchema)
@blp.doc(**NEW_BAN)
def ban_from_item(args: dict[str, Any], comment_id: int) -> Ban:
    """Ban the author of a comment by email, email domain or IP (`value` defaults to theirs)."""
    from service.review.api import load

    return ban_author(load(comment_id), current_key(), args["kind"], args.get("value"),
                      args["reason"], args.get("days"))


@review_endpoint(blp, "/bans", "POST")
@blp.arguments(SiteBanArgsSchema)
@blp.response(201, BanSchema)
@blp.doc(**NEW_BAN)
def ban(args: dict[str, Any]) -> Ban:
    """Ban an email, email domain or IP (or CIDR range) on a site."""
    from service.review.workflow import audit

    key = current_key()
    site = args["site"]
    if not key.may_see(site):
        raise InvalidField("Say which site the ban is for.", kind="validation-error",
                           errors={"site": ["Not a site this key may review."]})
    created = create(key, site, args["kind"], args["value"], args["reason"], args.get("days"))
    audit(None, key, "ban", note=args["reason"],
          detail={"ban_id": created.id, "kind": created.kind, "value": created.value,
                  "site": site})
    db.session.commit()
    return created


@review_endpoint(blp, "/bans", "GET")
@blp.arguments(BanListArgsSchema, location="query")
@blp.response(200, BanPageSchema)
@blp.alt_response(400, description=CURSOR_NOT_OURS)
def list_bans(args: dict[str, Any]) -> dict[str, Any]:
    """Bans, newest first; active ones only unless `include_inactive`."""
    key = current_key()
    stmt = select(Ban)
    if key.sites:
        stmt = stmt.where(Ban.site.in_(key.sites))
    if args.get("site"):
        stmt = stmt.where(Ban.site == args["site"])
    if not args["include_inactive"]:
        now = utcnow()
        stmt = stmt.where(Ban.lifted_at.is_(None),
                          or_(Ban.expires_at.is_(None), Ban.expires_at > now))
    return newest_first(stmt, Ban.id, args["limit"], args.get("cursor"))


@review_endpoint(blp, "/bans/<id:ban_id>", "DELETE", Role.ADMIN)
@blp.response(200, BanSchema)
def lift(ban_id: int) -> Ban:
    """Lift a ban (admins only)."""
    from service.review.workflow import audit

    key = current_key()
    row = db.session.get(Ban, ban_id)
    if row is None or not key.may_see(row.site):
        raise NotFound(f"No ban {ban_id}.")
    if row.lifted_at is not None:
        raise Conflict(f"Ban {ban_id} was lifted by {row.lifted_by} at "
                       f"{row.lifted_at.isoformat()}.", kind="already-lifted")
    row.lifted_at = utcnow()
    row.lifted_by = key.actor
    audit(None, key, "lift-ban", detail={"ban_id": row.id, "kind": row.kind,
                                          "value": row.value, "site": row.site})
    db.session.commit()
    return row
