"""Webhook delivery: sign each outbox event and POST it to the site's endpoints.

A worker claims due deliveries in a short transaction that leases them (``attempts`` + 1 and
``next_attempt_at`` pushed past the time the sends can take; on PostgreSQL the rows are
picked with ``FOR UPDATE SKIP LOCKED``), commits, sends with no transaction open, and writes
each outcome in another short transaction.  A worker that dies mid-send leaves a lease that
runs out, and another worker sends again: delivery is *at least once*, and receivers
de-duplicate on ``X-Moderation-Event-Id``.  A failure is retried after an exponential,
capped, jittered delay; after ``WEBHOOK_MAX_ATTEMPTS`` attempts the delivery is ``dead`` and
waits for an admin (``POST /v1/admin/deliveries/<id>/retry``).  Nothing is deleted.
Each request is signed with the endpoint's secret as it is when the delivery is claimed and,
for a while after a rotation (``POST /v1/webhooks/<id>/secret``), with the previous one too.

A site chooses the URL, so every request is checked against server-side request forgery:
the host is resolved, every address must be globally routable (:func:`address_problem`;
``WEBHOOK_ALLOW_PRIVATE`` and ``WEBHOOK_ALLOWED_NETWORKS`` relax that for receivers on the
operator's own network), and the worker connects to the address it just checked rather than
resolving the name again (so a name that re-resolves elsewhere cannot slip through), sends
the original ``Host`` and verifies an https certificate against the original host name.
Registration runs the same check (:func:`check_url`), and redirects are never followed.
"""

from __future__ import annotations

import http.client
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from service.events.delivery_settings import CLAIM_CHUNK, Settings, State, backoff_seconds
from service.events.egress import (
    CheckedHTTPConnection,
    CheckedHTTPSConnection,
    UnsafeURL,
    check_url,
    tls_context,
)
from service.events.signatures import SIGNATURE_HEADER, event_body, sign
from service.extensions import db
from service.models import Delivery, Event, WebhookEndpoint, utcnow

log = logging.getLogger(__name__)

ERROR_CHARS = 500
LAPSED = "no outcome recorded for the last attempt (the worker stopped or stalled)"
USER_AGENT = "comment-moderation-webhooks/1"
EVENT_ID_HEADER = "X-Moderation-Event-Id"
EVENT_TYPE_HEADER = "X-Moderation-Event-Type"
BODY_SNIPPET_BYTES = 200


# -- one pass of the worker ----------------------------------------------------------------

@dataclass(frozen=True)
class Job:
    """A claimed delivery, with all it needs to be sent without the database."""

    delivery_id: int
    attempt: int
    url: str
    secret: str
    event_uid: str
    event_type: str
    body: bytes
    # The secret a rotation replaced, while it is still valid: it signs too (a second v1=).
    previous_secret: str | None = None


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None = None
    error: str | None = None


@dataclass
class DeliveryStats:
    """What a pass did: deliveries claimed, and how each ended."""

    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    released: int = 0

    def add(self, other: DeliveryStats) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def _in_transaction(work: Callable[[], Any]) -> Any:
    try:
        result = work()
        db.session.commit()
        return result
    except BaseException:
        db.session.rollback()
        raise


def previous_secret_at(previous: str | None, expires_at: datetime | None,
                       now: datetime) -> str | None:
    """The rotated-out secret if it still signs deliveries at ``now``, else None."""
    if previous is None or expires_at is None or expires_at <= now:
        return None
    return previous


def forget_expired_secrets(now: datetime) -> None:
    """Erase rotated-out secrets whose overlap ended by ``now``: they sign nothing any more,
    and a secret that is not stored cannot leak from the database or a backup.  (Tests pass
    a ``now`` in the future; a real worker passes the clock.)  Reads first and writes only
    when there is something to erase, so an idle worker takes no write lock."""
    expired = WebhookEndpoint.previous_secret_expires_at <= now

    def erase() -> None:
        if db.session.execute(select(WebhookEndpoint.id).where(expired).limit(1)).first():
            db.session.execute(
                update(WebhookEndpoint).where(expired)
                .values(previous_secret=None, previous_secret_expires_at=None)
                .execution_options(synchronize_session=False))

    _in_transaction(erase)


def claim_due(limit: int, now: datetime, settings: Settings) -> list[Job]:
    """Lease up to ``limit`` due deliveries to this worker and return them (committed)."""

    def claim() -> list[Job]:
        due = (select(Delivery.id, Delivery.attempts)
               .join(WebhookEndpoint, WebhookEndpoint.id == Delivery.endpoint_id)
               .where(Delivery.state == State.PENDING, Delivery.next_attempt_at <= now,
                      WebhookEndpoint.active.is_(True))
               .order_by(Delivery.next_attempt_at, Delivery.id)
               .limit(limit)
               .with_for_update(skip_locked=True, of=Delivery))  # SQLite: no-op
        rows = db.session.execute(due).all()
        ids = [d for d, attempts in rows if attempts < settings.max_attempts]
        lapsed = [d for d, attempts in rows if attempts >= settings.max_attempts]
        if lapsed:
            # The lease on the last attempt ran out: the worker died or stalled before it
            # recorded the outcome.  Dead-letter it rather than go past the limit.
            db.session.execute(
                update(Delivery)
                .where(Delivery.id.in_(lapsed), Delivery.state == State.PENDING,
                       Delivery.next_attempt_at <= now)
                .values(state=State.DEAD, last_error=LAPSED)
                .execution_options(synchronize_session=False))
        if not ids:
            return []
        # Conditional, so that on SQLite (no row locks) two workers cannot both win a row.
        won = dict(db.session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids), Delivery.state == State.PENDING,
                   Delivery.next_attempt_at <= now, Delivery.attempts < settings.max_attempts)
            .values(attempts=Delivery.attempts + 1, next_attempt_at=now + settings.lease)
            .returning(Delivery.id, Delivery.attempts)
            .execution_options(synchronize_session=False)).all())
        if not won:
            return []
        jobs = db.session.execute(
            select(Delivery.id, Event.uid, Event.type, Event.payload, WebhookEndpoint.url,
                   WebhookEndpoint.secret, WebhookEndpoint.previous_secret,
                   WebhookEndpoint.previous_secret_expires_at)
            .join(Event, Event.id == Delivery.event_id)
            .join(WebhookEndpoint, WebhookEndpoint.id == Delivery.endpoint_id)
            .where(Delivery.id.in_(won)).order_by(Delivery.id)).all()
        return [Job(delivery_id=d, attempt=won[d], url=url, secret=secret, event_uid=uid,
                    event_type=type_, body=event_body(payload),
                    previous_secret=previous_secret_at(previous, expires_at, now))
                for d, uid, type_, payload, url, secret, previous, expires_at in jobs]

    return _in_transaction(claim)


def send(job: Job, settings: Settings) -> Outcome:
    """POST one signed delivery; a 2xx answer within the timeout is a success.

    The host is resolved and checked at this moment and the connection made to a checked
    address; a forbidden one is a failure like a refused connection (retried, then dead).
    A redirect is an answer, not a success: a webhook is never re-sent elsewhere.
    """
    try:
        target = check_url(job.url, settings)
    except UnsafeURL as err:
        return Outcome(False, error=f"not sent: {err}"[:ERROR_CHARS])
    timeout = settings.timeout_seconds
    connection: http.client.HTTPConnection = (
        CheckedHTTPSConnection(target, timeout, tls_context()) if target.scheme == "https"
        else CheckedHTTPConnection(target, timeout))
    try:
        connection.request("POST", target.path, body=job.body, headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Connection": "close",
            EVENT_ID_HEADER: job.event_uid,
            EVENT_TYPE_HEADER: job.event_type,
            "X-Moderation-Attempt": str(job.attempt),
            SIGNATURE_HEADER: sign(job.secret, job.body, int(time.time()),
                                   previous_secret=job.previous_secret),
        })
        response = connection.getresponse()
        status = response.status
        if 200 <= status < 300:
            return Outcome(True, status)
        snippet = response.read(BODY_SNIPPET_BYTES).decode("utf-8", "replace").strip()
    except (OSError, http.client.HTTPException, ValueError) as err:  # timeouts, TLS too
        return Outcome(False, error=f"{type(err).__name__}: {err}"[:ERROR_CHARS])
    finally:
        connection.close()
    return Outcome(False, status, f"HTTP {status}" + (f": {snippet}" if snippet else ""))


def record(job: Job, outcome: Outcome, now: datetime, settings: Settings) -> State:
    """Write the outcome of an attempt; return the delivery's state after it."""
    error = outcome.error[:ERROR_CHARS] if outcome.error else None
    mine = [Delivery.id == job.delivery_id, Delivery.state == State.PENDING,
            Delivery.attempts == job.attempt]  # unless another worker took over the lease
    if outcome.ok:
        state = State.DELIVERED
        where = [Delivery.id == job.delivery_id, Delivery.state != State.DELIVERED]
        values: dict[str, Any] = {"state": state, "delivered_at": now,
                                  "last_status": outcome.status, "last_error": None}
    elif job.attempt >= settings.max_attempts:
        state, where = State.DEAD, mine
        values = {"state": state, "last_status": outcome.status, "last_error": error}
        log.warning("webhook delivery %s is dead after %s attempts: %s", job.delivery_id,
                    job.attempt, error)
    else:
        state, where = State.PENDING, mine
        delay = timedelta(seconds=backoff_seconds(job.attempt, settings))
        values = {"next_attempt_at": now + delay, "last_status": outcome.status,
                  "last_error": error}
    _in_transaction(lambda: db.session.execute(
        update(Delivery).where(*where).values(**values)
        .execution_options(synchronize_session=False)))
    return state


def release(jobs: list[Job], now: datetime) -> None:
    """Give back leased deliveries that were not sent (the worker is stopping)."""

    def give_back() -> None:
        for job in jobs:
            db.session.execute(
                update(Delivery)
                .where(Delivery.id == job.delivery_id, Delivery.state == State.PENDING,
                       Delivery.attempts == job.attempt)
                .values(attempts=Delivery.attempts - 1, next_attempt_at=now)
                .execution_options(synchronize_session=False))

    _in_transaction(give_back)


def deliver_due(limit: int = 100, *, now: datetime | None = None,
                settings: Settings | None = None,
                should_stop: Callable[[], bool] = lambda: False) -> DeliveryStats:
    """Send up to ``limit`` deliveries due at ``now`` (default: the clock); needs an app context.

    Deliveries are leased ``CLAIM_CHUNK`` at a time; no transaction is open while sending.
    """
    settings = settings or Settings.from_config(current_app.config)
    stats = DeliveryStats()
    forget_expired_secrets(now or utcnow())
    while stats.claimed < limit and not should_stop():
        jobs = claim_due(min(CLAIM_CHUNK, limit - stats.claimed), now or utcnow(), settings)
        if not jobs:
            break
        stats.claimed += len(jobs)
        for index, job in enumerate(jobs):
            if should_stop():
                release(jobs[index:], now or utcnow())
                stats.released += len(jobs) - index
                break
            state = record(job, send(job, settings), now or utcnow(), settings)
            if state is State.DELIVERED:
                stats.delivered += 1
            elif state is State.DEAD:
                stats.dead += 1
            else:
                stats.retrying += 1
    return stats
