"""A site's webhook endpoints: registering one (its URL checked), deactivating it, and
rotating its secret.  The views are in :mod:`service.events.api`."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from service.auth import current_key
from service.domain_errors import Conflict, InvalidField, NotFound
from service.events.delivery_settings import Settings, State
from service.events.egress import UnsafeURL, check_url
from service.extensions import db
from service.models import AuditEntry, Delivery, WebhookEndpoint, utcnow

MAX_ENDPOINTS_PER_SITE = 10


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def register_endpoint(site: str, url: str, secret: str | None) -> tuple[WebhookEndpoint, str]:
    """Add an endpoint; return it with its secret (generated if not given).

    The URL's host is resolved now and every address checked, as the worker does before
    each request (which is what actually protects: a name can re-resolve later): a URL that
    points into the service's own network is refused with a 422 on ``url``.
    """
    try:
        check_url(url, Settings.from_config(current_app.config))
    except UnsafeURL as exc:
        message = (f"The URL's host {exc}; webhooks are sent only to public addresses."
                   if exc.address is not None else f"The URL cannot be used: {exc}.")
        raise InvalidField(message, errors={"url": [message]}) from exc
    active = db.session.execute(
        select(func.count()).select_from(WebhookEndpoint)
        .where(WebhookEndpoint.site == site, WebhookEndpoint.active.is_(True))).scalar_one()
    if active >= MAX_ENDPOINTS_PER_SITE:
        raise Conflict(f"A site may have {MAX_ENDPOINTS_PER_SITE} active endpoints; "
                       "delete one first.", kind="too-many-endpoints")
    secret = secret or new_secret()
    endpoint = WebhookEndpoint(site=site, url=url, secret=secret, active=True)
    db.session.add(endpoint)
    db.session.commit()
    return endpoint, secret


def deactivate_endpoint(site: str, endpoint_id: int) -> None:
    """Stop sending to an endpoint; its unsent deliveries are cancelled (the feed keeps all)."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.site != site:
        raise NotFound(f"No webhook endpoint {endpoint_id} on this site.")
    endpoint.active = False
    db.session.execute(
        update(Delivery)
        .where(Delivery.endpoint_id == endpoint.id, Delivery.state == State.PENDING)
        .values(state=State.CANCELLED, last_error="endpoint deactivated")
        .execution_options(synchronize_session=False))
    db.session.commit()


def rotate_secret(site: str, endpoint_id: int, secret: str | None,
                  previous_valid_hours: int) -> tuple[WebhookEndpoint, str, datetime]:
    """Give an active endpoint a new secret (generated if not given); return the endpoint,
    the new secret and when the one it replaces stops signing deliveries.

    For ``previous_valid_hours`` the replaced secret keeps signing next to the new one; a
    secret kept from an earlier rotation is dropped (only one previous secret is kept).
    With 0 the replaced secret is not kept at all.  Recorded in the audit log.
    """
    endpoint = db.session.execute(  # locked: two rotations at once do not lose one
        select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
        .with_for_update()).scalar_one_or_none()
    if endpoint is None or endpoint.site != site or not endpoint.active:
        db.session.rollback()
        raise NotFound(f"No webhook endpoint {endpoint_id} on this site.")
    if secret is not None and hmac.compare_digest(secret.encode(), endpoint.secret.encode()):
        db.session.rollback()
        message = "This is the endpoint's current secret; send a new one, or none."
        raise InvalidField(message, errors={"secret": [message]})
    now = utcnow()
    expires_at = now + timedelta(hours=previous_valid_hours)
    secret = secret or new_secret()
    if previous_valid_hours > 0:
        endpoint.previous_secret, endpoint.previous_secret_expires_at = endpoint.secret, expires_at
    else:
        endpoint.previous_secret, endpoint.previous_secret_expires_at = None, None
    endpoint.secret = secret
    key = current_key()
    db.session.add(AuditEntry(comment_id=None, site=endpoint.site,
                              action="webhook.rotate-secret", actor=key.actor, key_id=key.id,
                              detail={"endpoint_id": endpoint.id, "url": endpoint.url,
                                      "previous_valid_hours": previous_valid_hours,
                                      "previous_secret_expires_at": expires_at.isoformat()},
                              created_at=now))
    db.session.commit()
    return endpoint, secret, expires_at
