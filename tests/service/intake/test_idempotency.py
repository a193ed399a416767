"""Safe retries: the Idempotency-Key header on POST /v1/comments."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from service.extensions import db
from service.models import Comment, utcnow
from tests.conftest import auth
from tests.service.intake.test_submit import GOOD


def submit(client: FlaskClient, key: str, data: dict, idempotency_key: str | None):  # noqa: ANN201
    headers = auth(key)
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return client.post("/v1/comments", json=data, headers=headers)


def count(app: Flask) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(Comment)).scalar_one()


def test_a_retry_with_the_same_key_answers_the_first_answer_and_stores_one_row(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str) -> None:
    first = submit(client, site_key, GOOD, "9b2f6c1e-retry")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    before = count(app)
    again = submit(client, site_key, GOOD, "9b2f6c1e-retry")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert count(app) == before
    # a moderator's later decision does not change what the first answer was
    assert first.get_json()["status"] == "published"


def test_the_same_key_with_another_body_is_refused_naming_the_header(
        app: Flask, client: FlaskClient, site_key: str) -> None:
    assert submit(client, site_key, GOOD, "k-1").status_code == 201
    before = count(app)
    other = submit(client, site_key, {**GOOD, "body": "A different comment, entirely."}, "k-1")
    assert other.status_code == 422
    problem = other.get_json()
    assert "Idempotency-Key" in problem["errors"] and problem["type"].endswith(
        "idempotency-key-reused")
    assert count(app) == before


def test_keys_belong_to_one_api_key_and_expire_after_a_day(
        app: Flask, client: FlaskClient, site_key: str, other_site_key: str) -> None:
    mine = submit(client, site_key, GOOD, "shared-key").get_json()["id"]
    theirs = submit(client, other_site_key, GOOD, "shared-key")
    assert theirs.status_code == 201 and theirs.get_json()["id"] != mine
    with app.app_context():
        db.session.execute(update(Comment).where(Comment.id == mine)
                           .values(created_at=utcnow() - timedelta(hours=25)))
        db.session.commit()
    later = submit(client, site_key, {**GOOD, "body": "A new comment a day later, same key."},
                   "shared-key")
    assert later.status_code == 201 and "Idempotent-Replayed" not in later.headers
    assert later.get_json()["id"] not in (mine, theirs.get_json()["id"])


def test_a_bad_key_is_a_clear_error(client: FlaskClient, site_key: str) -> None:
    for bad in ("x" * 256, "clé-é"):
        answer = submit(client, site_key, GOOD, bad)
        assert answer.status_code == 422
        assert "Idempotency-Key" in answer.get_json()["errors"]
