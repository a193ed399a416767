"""Webhook delivery against a real HTTP receiver on 127.0.0.1: signatures, retries, dead
letters, several workers at once, and the address checks made before each request.  The
worker is driven with ``deliver_due(now=...)``.  The receivers are on loopback, so these tests
turn on ``WEBHOOK_ALLOW_PRIVATE`` (off by default); those about the checks turn it off."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from service.events.delivery_settings import Settings, backoff_seconds
from service.events.signatures import sign, verify_signature
from tests.conftest import auth
from tests.service.events.test_events import (
    PUBLIC_IP,
    FakeDNS,
    decide,
    fake_dns,
    feed,
    mount,
    register,
)
from tests.service.review.test_review import LINKS, hold

SECRET = "receiver-secret-0123456789"
TIMEOUT = 0.5  # WEBHOOK_TIMEOUT_SECONDS set by mount()


@pytest.fixture(autouse=True)
def _mounted(app: Flask) -> None:
    mount(app)
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True  # the receivers are on 127.0.0.1


@pytest.fixture(autouse=True)
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    return fake_dns(monkeypatch)


class Receiver:
    """An HTTP server that answers each POST as its plan says: ``200``, ``500``, ``302`` or
    ``"timeout"`` (answers only after the sender gave up); then ``default``."""

    def __init__(self, plan: list[int | str], default: int | str = 200,
                 delay: float = 0.0, tls: ssl.SSLContext | None = None) -> None:
        self.plan, self.default, self.delay = list(plan), default, delay
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.closing = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    answer = receiver.plan.pop(0) if receiver.plan else receiver.default
                    receiver.received.append({"headers": dict(self.headers), "body": body,
                                              "answer": answer})
                if receiver.delay:
                    receiver.closing.wait(receiver.delay)
                if answer == "timeout":
                    receiver.closing.wait(TIMEOUT * 3)
                    answer = 200
                try:
                    self.send_response(int(answer))
                    if answer == 302:
                        self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                    self.send_header("Content-Length", "4")
                    self.end_headers()
                    self.wfile.write(b"done")
                except OSError:
                    pass  # the sender timed out and closed the connection

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.scheme = "https" if tls else "http"
        if tls:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{self.scheme}://{host}:{port}/hooks/moderation"

    def url_at(self, name: str) -> str:
        """The URL with a host name instead of the address."""
        return f"{self.scheme}://{name}:{self.server.server_address[1]}/hooks/moderation"

    def accepted(self) -> list[dict[str, Any]]:
        return [r for r in self.received if r["answer"] == 200]

    def close(self) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    made: list[Receiver] = []

    def make(plan: list[int | str] | None = None, **kwargs: Any) -> Receiver:
        made.append(Receiver(plan or [], **kwargs))
        return made[-1]

    yield make
    for one in made:
        one.close()


def run(app: Flask, now: datetime, limit: int = 100) -> Any:
    from service.events.webhooks import deliver_due

    with app.app_context():
        return deliver_due(limit, now=now)


def stored_secrets(app: Flask, endpoint_id: int) -> tuple[str, str | None, datetime | None]:
    """The endpoint's secret, previous secret and the end of its overlap, as stored."""
    from service.extensions import db
    from service.models import WebhookEndpoint

    with app.app_context():
        row = db.session.get(WebhookEndpoint, endpoint_id)
        assert row is not None
        return row.secret, row.previous_secret, row.previous_secret_expires_at


def deliveries(app: Flask) -> list[Any]:
    from service.extensions import db
    from service.models import Delivery

    with app.app_context():
        rows = list(db.session.execute(select(Delivery).order_by(Delivery.id)).scalars())
        db.session.expunge_all()
        return rows


def decided_events(client: FlaskClient, site_key: str, moderator_key: str, n: int) -> list[str]:
    """Make ``n`` events: a comment held is one (``comment.held``), its decision the next;
    return their ids from the feed."""
    comment_id = 0
    for i in range(n):
        if i % 2 == 0:
            comment_id = hold(client, site_key, body=f"{LINKS} {i}")["id"]
        else:
            decide(client, moderator_key, comment_id, "approve" if i % 4 == 1 else "reject")
    events = feed(client, site_key)["items"]
    assert len(events) == n
    return [e["id"] for e in events]


def later(seconds: float) -> datetime:
    from service.models import utcnow

    return utcnow() + timedelta(seconds=seconds)


# -- signatures and backoff ----------------------------------------------------------------

def test_signature_verifies_and_rejects_tampering_and_replays() -> None:
    body = b'{"id":"e1"}'
    header = sign(SECRET, body, 1_800_000_000)
    assert verify_signature(SECRET, body, header, now=1_800_000_100)
    assert not verify_signature(SECRET, body + b" ", header, now=1_800_000_100)
    assert not verify_signature("another-secret", body, header, now=1_800_000_100)
    assert not verify_signature(SECRET, body, header, now=1_800_001_000)  # too old: a replay
    assert not verify_signature(SECRET, body, "v1=abc", now=1_800_000_000)
    # during a secret rotation a header may carry two signatures
    rotated = header + "," + sign("old-secret", body, 1_800_000_000).split(",")[1]
    assert verify_signature("old-secret", body, rotated, now=1_800_000_000)
    assert sign(SECRET, body, 1_800_000_000, previous_secret="old-secret") == rotated
    assert verify_signature(SECRET, body, rotated, now=1_800_000_000)


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    settings = Settings(backoff_seconds=10, backoff_cap_seconds=300)
    rng = random.Random(7)
    for failures, ceiling in ((1, 10), (2, 20), (3, 40), (5, 160), (6, 300), (30, 300)):
        delays = [backoff_seconds(failures, settings, rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1


def test_settings_come_from_the_config_and_bad_values_fail_fast() -> None:
    assert Settings.from_config({}) == Settings()
    assert Settings.from_config({"WEBHOOK_MAX_ATTEMPTS": "3"}).max_attempts == 3
    for bad in ({"WEBHOOK_MAX_ATTEMPTS": "many"}, {"WEBHOOK_TIMEOUT_SECONDS": 0}):
        with pytest.raises(RuntimeError):
            Settings.from_config(bad)


# -- delivery ------------------------------------------------------------------------------

def test_failures_and_a_timeout_are_retried_until_every_event_arrives(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str,
        receiver: Callable[..., Receiver]) -> None:
    app.config["WEBHOOK_BACKOFF_SECONDS"] = 30
    hook = receiver([500, 500, "timeout"])
    register(client, site_key, hook.url, secret=SECRET)
    uids = decided_events(client, site_key, moderator_key, 3)

    first = run(app, later(0))
    assert (first.claimed, first.delivered, first.retrying) == (3, 0, 3)
    assert run(app, later(10)).claimed == 0  # not due yet: backoff
    second = run(app, later(600))
    assert (second.claimed, second.delivered) == (3, 3)
    assert run(app, later(7200)).claimed == 0  # nothing left

    assert [r["answer"] for r in hook.received] == [500, 500, "timeout", 200, 200, 200]
    by_uid: dict[str, list[dict[str, Any]]] = {}
    for request in hook.received:
        headers = request["headers"]
        assert verify_signature(SECRET, request["body"], headers["X-Moderation-Signature"])
        assert headers["Content-Type"] == "application/json"
        payload = json.loads(request["body"])
        assert payload["id"] == headers["X-Moderation-Event-Id"]
        assert payload["type"] == headers["X-Moderation-Event-Type"]
        by_uid.setdefault(payload["id"], []).append(request)
    assert sorted(by_uid) == sorted(uids)  # every event arrived, none invented
    for attempts in by_uid.values():  # same id and body on the retry; it was accepted
        assert [a["answer"] for a in attempts][-1] == 200
        assert len({a["body"] for a in attempts}) == 1
        assert [a["headers"]["X-Moderation-Attempt"] for a in attempts] == ["1", "2"]

    rows = deliveries(app)
    assert [(d.state, d.attempts, d.last_status, d.last_error) for d in rows] == [
        ("delivered", 2, 200, None)] * 3
    assert all(d.delivered_at is not None for d in rows)


def test_errors_are_recorded_and_a_redirect_is_not_followed(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str,
        receiver: Callable[..., Receiver]) -> None:
    hook = receiver([302, "timeout", 500])
    register(client, site_key, hook.url, secret=SECRET)
    decided_events(client, site_key, moderator_key, 1)
    for step, (state, status, error) in enumerate([("pending", 302, "HTTP 302"),
                                                   ("pending", None, "TimeoutError"),
                                                   ("dead", 500, "HTTP 500: done")]):
        assert run(app, later(3600 * step)).claimed == 1
        (row,) = deliveries(app)
        assert (row.state, row.last_status) == (state, status)
        assert error in row.last_error
    assert len(hook.received) == 3  # nothing went to the Location of the redirect


def test_always_failing_endpoint_goes_dead_and_an_admin_requeues_it(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str, admin_key: str,
        receiver: Callable[..., Receiver]) -> None:
    hook = receiver(default=500)
    endpoint = register(client, site_key, hook.url, secret=SECRET)
    (uid,) = decided_events(client, site_key, moderator_key, 1)
    outcomes = [run(app, later(3600 * step)) for step in range(4)]  # WEBHOOK_MAX_ATTEMPTS=3
    assert [(s.retrying, s.dead) for s in outcomes] == [(1, 0), (1, 0), (0, 1), (0, 0)]
    assert len(hook.received) == 3

    dead = client.get("/v1/admin/deliveries", headers=auth(admin_key)).get_json()
    (item,) = dead["items"]
    assert item["state"] == "dead" and item["attempts"] == 3
    assert item["last_status"] == 500 and item["last_error"].startswith("HTTP 500")
    assert item["event_id"] == uid and item["site"] == "news"
    assert item["endpoint_id"] == endpoint["id"] and item["url"] == hook.url

    hook.default = 200  # the site fixed its receiver
    retried = client.post(f"/v1/admin/deliveries/{item['id']}/retry", headers=auth(admin_key))
    assert retried.status_code == 200
    assert retried.get_json()["state"] == "pending" and retried.get_json()["attempts"] == 0
    again = client.post(f"/v1/admin/deliveries/{item['id']}/retry", headers=auth(admin_key))
    assert again.status_code == 409

    assert run(app, later(0)).delivered == 1
    assert [json.loads(r["body"])["id"] for r in hook.received] == [uid] * 4
    assert client.get("/v1/admin/deliveries", headers=auth(admin_key)).get_json()["items"] == []
    delivered = client.get("/v1/admin/deliveries", query_string={"state": "delivered"},
                           headers=auth(admin_key)).get_json()["items"]
    assert [d["id"] for d in delivered] == [item["id"]]
    assert_retry_audited(app, item["id"])


def assert_retry_audited(app: Flask, delivery_id: int) -> None:
    from service.extensions import db
    from service.models import AuditEntry

    with app.app_context():
        entry = db.session.execute(
            select(AuditEntry).where(AuditEntry.action == "webhook.retry")).scalar_one()
        assert entry.actor.startswith("test admin#")
        assert entry.detail["delivery_id"] == delivery_id


def test_a_dead_delivery_of_a_deleted_endpoint_is_not_requeued(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str, admin_key: str,
        receiver: Callable[..., Receiver]) -> None:
    hook = receiver(default=500)
    endpoint = register(client, site_key, hook.url, secret=SECRET)
    decided_events(client, site_key, moderator_key, 1)
    for step in range(3):
        run(app, later(3600 * step))
    client.delete(f"/v1/webhooks/{endpoint['id']}", headers=auth(site_key))
    (row,) = deliveries(app)
    assert row.state == "dead"
    response = client.post(f"/v1/admin/deliveries/{row.id}/retry", headers=auth(admin_key))
    assert response.status_code == 409
    assert response.get_json()["type"].endswith("endpoint-inactive")


def test_a_deactivated_endpoint_gets_nothing_more(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str,
        receiver: Callable[..., Receiver]) -> None:
    hook = receiver()
    endpoint = register(client, site_key, hook.url, secret=SECRET)
    decided_events(client, site_key, moderator_key, 2)
    client.delete(f"/v1/webhooks/{endpoint['id']}", headers=auth(site_key))
    assert run(app, later(0)).claimed == 0
    assert hook.received == []
    assert len(feed(client, site_key)["items"]) == 2  # the feed still has them


# -- rotating the secret ---------------------------------------------------------------------

NEW_SECRET = "receiver-secret-rotated-9876543210"


def rotate(client: FlaskClient, key: str, endpoint_id: int, **body: Any) -> dict[str, Any]:
    response = client.post(f"/v1/webhooks/{endpoint_id}/secret", json=body, headers=auth(key))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def signatures(request: dict[str, Any]) -> list[str]:
    """The ``v1=`` values of a delivery's signature header, in order."""
    header = request["headers"]["X-Moderation-Signature"]
    return [part[3:] for part in header.split(",") if part.startswith("v1=")]


def verifies(secret: str, request: dict[str, Any]) -> bool:
    return verify_signature(secret, request["body"],
                            request["headers"]["X-Moderation-Signature"])


def test_after_a_rotation_both_secrets_sign_until_the_overlap_ends(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str,
        receiver: Callable[..., Receiver]) -> None:
    from service.extensions import db
    from service.models import AuditEntry

    hook = receiver()
    endpoint = register(client, site_key, hook.url, secret=SECRET)
    decided_events(client, site_key, moderator_key, 1)  # pending when the secret changes
    rotated = rotate(client, site_key, endpoint["id"], secret=NEW_SECRET)
    assert rotated["secret"] == NEW_SECRET
    assert (rotated["id"], rotated["url"], rotated["active"]) == (endpoint["id"], hook.url, True)
    ends = datetime.fromisoformat(rotated["previous_secret_expires_at"])
    assert later(24 * 3600 - 60) < ends < later(24 * 3600 + 60)  # the default: 24 hours

    assert run(app, later(0)).delivered == 1  # the pending delivery was not lost
    (during,) = hook.received
    assert verifies(NEW_SECRET, during) and verifies(SECRET, during)
    header = during["headers"]["X-Moderation-Signature"]
    timestamp = int(header.split(",")[0].removeprefix("t="))
    # t=...,v1=<with the new secret>,v1=<with the old one>
    assert header == sign(NEW_SECRET, during["body"], timestamp, previous_secret=SECRET)
    assert signatures(during) == [sign(key, during["body"], timestamp).partition("v1=")[2]
                                  for key in (NEW_SECRET, SECRET)]

    hold(client, site_key, body=f"{LINKS} after")  # its comment.held event
    assert run(app, ends + timedelta(seconds=1)).delivered == 1  # the overlap is over
    after = hook.received[1]
    assert verifies(NEW_SECRET, after) and not verifies(SECRET, after)
    assert len(signatures(after)) == 1

    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "webhook.rotate-secret")).scalar_one()
        assert entry.site == "news" and entry.actor.startswith("test site#")
        assert entry.detail["endpoint_id"] == endpoint["id"]
        assert entry.detail["previous_valid_hours"] == 24
        assert datetime.fromisoformat(entry.detail["previous_secret_expires_at"]) == ends
        assert SECRET not in json.dumps(entry.detail) and NEW_SECRET not in json.dumps(
            entry.detail)  # never a secret in the log


def test_a_rotation_without_overlap_stops_the_old_secret_at_once(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str,
        receiver: Callable[..., Receiver]) -> None:

    hook = receiver()
    endpoint = register(client, site_key, hook.url, secret=SECRET)
    rotated = rotate(client, site_key, endpoint["id"], previous_valid_hours=0)
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != SECRET
    assert datetime.fromisoformat(rotated["previous_secret_expires_at"]) <= later(0)
    # the old secret is not kept at all
    assert stored_secrets(app, endpoint["id"])[1:] == (None, None)

    decided_events(client, site_key, moderator_key, 1)
    assert run(app, later(0)).delivered == 1
    (request,) = hook.received
    assert verifies(rotated["secret"], request) and not verifies(SECRET, request)
    assert len(signatures(request)) == 1


def test_rotating_again_during_the_overlap_keeps_only_the_secret_it_replaces(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str,
        receiver: Callable[..., Receiver]) -> None:
    hook = receiver()
    endpoint = register(client, site_key, hook.url, secret=SECRET)
    rotate(client, site_key, endpoint["id"], secret=NEW_SECRET, previous_valid_hours=72)
    third = "third-secret-0123456789abcdef"
    rotated = rotate(client, site_key, endpoint["id"], secret=third, previous_valid_hours=1)
    ends = datetime.fromisoformat(rotated["previous_secret_expires_at"])
    assert later(3600 - 60) < ends < later(3600 + 60)

    decided_events(client, site_key, moderator_key, 1)
    assert run(app, later(0)).delivered == 1
    (request,) = hook.received
    assert verifies(third, request) and verifies(NEW_SECRET, request)
    assert not verifies(SECRET, request)  # the first secret is gone, 72 hours or not
    assert len(signatures(request)) == 2


def test_an_expired_previous_secret_is_not_used(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str,
        receiver: Callable[..., Receiver]) -> None:
    """The expiry stored on the endpoint decides, whatever the clock of the API was."""
    from service.extensions import db
    from service.models import WebhookEndpoint

    hook = receiver()
    endpoint = register(client, site_key, hook.url, secret=SECRET)
    rotate(client, site_key, endpoint["id"], secret=NEW_SECRET)
    with app.app_context():
        row = db.session.get(WebhookEndpoint, endpoint["id"])
        assert row is not None and row.previous_secret == SECRET
        row.previous_secret_expires_at = later(-1)
        db.session.commit()
    decided_events(client, site_key, moderator_key, 1)
    assert run(app, later(0)).delivered == 1
    (request,) = hook.received
    assert verifies(NEW_SECRET, request) and not verifies(SECRET, request)
    # and the worker erased it: an unused secret is not kept
    assert stored_secrets(app, endpoint["id"]) == (NEW_SECRET, None, None)


def test_a_previous_secret_is_kept_while_its_overlap_lasts(
        app: Flask, client: FlaskClient, site_key: str,
        receiver: Callable[..., Receiver]) -> None:
    endpoint = register(client, site_key, receiver().url, secret=SECRET)
    rotate(client, site_key, endpoint["id"], secret=NEW_SECRET)
    run(app, later(3600))  # nothing to deliver; the overlap (24 h) has not ended
    assert stored_secrets(app, endpoint["id"])[1] == SECRET


# -- leases and several workers ------------------------------------------------------------

def test_two_workers_at_once_deliver_each_event_once(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str,
        receiver: Callable[..., Receiver], monkeypatch: pytest.MonkeyPatch) -> None:
    from service.events import webhooks

    monkeypatch.setattr(webhooks, "CLAIM_CHUNK", 2)  # small leases, so the workers interleave
    hook = receiver(delay=0.05)
    register(client, site_key, hook.url, secret=SECRET)
    uids = decided_events(client, site_key, moderator_key, 8)
    start = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():
                start.wait()
                results.append(webhooks.deliver_due(100))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    received = [r["headers"]["X-Moderation-Event-Id"] for r in hook.received]
    assert sorted(received) == sorted(uids)  # each once: none lost, none twice
    assert sum(r.delivered for r in results) == 8
    assert all(r.claimed > 0 for r in results)  # both took part
    assert {d.state for d in deliveries(app)} == {"delivered"}


def test_a_lapsed_lease_is_taken_over_and_the_late_worker_cannot_undo_it(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str) -> None:
    """A worker that stalls past its lease: another sends again (at least once), and the
    first one's late failure does not reschedule what the second is doing."""
    from service.events.webhooks import Outcome, claim_due, record

    register(client, site_key, "http://127.0.0.1:9/unused", secret=SECRET)
    decided_events(client, site_key, moderator_key, 1)
    settings = Settings(timeout_seconds=1)
    with app.app_context():
        (stalled,) = claim_due(10, later(0), settings)
        assert claim_due(10, later(1), settings) == []  # leased
        (taker,) = claim_due(10, later(settings.lease.total_seconds() + 1), settings)
        assert (stalled.attempt, taker.attempt) == (1, 2)
        assert stalled.body == taker.body and stalled.event_uid == taker.event_uid
        record(stalled, Outcome(False, 500, "HTTP 500"), later(0), settings)
    (row,) = deliveries(app)
    assert row.attempts == 2 and row.last_error is None  # the late failure was ignored
    with app.app_context():
        record(taker, Outcome(True, 204), later(0), settings)
    assert deliveries(app)[0].state == "delivered"


def test_a_lease_lapsed_on_the_last_attempt_is_dead_not_retried_forever(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str) -> None:
    from service.events.webhooks import LAPSED, claim_due

    register(client, site_key, "http://127.0.0.1:9/unused", secret=SECRET)
    decided_events(client, site_key, moderator_key, 1)
    settings = Settings(max_attempts=2, timeout_seconds=1)
    lapse = settings.lease.total_seconds() + 1
    with app.app_context():
        assert [j.attempt for j in claim_due(10, later(0), settings)] == [1]
        assert [j.attempt for j in claim_due(10, later(lapse), settings)] == [2]
        assert claim_due(10, later(2 * lapse), settings) == []  # no third attempt
    (row,) = deliveries(app)
    assert (row.state, row.attempts, row.last_error) == ("dead", 2, LAPSED)


# -- the worker loop and its command -------------------------------------------------------

def test_the_cli_runs_one_pass(app: Flask, client: FlaskClient, site_key: str,
                               moderator_key: str, receiver: Callable[..., Receiver]) -> None:
    hook = receiver()
    register(client, site_key, hook.url, secret=SECRET)
    decided_events(client, site_key, moderator_key, 2)
    result = app.test_cli_runner().invoke(args=["webhooks", "run", "--once", "--batch", "5"])
    assert result.exit_code == 0, result.output
    assert "delivered 2" in result.output
    assert len(hook.received) == 2


def test_the_worker_stops_on_sigint_and_gives_back_unsent_leases(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str,
        receiver: Callable[..., Receiver]) -> None:
    from service.events.worker import run_worker

    hook = receiver(delay=0.3)
    register(client, site_key, hook.url, secret=SECRET)
    decided_events(client, site_key, moderator_key, 4)
    before = signal.getsignal(signal.SIGINT)
    def interrupt_during_the_first_send() -> None:
        deadline = time.monotonic() + 30
        while not hook.received and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Thread(target=interrupt_during_the_first_send)
    timer.start()
    stats = run_worker(app, interval=0.05, batch=100)  # returns only once stopped
    timer.join()
    assert signal.getsignal(signal.SIGINT) is before
    assert (stats.delivered, stats.released) == (1, 3)  # the send under way finished
    states = sorted((d.state, d.attempts) for d in deliveries(app))
    assert states == [("delivered", 1)] + [("pending", 0)] * 3
    assert len(hook.received) == 1


# -- where the worker connects (server-side request forgery) -------------------------------

def test_webhooks_check_lists_the_endpoints_a_delivery_would_refuse(
        app: Flask, client: FlaskClient, site_key: str, dns: FakeDNS) -> None:
    """After an upgrade or a settings change, the operator finds the endpoints that fail."""
    internal = register(client, site_key, "http://127.0.0.1:9/hook", secret=SECRET)
    public = register(client, site_key, "https://hooks.example/in", secret=SECRET)
    gone = register(client, site_key, "https://old.example/in", secret=SECRET)
    client.delete(f"/v1/webhooks/{gone['id']}", headers=auth(site_key))  # inactive: not listed
    runner = app.test_cli_runner()

    result = runner.invoke(args=["webhooks", "check"])  # allowed by WEBHOOK_ALLOW_PRIVATE
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        f"{internal['id']}\tnews\thttp://127.0.0.1:9/hook\tok",
        f"{public['id']}\tnews\thttps://hooks.example/in\tok"]

    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    dns.names["hooks.example"] = [PUBLIC_IP, "10.1.2.3"]
    result = runner.invoke(args=["webhooks", "check"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{internal['id']}\tnews\thttp://127.0.0.1:9/hook\tREFUSED: "
                               "127.0.0.1 resolves to 127.0.0.1 (loopback)")
    assert lines[1].startswith(f"{public['id']}\tnews\thttps://hooks.example/in\tREFUSED: "
                               "hooks.example resolves to 10.1.2.3 (private)")
    assert "2 active endpoints, 2 refused, 0 not resolved in time" in lines


def test_webhooks_check_tells_a_slow_resolver_from_a_refusal(
        app: Flask, client: FlaskClient, site_key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from service.events import egress

    endpoint = register(client, site_key, "https://hooks.example/in", secret=SECRET)
    answer = threading.Event()
    monkeypatch.setattr(egress, "getaddrinfo", lambda *a, **k: answer.wait(10))
    monkeypatch.setattr(egress, "RESOLVE_TIMEOUT", 0.1)
    try:
        result = app.test_cli_runner().invoke(args=["webhooks", "check"])
    finally:
        answer.set()
    assert result.exit_code == 2  # not 1: nothing was refused, run it again later
    assert result.output.splitlines()[0] == (
        f"{endpoint['id']}\tnews\thttps://hooks.example/in\t"
        "UNRESOLVED: hooks.example did not resolve within 0.1 s")


def test_an_address_allowed_at_registration_but_not_at_delivery_is_not_sent_to(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str, admin_key: str,
        receiver: Callable[..., Receiver]) -> None:
    hook = receiver()
    register(client, site_key, hook.url, secret=SECRET)  # allowed when registered
    decided_events(client, site_key, moderator_key, 1)
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False  # the operator turned the allowance off

    start = later(0)
    stats = run(app, start)
    assert (stats.claimed, stats.retrying, stats.delivered) == (1, 1, 0)
    assert hook.received == []
    (row,) = deliveries(app)
    assert (row.state, row.attempts, row.last_status) == ("pending", 1, None)
    assert "127.0.0.1 (loopback), a private or reserved address" in row.last_error
    (item,) = client.get("/v1/admin/deliveries", query_string={"state": "pending"},
                         headers=auth(admin_key)).get_json()["items"]
    assert item["last_error"] == row.last_error and item["url"] == hook.url

    # retried with backoff (at least half of WEBHOOK_BACKOFF_SECONDS=1), like a network error
    assert run(app, start + timedelta(seconds=0.4)).claimed == 0
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    assert run(app, later(3600)).delivered == 1
    assert len(hook.received) == 1 and deliveries(app)[0].state == "delivered"


def test_a_name_that_re_resolves_to_a_private_address_is_not_sent_to(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str, dns: FakeDNS,
        receiver: Callable[..., Receiver]) -> None:
    """DNS rebinding: public when registered (and when first checked), loopback later."""
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    hook = receiver()
    register(client, site_key, hook.url_at("rebind.example"), secret=SECRET)
    decided_events(client, site_key, moderator_key, 1)
    dns.names["rebind.example"] = ["127.0.0.1"]
    for step in range(3):  # WEBHOOK_MAX_ATTEMPTS=3
        run(app, later(3600 * step))
    (row,) = deliveries(app)
    assert (row.state, row.attempts) == ("dead", 3)
    assert row.last_error.startswith("not sent: rebind.example resolves to 127.0.0.1 (loopback)")
    assert hook.received == []
    # a public address among private ones does not help
    dns.names["rebind.example"] = [PUBLIC_IP, "10.0.0.1"]
    from service.events.delivery_settings import Settings
    from service.events.egress import UnsafeURL, check_url

    with pytest.raises(UnsafeURL, match="10.0.0.1"):
        check_url(hook.url_at("rebind.example"), Settings())


def test_the_worker_connects_to_the_address_it_checked_and_sends_the_host_name(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str, dns: FakeDNS,
        receiver: Callable[..., Receiver]) -> None:
    """The name is resolved once per attempt, by the check; the connection goes to that
    address (the real resolver does not know the name), with the name in ``Host``."""
    hook = receiver()
    dns.names["receiver.example"] = ["127.0.0.1"]
    url = hook.url_at("receiver.example") + "?site=news"
    register(client, site_key, url, secret=SECRET)
    decided_events(client, site_key, moderator_key, 1)
    dns.asked.clear()
    assert run(app, later(0)).delivered == 1
    assert dns.asked == ["receiver.example"]
    (request,) = hook.received
    assert request["headers"]["Host"] == f"receiver.example:{hook.server.server_address[1]}"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for ``receiver.example`` (and its key)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=receiver.example", "-addext",
                    "subjectAltName=DNS:receiver.example", "-keyout", str(key),
                    "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_https_is_verified_against_the_host_name_not_the_address(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str, dns: FakeDNS,
        receiver: Callable[..., Receiver], certificate: tuple[Path, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from service.events import webhooks

    cert, key = certificate
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    trusting = ssl.create_default_context(cafile=str(cert))  # as if a public CA signed it
    monkeypatch.setattr(webhooks, "tls_context", lambda: trusting)
    hook = receiver(tls=server_tls)
    dns.names.update({"receiver.example": ["127.0.0.1"], "impostor.example": ["127.0.0.1"]})
    register(client, site_key, hook.url_at("receiver.example"), secret=SECRET)
    register(client, site_key, hook.url_at("impostor.example"), secret=SECRET)
    decided_events(client, site_key, moderator_key, 1)

    stats = run(app, later(0))
    assert (stats.delivered, stats.retrying) == (1, 1)
    (request,) = hook.received
    assert request["headers"]["Host"].startswith("receiver.example:")
    failed = next(d for d in deliveries(app) if d.state == "pending")
    assert "CERTIFICATE_VERIFY_FAILED" in failed.last_error
    assert "impostor.example" in failed.last_error  # the name checked, not 127.0.0.1
