"""On PostgreSQL a submission is two statements (docs/benchmarks.md): one read (the policy's
facts, the story's settings, the new comment's id) and one write (the comment, its audit
row and, when held, its event with one delivery per endpoint, or its QA row). Each
statement is a round trip that the request waits for; the test counts them, and checks
that what the single write stores is all there."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from tests.conftest import auth
from tests.service.events.test_events import fake_dns, register
from tests.service.review.test_review import LINKS as HELD  # held by the default policy's link rule

CLEAN = "Thanks for the careful reporting on the council budget; the figures help a lot."


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    from service.extensions import db

    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ANN202, ARG001
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def postgres_only(is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("the one-statement write is PostgreSQL's (SQLite writes row by row)")


def submit(client: FlaskClient, key: str, body: str, n: int) -> dict:
    response = client.post("/v1/comments", headers=auth(key), json={
        "thread": "budget", "name": "Ann", "email": f"ann{n}@example.org", "body": body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_published_comment_is_one_read_and_one_write(
        app: Flask, client: FlaskClient, site_key: str, postgres_only: None) -> None:
    submit(client, site_key, "A first comment, so that the key is known.", 0)
    with statements(app) as seen:
        answer = submit(client, site_key, CLEAN, 1)
    assert answer["status"] == "published"
    assert len(seen) == 2, seen
    assert seen[0].lstrip().startswith("SELECT") and seen[1].lstrip().startswith("WITH")


def test_a_held_comment_and_its_event_are_one_write(
        app: Flask, client: FlaskClient, site_key: str, postgres_only: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from service.extensions import db
    from service.models import AuditEntry, Delivery, Event

    fake_dns(monkeypatch)  # the endpoints' names resolve, without a network
    endpoints = [register(client, site_key, url=f"https://site.example/hook/{n}")
                 for n in range(2)]
    submit(client, site_key, "A first comment, so that the key is known.", 0)
    with statements(app) as seen:
        answer = submit(client, site_key, HELD, 1)
    assert answer["status"] == "pending"
    assert len(seen) == 2, seen
    with app.app_context():
        audit = db.session.execute(select(AuditEntry).where(
            AuditEntry.comment_id == answer["id"])).scalars().all()
        assert [a.action for a in audit] == ["submitted"]
        event_row = db.session.execute(select(Event).where(
            Event.comment_id == answer["id"])).scalar_one()
        assert event_row.type == "comment.held"
        assert event_row.payload["comment"]["id"] == answer["id"]
        deliveries = db.session.execute(select(Delivery.endpoint_id).where(
            Delivery.event_id == event_row.id)).scalars().all()
        assert sorted(deliveries) == sorted(e["id"] for e in endpoints)
