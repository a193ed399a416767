"""The OpenAPI document says what the service does (what schemathesis found it did not)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import auth

PAGED = [("/v1/threads/{thread}/comments", "cursor"), ("/v1/review/queue", "cursor"),
         ("/v1/review/bans", "cursor"), ("/v1/review/audit", "cursor"),
         ("/v1/events", "after"), ("/v1/admin/deliveries", "cursor")]


@pytest.fixture
def spec(client: FlaskClient) -> dict:
    return client.get("/openapi.json").get_json()


@pytest.mark.parametrize(("path", "name"), PAGED)
def test_cursors_are_described_as_the_tokens_they_are(spec: dict, path: str, name: str) -> None:
    operation = spec["paths"][path]["get"]
    (param,) = [p for p in operation["parameters"] if p["name"] == name]
    pattern = param["schema"]["pattern"]
    assert re.fullmatch(pattern, "WzEyXQ")  # what next_cursor looks like
    assert not re.fullmatch(pattern, "not a cursor!")
    assert "400" in operation["responses"]  # a well-formed token that is not ours


def test_cursor_outside_the_format_is_422_and_a_foreign_token_400(
        client: FlaskClient, site_key: str) -> None:
    bad = client.get("/v1/threads/a/comments?cursor=not%20a%20cursor!", headers=auth(site_key))
    assert bad.status_code == 422 and "cursor" in bad.get_json()["errors"]
    foreign = client.get("/v1/events?after=abcd", headers=auth(site_key))
    assert foreign.status_code == 400 and foreign.mimetype == "application/problem+json"


def test_a_ban_made_directly_requires_its_site_and_value(spec: dict) -> None:
    body = spec["paths"]["/v1/review/bans"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert {"kind", "value", "reason", "site"} <= set(spec["components"]["schemas"][ref]
                                                      ["required"])
    item = spec["paths"]["/v1/review/comments/{comment_id}/ban"]["post"]["requestBody"]
    ref = item["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(spec["components"]["schemas"][ref]["required"]) == {"kind", "reason"}


def test_a_ban_without_site_is_422_naming_it(client: FlaskClient, moderator_key: str) -> None:
    response = client.post("/v1/review/bans", json={"kind": "email", "value": "a@b.example",
                                                    "reason": "spam", "days": 1},
                           headers=auth(moderator_key))
    assert response.status_code == 422
    assert "site" in response.get_json()["errors"]


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("DELETE", "/v1/comments", {"POST"}),
    ("PUT", "/v1/review/queue", {"GET", "HEAD", "OPTIONS"}),
    ("POST", "/healthz", {"GET", "HEAD", "OPTIONS"}),
])
def test_405_says_which_methods_are_allowed(app: Flask, client: FlaskClient, method: str,
                                            path: str, allowed: set[str]) -> None:
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}
