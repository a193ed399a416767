"""The webhook delivery process, ``moderation webhooks run``, and ``webhooks check``.

The worker loops over :func:`service.events.webhooks.deliver_due` until SIGTERM or SIGINT; several
may run at once, on any machine, since they share the work through the database.  ``check``
tells an operator which active endpoints the worker would refuse to send to now.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from service.events.delivery_settings import Settings
from service.events.egress import ResolveTimeout, UnsafeURL, check_url
from service.events.webhooks import DeliveryStats, deliver_due
from service.extensions import db
from service.models import WebhookEndpoint

log = logging.getLogger("service.events.webhooks")


def run_worker(app: Flask, *, interval: float = 5.0, batch: int = 100, once: bool = False,
               stop: threading.Event | None = None) -> DeliveryStats:
    """Deliver until stopped (SIGTERM or SIGINT: the current send finishes, the rest of the
    leased chunk is given back).  A database error is logged and the pass retried later."""
    stop = stop or threading.Event()
    settings = Settings.from_config(app.config)  # fail fast on a bad setting
    restore = _stop_on_signals(stop)
    total = DeliveryStats()
    log.info("webhook worker started", extra={"interval": interval, "batch": batch})
    try:
        while not stop.is_set():
            stats = DeliveryStats()
            try:
                with app.app_context():
                    stats = deliver_due(batch, settings=settings, should_stop=stop.is_set)
            except SQLAlchemyError:
                if once:
                    raise
                log.exception("webhook pass failed; retrying in %s s", interval)
            total.add(stats)
            if stats.claimed:
                log.info("webhook pass", extra=vars(stats))
            if once:
                break
            if stats.claimed < batch:  # caught up: wait; else go straight on
                stop.wait(interval)
    finally:
        restore()
        log.info("webhook worker stopped")
    return total


def _stop_on_signals(stop: threading.Event) -> Callable[[], None]:
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    for sig in previous:
        signal.signal(sig, lambda signum, frame: stop.set())

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


@click.group("webhooks")
def webhooks() -> None:
    """Deliver events to the sites' webhook endpoints."""


@webhooks.command("run")
@click.option("--once", is_flag=True, help="Make one pass over due deliveries, then exit.")
@click.option("--interval", type=click.FloatRange(min=0.05), default=5.0, show_default=True,
              help="Seconds to wait when nothing is due.")
@click.option("--batch", type=click.IntRange(min=1, max=10_000), default=100,
              show_default=True, help="Most deliveries sent per pass.")
@with_appcontext
def run_command(once: bool, interval: float, batch: int) -> None:
    """Run a delivery worker (several may run at once); SIGTERM stops it cleanly."""
    stats = run_worker(current_app._get_current_object(),  # type: ignore[attr-defined]
                       interval=interval, batch=batch, once=once)
    click.echo(f"claimed {stats.claimed}, delivered {stats.delivered}, retrying "
               f"{stats.retrying}, dead {stats.dead}, released {stats.released}", err=True)


@webhooks.command("check")
@with_appcontext
def check_command() -> None:
    """Check every active endpoint's URL as a delivery would (resolve it, refuse private
    and reserved addresses unless allowed); exit 1 if any would be refused, 2 if some only
    did not resolve in time (perhaps a passing DNS problem: run it again).

    Run it after an upgrade or after changing WEBHOOK_ALLOW_PRIVATE or
    WEBHOOK_ALLOWED_NETWORKS: an endpoint registered before the address checks existed, or
    allowed by a setting since removed, fails every delivery until its site replaces it.
    """
    settings = Settings.from_config(current_app.config)
    endpoints = db.session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.site, WebhookEndpoint.url)
        .where(WebhookEndpoint.active.is_(True)).order_by(WebhookEndpoint.id)).all()
    db.session.rollback()  # no transaction held open during the lookups
    refused = unresolved = 0
    for endpoint_id, site, url in endpoints:
        try:
            check_url(url, settings)
            verdict = "ok"
        except ResolveTimeout as exc:
            unresolved += 1
            verdict = f"UNRESOLVED: {exc}"
        except UnsafeURL as exc:
            refused += 1
            verdict = f"REFUSED: {exc}"
        click.echo(f"{endpoint_id}\t{site}\t{url}\t{verdict}")
    click.echo(f"{len(endpoints)} active endpoints, {refused} refused, {unresolved} not "
               "resolved in time", err=True)
    if refused or unresolved:
        raise SystemExit(1 if refused else 2)
