"""Telling moderators in their chat: ``moderation notify run``.

Optional (set ``NOTIFY_CHAT_URL`` to an incoming-webhook URL of Slack, Mattermost or
Rocket.Chat, which all take ``{"text": "..."}``).  Each pass of the notifier:

- reads the ``comment.escalated`` events written since its last pass (the outbox is the
  record: a notifier that was down catches up) and posts one message about them;
- posts when the oldest held or reported comment has waited longer than
  ``NOTIFY_QUEUE_AGE_MINUTES``, then again every ``NOTIFY_REPEAT_MINUTES`` while it lasts.

Where it is (the last event read, the last queue-age message) is kept in the database
(``notifier_state``), so a restart neither repeats nor skips anything; a message that
could not be posted is tried again on the next pass.  Run one notifier.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from service.extensions import db
from service.models import Event, NotifierState, utcnow
from service.review.moderate.texts import CATALOGUE, P_
from service.review.queue import waiting_ages

log = logging.getLogger("service.notifier")
STATE_NAME = "chat"
MAX_EVENTS = 50
ESCALATED_ONE = P_("Comment #%(id)s (%(site)s / %(thread)s) was escalated to an admin.")
ESCALATED_MANY = P_("%(count)s comments were escalated to an admin: %(ids)s.")
QUEUES = {"pending": P_("held for review"), "reported": P_("reported by readers")}
TOO_OLD = P_("The review queue is waiting: its oldest item (%(queue)s) has waited "
             "%(minutes)s minutes, and %(count)s items wait in all.")


class NotifyFailed(Exception):
    """The chat did not take the message."""


@dataclass(frozen=True)
class NotifySettings:
    url: str
    queue_age: timedelta
    repeat: timedelta
    page_url: str
    language: str
    timeout: float

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> NotifySettings | None:
        """The settings, or None when ``NOTIFY_CHAT_URL`` is not set; a bad value fails
        at start."""
        url = (config.get("NOTIFY_CHAT_URL") or "").strip()
        if not url:
            return None
        if not url.startswith(("https://", "http://")):
            raise RuntimeError(f"NOTIFY_CHAT_URL must be an http(s) URL, got {url!r}")
        language = config.get("NOTIFY_LANGUAGE") or "en"
        if language not in CATALOGUE.languages:
            raise RuntimeError(f"NOTIFY_LANGUAGE must be one of {CATALOGUE.languages}, got "
                               f"{language!r}")
        minutes = int(config.get("NOTIFY_QUEUE_AGE_MINUTES") or 30)
        repeat = int(config.get("NOTIFY_REPEAT_MINUTES") or 60)
        if minutes < 1 or repeat < 1:
            raise RuntimeError("NOTIFY_QUEUE_AGE_MINUTES and NOTIFY_REPEAT_MINUTES must be "
                               "at least 1")
        return cls(url=url, queue_age=timedelta(minutes=minutes),
                   repeat=timedelta(minutes=repeat),
                   page_url=(config.get("NOTIFY_PAGE_URL") or "").rstrip("/"),
                   language=language, timeout=float(config.get("NOTIFY_TIMEOUT_SECONDS") or 10))

    def say(self, message: str, **values: Any) -> str:
        return CATALOGUE.gettext(self.language, message) % values

    def link(self, path: str) -> str:
        return f" {self.page_url}{path}" if self.page_url else ""


def post_text(settings: NotifySettings, text: str) -> None:
    """POST ``{"text": text}`` to the chat's incoming webhook; any non-2xx is a failure."""
    body = json.dumps({"text": text}).encode()
    request = urllib.request.Request(settings.url, data=body, method="POST",  # noqa: S310
                                     headers={"Content-Type": "application/json",
                                              "User-Agent": "comment-moderation-notifier/1"})
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout) as answer:  # noqa: S310
            if not 200 <= answer.status < 300:
                raise NotifyFailed(f"HTTP {answer.status}")
    except (OSError, urllib.error.URLError, ValueError) as err:
        raise NotifyFailed(f"{type(err).__name__}: {err}") from err


def _state() -> NotifierState:
    state = db.session.execute(select(NotifierState).where(
        NotifierState.name == STATE_NAME)).scalar_one_or_none()
    if state is None:  # a new notifier starts from now: no flood of old escalations
        newest = db.session.execute(select(func.max(Event.id))).scalar_one() or 0
        state = NotifierState(name=STATE_NAME, last_event_id=newest)
        db.session.add(state)
        db.session.flush()
    return state


def notify_once(settings: NotifySettings, now: datetime | None = None,
                post: Callable[[NotifySettings, str], None] = post_text) -> list[str]:
    """One pass (see the module's docstring); return the messages posted."""
    now = now or utcnow()
    sent: list[str] = []
    state = _state()
    newest = db.session.execute(select(func.max(Event.id))).scalar_one() or 0
    escalated = list(db.session.execute(
        select(Event).where(Event.id > state.last_event_id, Event.id <= newest,
                            Event.type == "comment.escalated")
        .order_by(Event.id).limit(MAX_EVENTS)).scalars())
    if escalated:
        text = _escalation_text(settings, escalated)
        try:
            post(settings, text)
        except NotifyFailed as err:
            log.warning("chat notification failed; trying again next pass: %s", err)
            db.session.commit()  # the state row, if it was just made
            return sent
        sent.append(text)
    state.last_event_id = escalated[-1].id if len(escalated) == MAX_EVENTS else newest
    db.session.commit()

    ages = waiting_ages()
    waiting = {name: since for name, (_, since) in ages.items()
               if name in ("pending", "reported") and since is not None}
    if not waiting or now - min(waiting.values()) < settings.queue_age:
        state.age_alert_at = None  # the next time it is too old, say so at once
        db.session.commit()
        return sent
    if state.age_alert_at is not None and now - state.age_alert_at < settings.repeat:
        db.session.commit()
        return sent
    queue_name, since = min(waiting.items(), key=lambda item: item[1])
    text = settings.say(TOO_OLD, queue=CATALOGUE.gettext(settings.language, QUEUES[queue_name]),
                        minutes=int((now - since).total_seconds() // 60),
                        count=sum(ages[name][0] for name in waiting)
                        ) + settings.link(f"/moderate/?queue={queue_name}&sort=age")
    try:
        post(settings, text)
    except NotifyFailed as err:
        log.warning("chat notification failed; trying again next pass: %s", err)
        db.session.commit()
        return sent
    state.age_alert_at = now
    db.session.commit()
    sent.append(text)
    return sent


def _escalation_text(settings: NotifySettings, events: list[Event]) -> str:
    if len(events) == 1:
        comment = events[0].payload["comment"]
        return settings.say(ESCALATED_ONE, id=comment["id"], site=events[0].site,
                            thread=comment["thread"]) + settings.link(
            f"/moderate/comments/{comment['id']}")
    ids = ", ".join(f"#{e.payload['comment']['id']}" for e in events)
    return settings.say(ESCALATED_MANY, count=len(events), ids=ids) + settings.link(
        "/moderate/?queue=escalated")


def run_notifier(app: Flask, *, interval: float = 60.0, once: bool = False,
                 stop: threading.Event | None = None) -> int:
    """Pass after pass until stopped (SIGTERM, SIGINT); return how many messages were sent."""
    from service.events.worker import _stop_on_signals

    settings = NotifySettings.from_config(app.config)
    if settings is None:
        raise click.ClickException("Set NOTIFY_CHAT_URL to the chat's incoming-webhook URL.")
    stop = stop or threading.Event()
    restore = _stop_on_signals(stop)
    total = 0
    log.info("chat notifier started", extra={"interval": interval})
    try:
        while not stop.is_set():
            try:
                with app.app_context():
                    total += len(notify_once(settings))
            except SQLAlchemyError:
                if once:
                    raise
                log.exception("notifier pass failed; retrying in %s s", interval)
            if once:
                break
            stop.wait(interval)
    finally:
        restore()
        log.info("chat notifier stopped")
    return total


@click.group("notify")
def notify() -> None:
    """Tell moderators in their chat when something waits."""


@notify.command("run")
@click.option("--once", is_flag=True, help="Make one pass, then exit.")
@click.option("--interval", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="Seconds between passes.")
@with_appcontext
def run_command(once: bool, interval: float) -> None:
    """Post escalations and a too-old queue to NOTIFY_CHAT_URL; SIGTERM stops it."""
    sent = run_notifier(current_app._get_current_object(),  # type: ignore[attr-defined]
                        interval=interval, once=once)
    click.echo(f"sent {sent}", err=True)
