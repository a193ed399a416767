"""Text no database can store: lone UTF-16 surrogates in JSON, NUL in paths and queries.

Each answers a 4xx problem naming the field, on SQLite and on PostgreSQL (whose text type
refuses both), never a 500.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import auth
from tests.service.intake.test_browser import ORIGIN
from tests.service.intake.test_submit import GOOD, post
from tests.service.review.test_review import hold

LONE = "x\ud800y"  # json.dumps writes it as the escape "\ud800", as a buggy client sends it


def send(client: FlaskClient, method: str, url: str, body: Any,
         headers: dict[str, str] | None = None) -> Any:
    return client.open(url, method=method, data=json.dumps(body),
                       content_type="application/json", headers=headers or {})


def assert_names(response: Any, field: str) -> None:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert field in problem["errors"], problem


@pytest.mark.parametrize("field", ["body", "thread", "name", "email", "referrer"])
def test_lone_surrogate_in_a_submission_is_422_naming_the_field(
        client: FlaskClient, site_key: str, field: str) -> None:
    response = send(client, "POST", "/v1/comments", {**GOOD, field: LONE}, auth(site_key))
    assert_names(response, field)


def test_lone_surrogate_stores_nothing(app: Flask, client: FlaskClient, site_key: str) -> None:
    from service.extensions import db
    from service.models import Comment

    assert send(client, "POST", "/v1/comments", {**GOOD, "body": LONE},
                auth(site_key)).status_code == 422
    with app.app_context():
        assert db.session.query(Comment).count() == 0
    # a correct surrogate pair (an emoji, escaped) is text like any other
    ok = send(client, "POST", "/v1/comments", {**GOOD, "body": "Thanks \ud83d\ude00 a lot"},
              auth(site_key))
    assert ok.status_code == 201, ok.get_json()


def test_lone_surrogate_in_a_key_is_422(client: FlaskClient, site_key: str) -> None:
    response = send(client, "POST", "/v1/comments", {**GOOD, LONE: "x"}, auth(site_key))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"


def test_lone_surrogate_from_a_browser_is_422(client: FlaskClient, app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["sites", "browser", "news", "--origin", ORIGIN])
    public_id = result.stdout.strip()
    response = send(client, "POST", f"/v1/public/{public_id}/comments", {**GOOD, "body": LONE},
                    {"Origin": ORIGIN})
    assert_names(response, "body")
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN  # the page sees why


def test_lone_surrogate_in_review_input_is_422(client: FlaskClient, site_key: str,
                                               moderator_key: str) -> None:
    held = hold(client, site_key)["id"]
    key = auth(moderator_key)
    assert_names(send(client, "POST", f"/v1/review/comments/{held}/decision",
                      {"action": "approve", "note": LONE}, key), "note")
    assert_names(send(client, "POST", "/v1/review/decisions",
                      {"ids": [held], "action": "reject", "reason": LONE}, key), "reason")
    assert_names(send(client, "POST", f"/v1/review/comments/{held}/ban",
                      {"kind": "email", "reason": LONE}, key), "reason")
    assert_names(send(client, "POST", "/v1/review/bans",
                      {"kind": "email", "value": LONE, "reason": "spam", "site": "news"},
                      key), "value")
    # nothing was decided: the comment still waits
    item = client.get(f"/v1/review/comments/{held}", headers=key).get_json()
    assert item["status"] == "pending"


def test_lone_surrogate_in_site_input_is_422(client: FlaskClient, site_key: str) -> None:
    published = post(client, site_key, GOOD).get_json()["id"]
    key = auth(site_key)
    assert_names(send(client, "POST", f"/v1/comments/{published}/reports",
                      {"reason": LONE}, key), "reason")
    assert_names(send(client, "PUT", "/v1/threads/a-1/settings", {"moderation": LONE}, key),
                 "moderation")
    assert_names(send(client, "POST", "/v1/webhooks",
                      {"url": "https://hooks.example/x", "secret": LONE * 20}, key), "secret")


def test_nul_in_a_path_is_404(client: FlaskClient, site_key: str,
                              moderator_key: str) -> None:
    for url, key in (("/v1/threads/a%00b/comments", site_key),
                     ("/v1/threads/a%00b/settings", site_key),
                     ("/v1/public/pub%00x/comments", None)):
        response = client.get(url, headers=auth(key) if key else {})
        if url.startswith("/v1/public"):
            response = client.post(url, json=GOOD, headers={"Origin": ORIGIN})
        assert response.status_code == 404, (url, response.get_data(as_text=True))
        assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("query", ["email=a%00b", "thread=a%00b", "site=a%00b", "ip=a%00b"])
def test_nul_in_a_query_is_422_naming_the_parameter(client: FlaskClient, moderator_key: str,
                                                     query: str) -> None:
    response = client.get(f"/v1/review/queue?{query}", headers=auth(moderator_key))
    assert_names(response, query.split("=")[0])


def test_nul_in_a_cursor_is_4xx(client: FlaskClient, site_key: str) -> None:
    for url in ("/v1/threads/a/comments?cursor=a%00b", "/v1/events?after=a%00b"):
        response = client.get(url, headers=auth(site_key))
        assert response.status_code in (400, 422), url


def test_nul_in_json_text_is_422_naming_the_field(client: FlaskClient, site_key: str,
                                                  moderator_key: str) -> None:
    held = hold(client, site_key)["id"]
    published = post(client, site_key, {**GOOD, "thread": "a-2"}).get_json()["id"]
    assert_names(send(client, "POST", f"/v1/review/comments/{held}/decision",
                      {"action": "approve", "note": "a\x00b"}, auth(moderator_key)), "note")
    assert_names(send(client, "POST", f"/v1/comments/{published}/reports",
                      {"reason": "rude", "reporter": "r\x00"}, auth(site_key)), "reporter")


def test_nul_in_a_submission_is_dropped_as_before(app: Flask, client: FlaskClient,
                                                  site_key: str) -> None:
    response = send(client, "POST", "/v1/comments",
                    {**GOOD, "thread": "t\x00-1", "body": "Fair\x00 point, well made."},
                    auth(site_key))
    assert response.status_code == 201, response.get_json()
    from tests.service.intake.test_submit import stored

    comment = stored(app, response.get_json()["id"])
    assert (comment.thread, comment.body) == ("t-1", "Fair point, well made.")


def test_a_russian_reader_is_told_in_russian(client: FlaskClient, site_key: str) -> None:
    response = send(client, "POST", "/v1/comments", {**GOOD, "body": LONE},
                    {**auth(site_key), "Accept-Language": "ru"})
    assert_names(response, "body")
    assert response.headers["Content-Language"] == "ru"
    english = send(client, "POST", "/v1/comments", {**GOOD, "body": LONE}, auth(site_key))
    assert response.get_json()["detail"] != english.get_json()["detail"]
    assert response.get_json()["errors"]["body"] != english.get_json()["errors"]["body"]
