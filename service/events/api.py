"""Telling the site: the events feed, webhook endpoints, and dead deliveries for admins."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, cast

from flask import current_app, request
from flask_smorest import Blueprint
from sqlalchemy import CursorResult, select, update

from service.api_links import NEW_WEBHOOK
from service.auth import current_key, require
from service.domain_errors import Conflict, NotFound, Unreadable
from service.errors import ApiError
from service.events.delivery_settings import State
from service.events.endpoints import deactivate_endpoint, register_endpoint, rotate_secret
from service.events.schemas import (
    DeliveryArgsSchema,
    DeliveryPageSchema,
    DeliverySchema,
    EventPageSchema,
    EventsArgsSchema,
    NewWebhookSchema,
    RotatedWebhookSchema,
    RotateSecretArgsSchema,
    WebhookArgsSchema,
    WebhookListSchema,
)
from service.extensions import db
from service.models import AuditEntry, Delivery, Event, Role, WebhookEndpoint, utcnow
from service.pagination import decode, encode
from service.schemas import CURSOR_NOT_OURS, MAX_ID

blp = Blueprint("events", __name__, url_prefix="/v1",
                description="Telling the site: events feed, webhooks, dead deliveries")
# OpenAPI security requirements: a scheme name and the scopes it needs (none).
SITE: list[dict[str, list[str]]] = [{"siteKey": []}]
ADMIN: list[dict[str, list[str]]] = [{"adminKey": []}]
# On PostgreSQL ids are taken before commit, so a later id can be visible before an earlier
# one; serving only events older than this keeps a poller from stepping over one for good.
DEFAULT_FEED_LAG_SECONDS = 5.0


# -- what the views call -------------------------------------------------------------------

def feed_lag_seconds(config: Mapping[str, Any]) -> float:
    """``EVENTS_FEED_LAG_SECONDS`` from the app config, else the environment, else 5."""
    raw = config.get("EVENTS_FEED_LAG_SECONDS")
    if raw is None or raw == "":
        raw = os.environ.get("EVENTS_FEED_LAG_SECONDS") or DEFAULT_FEED_LAG_SECONDS
    try:
        lag = float(raw)
    except (TypeError, ValueError) as exc:
        raise RuntimeError(f"EVENTS_FEED_LAG_SECONDS must be a number, got {raw!r}") from exc
    if lag < 0:
        raise RuntimeError(f"EVENTS_FEED_LAG_SECONDS must not be negative, got {raw!r}")
    return lag


def cursor_id(cursor: str, field: str = "cursor") -> int:
    """The row id a cursor of ours continues after; 400 naming ``field`` for anything else."""
    (last_id,) = decode(cursor, (int,), field)
    if not 0 <= last_id <= MAX_ID:
        raise Unreadable("The cursor is not valid; use next_cursor from a previous page.",
                         errors={field: ["Not a valid cursor."]})
    return last_id


def site_events(site: str, after: int | None, limit: int) -> tuple[list[Event], bool]:
    """The site's events after id ``after``, oldest first, and whether more are ready."""
    lag = feed_lag_seconds(current_app.config)
    stmt = (select(Event).where(Event.site == site,
                                Event.created_at <= utcnow() - timedelta(seconds=lag))
            .order_by(Event.id).limit(limit + 1))
    if after is not None:
        stmt = stmt.where(Event.id > after)
    rows = list(db.session.execute(stmt).scalars())
    return rows[:limit], len(rows) > limit


def _delivery_view(delivery: Delivery, event: Event, endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {"id": delivery.id, "state": delivery.state, "attempts": delivery.attempts,
            "last_status": delivery.last_status, "last_error": delivery.last_error,
            "next_attempt_at": delivery.next_attempt_at, "delivered_at": delivery.delivered_at,
            "event_id": event.uid, "event_type": event.type, "site": event.site,
            "endpoint_id": endpoint.id, "url": endpoint.url}


def _deliveries() -> Any:
    return (select(Delivery, Event, WebhookEndpoint)
            .join(Event, Event.id == Delivery.event_id)
            .join(WebhookEndpoint, WebhookEndpoint.id == Delivery.endpoint_id))


def retry_dead(delivery_id: int) -> dict[str, Any]:
    """Put a dead delivery back in the queue, due now, with a fresh count of attempts."""
    row = db.session.execute(_deliveries().where(Delivery.id == delivery_id)).first()
    if row is None:
        raise NotFound(f"No delivery {delivery_id}.")
    delivery, event, endpoint = row
    if not endpoint.active:
        raise Conflict(f"Endpoint {endpoint.id} is deactivated; the site can fetch "
                       "the event from GET /v1/events.", kind="endpoint-inactive")
    # Conditional, so that two admins (or a late worker) cannot both act on it.
    result = cast("CursorResult[Any]", db.session.execute(  # an UPDATE: a CursorResult
        update(Delivery).where(Delivery.id == delivery.id, Delivery.state == State.DEAD)
        .values(state=State.PENDING, attempts=0, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)))
    if result.rowcount != 1:
        db.session.rollback()
        raise Conflict(f"Delivery {delivery_id} is not dead; only dead deliveries are "
                       "retried.", kind="not-dead")
    key = current_key()
    db.session.add(AuditEntry(comment_id=event.comment_id, site=event.site,
                              action="webhook.retry", actor=key.actor, key_id=key.id,
                              detail={"delivery_id": delivery.id, "event_id": event.uid,
                                      "last_error": delivery.last_error}))
    db.session.commit()
    return _delivery_view(*db.session.execute(
        _deliveries().where(Delivery.id == delivery_id)).one())


# -- views ---------------------------------------------------------------------------------

@blp.route("/events", methods=["GET"])
@require(Role.SITE)
@blp.doc(security=SITE)
@blp.arguments(EventsArgsSchema, location="query")
@blp.response(200, EventPageSchema)
@blp.alt_response(400, description=CURSOR_NOT_OURS)
def list_events(args: dict[str, Any]) -> dict[str, Any]:
    """The site's events, oldest first: poll with `after=<next_cursor>` instead of webhooks."""
    after = cursor_id(args["after"], "after") if args.get("after") else None
    events, more = site_events(current_key().site or "", after, args["limit"])
    last = events[-1].id if events else after
    return {"items": [e.payload for e in events], "has_more": more,
            "next_cursor": encode([last]) if last is not None else None}


@blp.route("/webhooks", methods=["POST"])
@require(Role.SITE)
@blp.doc(security=SITE)
@blp.arguments(WebhookArgsSchema)
@blp.response(201, NewWebhookSchema, description="Registered; `secret` is shown only now.")
@blp.doc(**NEW_WEBHOOK)
@blp.alt_response(409, description="The site has the most endpoints allowed.")
def create_webhook(args: dict[str, Any]) -> dict[str, Any]:
    """Register a URL to receive the site's events, signed with a secret."""
    endpoint, secret = register_endpoint(current_key().site or "", args["url"],
                                         args.get("secret"))
    return {"id": endpoint.id, "url": endpoint.url, "active": endpoint.active,
            "created_at": endpoint.created_at, "secret": secret}


@blp.route("/webhooks", methods=["GET"])
@require(Role.SITE)
@blp.doc(security=SITE)
@blp.response(200, WebhookListSchema)
def list_webhooks() -> dict[str, Any]:
    """The site's active endpoints (never their secrets)."""
    rows = db.session.execute(
        select(WebhookEndpoint).where(WebhookEndpoint.site == current_key().site,
                                      WebhookEndpoint.active.is_(True))
        .order_by(WebhookEndpoint.id)).scalars()
    return {"items": list(rows)}


@blp.route("/webhooks/<id:endpoint_id>", methods=["DELETE"])
@require(Role.SITE)
@blp.doc(security=SITE)
@blp.response(204)
def delete_webhook(endpoint_id: int) -> None:
    """Deactivate an endpoint: nothing more is sent to it."""
    deactivate_endpoint(current_key().site or "", endpoint_id)


@blp.route("/webhooks/<id:endpoint_id>/secret", methods=["POST"])
@require(Role.SITE)
@blp.doc(security=SITE)
@blp.arguments(RotateSecretArgsSchema, required=False)
@blp.response(200, RotatedWebhookSchema,
              description="Rotated; the new `secret` is shown only now.")
@blp.alt_response(415, description="A body that is not JSON.")
def rotate_webhook_secret(args: dict[str, Any], endpoint_id: int) -> dict[str, Any]:
    """Replace an endpoint's signing secret; the old one keeps signing for a while.

    For `previous_valid_hours` (default 24, at most 72; 0: none) each delivery carries two
    signatures, with the new secret and with the old one, so the receiver can switch over.
    The body is optional: without one a secret is generated and the old one kept 24 hours.
    """
    if request.get_data(cache=True) and not request.is_json:
        # A form-encoded previous_valid_hours=0 must not be ignored silently.
        raise ApiError(415, "Send the options as application/json, or no body at all.",
                       kind="unsupported-media-type")
    endpoint, secret, expires_at = rotate_secret(
        current_key().site or "", endpoint_id, args.get("secret"),
        args["previous_valid_hours"])
    return {"id": endpoint.id, "url": endpoint.url, "active": endpoint.active,
            "created_at": endpoint.created_at, "secret": secret,
            "previous_secret_expires_at": expires_at}


@blp.route("/admin/deliveries", methods=["GET"])
@require(Role.ADMIN)
@blp.doc(security=ADMIN)
@blp.arguments(DeliveryArgsSchema, location="query")
@blp.response(200, DeliveryPageSchema)
@blp.alt_response(400, description=CURSOR_NOT_OURS)
def list_deliveries(args: dict[str, Any]) -> dict[str, Any]:
    """Deliveries in a state (default `dead`: the dead letters), oldest first, with last error."""
    limit = args["limit"]
    stmt = _deliveries().where(Delivery.state == args["state"]).order_by(Delivery.id)
    if args.get("cursor"):
        stmt = stmt.where(Delivery.id > cursor_id(args["cursor"]))
    rows = db.session.execute(stmt.limit(limit + 1)).all()
    items = [_delivery_view(*row) for row in rows[:limit]]
    more = len(rows) > limit
    return {"items": items, "next_cursor": encode([items[-1]["id"]]) if more else None}


@blp.route("/admin/deliveries/<id:delivery_id>/retry", methods=["POST"])
@require(Role.ADMIN)
@blp.doc(security=ADMIN)
@blp.response(200, DeliverySchema)
@blp.alt_response(409, description="The delivery is not dead, or its endpoint is deactivated.")
def retry_delivery(delivery_id: int) -> dict[str, Any]:
    """Put a dead delivery back in the queue (due now, attempts from zero)."""
    return retry_dead(delivery_id)
