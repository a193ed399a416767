"""Submissions straight from a reader's browser: public id, allowed origins, honeypot."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.service.intake.test_submit import GOOD, stored

ORIGIN = "https://news.example"


@pytest.fixture
def public_id(app: Flask) -> str:
    result = app.test_cli_runner().invoke(
        args=["sites", "browser", "news", "--origin", ORIGIN, "--honeypot", "url_confirm"])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_preflight_and_post_from_an_allowed_origin(app: Flask, client: FlaskClient,
                                                   public_id: str) -> None:
    url = f"/v1/public/{public_id}/comments"
    pre = client.options(url, headers={"Origin": ORIGIN,
                                       "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    response = client.post(url, json={**GOOD, "ip": "1.2.3.4"},
                           headers={"Origin": ORIGIN, "User-Agent": "Firefox/200"})
    assert response.status_code == 201, response.get_json()
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    comment = stored(app, response.get_json()["id"])
    assert comment.site == "news"
    assert comment.ip == "127.0.0.1"  # the browser's own address, not what it claims
    assert comment.user_agent == "Firefox/200"


def test_validation_errors_reach_the_page(client: FlaskClient, public_id: str) -> None:
    response = client.post(f"/v1/public/{public_id}/comments", data={"thread": "a"},
                           headers={"Origin": ORIGIN})
    assert response.status_code == 422
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert {"name", "email", "body"} <= set(response.get_json()["errors"])


def test_other_origins_and_unknown_ids_are_refused(client: FlaskClient, public_id: str) -> None:
    url = f"/v1/public/{public_id}/comments"
    evil = client.post(url, json=GOOD, headers={"Origin": "https://evil.example"})
    assert evil.status_code == 403
    assert "Access-Control-Allow-Origin" not in evil.headers
    assert client.post(url, json=GOOD).status_code == 403
    assert client.options(url, headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.post("/v1/public/pub_nope/comments", json=GOOD,
                       headers={"Origin": ORIGIN}).status_code == 404


def test_a_filled_honeypot_is_stored_as_rejected(app: Flask, client: FlaskClient,
                                                 public_id: str) -> None:
    response = client.post(f"/v1/public/{public_id}/comments",
                           json={**GOOD, "url_confirm": "http://spam.example"},
                           headers={"Origin": ORIGIN})
    assert response.status_code == 201
    body = response.get_json()
    assert body["status"] == "rejected"
    assert [r["rule"] for r in body["reasons"]] == ["honeypot"]
    assert stored(app, body["id"]).status == "rejected"


def test_cli_refuses_a_bad_origin(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["sites", "browser", "news", "--origin",
                                                "news.example/path"])
    assert result.exit_code != 0
    assert "origin" in result.output
