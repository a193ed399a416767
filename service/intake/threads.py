"""Per-story settings: a desk pre-moderates, closes or holds links on one article.

``PUT /v1/threads/<thread>/settings`` (site key) sets, for that site's thread:

- ``moderation``: ``post`` (the default: the policy decides), ``pre`` (every comment waits
  for a moderator, whatever the policy says) or ``closed`` (new comments are refused with a
  ``403``);
- ``links``: ``hold`` holds every comment with a link, or ``null``.

Holds and rejects of the policy still apply; these only make the outcome stricter.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow import validate
from sqlalchemy import select

from policy_engine.textfacts import links_in
from service.auth import current_key, require
from service.extensions import db
from service.models import Role, ThreadSetting, utcnow

blp = Blueprint("threads", __name__, url_prefix="/v1", description="Per-story settings")

MODERATION = ("post", "pre", "closed")


class ThreadSettingsSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    moderation = ma.fields.String(load_default="post", validate=validate.OneOf(MODERATION),
                                  metadata={"description": "post (default), pre or closed"})
    links = ma.fields.String(load_default=None, allow_none=True,
                             validate=validate.OneOf(["hold"]),
                             metadata={"description": "hold: hold every comment with a link"})


class ThreadSettingsResultSchema(ThreadSettingsSchema):
    thread = ma.fields.String()
    updated_at = ma.fields.DateTime(allow_none=True)


def settings_of(site: str, thread: str) -> ThreadSetting | None:
    """The thread's settings, or None when it has the defaults."""
    return db.session.execute(select(ThreadSetting).where(
        ThreadSetting.site == site, ThreadSetting.thread == thread)).scalar_one_or_none()


def has_link(body: str) -> bool:
    """Whether ``body`` holds a link, as the policy's link rules find them."""
    return bool(links_in(body))


def _view(thread: str, row: ThreadSetting | None) -> dict[str, Any]:
    return {"thread": thread, "moderation": row.moderation if row else "post",
            "links": row.links if row else None, "updated_at": row.updated_at if row else None}


@blp.route("/threads/<path:thread>/settings", methods=["PUT"])
@require(Role.SITE)
@blp.doc(security=[{"siteKey": []}])
@blp.arguments(ThreadSettingsSchema)
@blp.response(200, ThreadSettingsResultSchema)
def put_settings(args: dict[str, Any], thread: str) -> dict[str, Any]:
    """Set one story's moderation: pre-moderate it, close it, or hold its comments with
    links (the CMS calls this when a story needs it; no policy file changes)."""
    site = current_key().site or ""
    row = settings_of(site, thread[:200])
    if row is None:
        row = ThreadSetting(site=site, thread=thread[:200])
        db.session.add(row)
    row.moderation, row.links, row.updated_at = args["moderation"], args["links"], utcnow()
    db.session.commit()
    return _view(thread[:200], row)


@blp.route("/threads/<path:thread>/settings", methods=["GET"])
@require(Role.SITE)
@blp.doc(security=[{"siteKey": []}])
@blp.response(200, ThreadSettingsResultSchema)
def get_settings(thread: str) -> dict[str, Any]:
    """One story's settings (the defaults when none were set)."""
    return _view(thread[:200], settings_of(current_key().site or "", thread[:200]))
