"""POST /v1/comments: validation, decisions, what is stored."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import auth

GOOD = {
    "thread": "article-42",
    "name": "Ann Reader",
    "email": "ann@example.org",
    "body": "Thanks for the careful reporting on the council budget; the figures help.",
}


def post(client: FlaskClient, key: str, data: dict[str, Any], form: bool = False) -> Any:
    if form:
        return client.post("/v1/comments", data=data, headers=auth(key))
    return client.post("/v1/comments", json=data, headers=auth(key))


def stored(app: Flask, comment_id: int) -> Any:
    from service.extensions import db
    from service.models import Comment

    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        db.session.expunge(comment)
        return comment


@pytest.mark.parametrize("form", [False, True], ids=["json", "form"])
def test_clean_comment_is_published_and_stored(app: Flask, client: FlaskClient, site_key: str,
                                               form: bool) -> None:
    response = post(client, site_key, GOOD, form=form)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {"id", "status", "reasons", "scores", "policy_version", "model_version"}
    assert body["status"] == "published"
    assert body["policy_version"].startswith("sha256:")
    assert 0.0 <= body["scores"]["abuse"] <= 1.0
    comment = stored(app, body["id"])
    assert comment.body == GOOD["body"]
    assert comment.site == "news"
    assert comment.status == "published"
    assert comment.policy_version == body["policy_version"]
    assert comment.model_version == body["model_version"]
    assert comment.ip == "127.0.0.1"  # the request's own address when the form sends none


def test_reader_context_is_taken_from_the_submission(app: Flask, client: FlaskClient,
                                                     site_key: str) -> None:
    data = {**GOOD, "ip": "203.0.113.7", "user_agent": "Mozilla/5.0 test",
            "referrer": "https://news.example/a/42", "website": "https://ann.example"}
    body = post(client, site_key, data).get_json()
    comment = stored(app, body["id"])
    assert (comment.ip, comment.user_agent, comment.referrer, comment.author_website) == (
        "203.0.113.7", "Mozilla/5.0 test", "https://news.example/a/42", "https://ann.example")


def test_missing_required_fields_are_listed_per_field(client: FlaskClient, site_key: str) -> None:
    response = post(client, site_key, {"thread": "a", "website": ""})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 422
    assert set(problem["errors"]) == {"name", "email", "body"}
    assert problem["errors"]["email"] == ["This field is required."]


def test_field_rules_give_messages_a_form_can_show(client: FlaskClient, site_key: str) -> None:
    data = {**GOOD, "email": "not-an-email", "website": "not a url", "name": "x" * 500}
    problem = post(client, site_key, data).get_json()
    assert set(problem["errors"]) == {"email", "website", "name"}
    assert "email" in problem["errors"]["email"][0].lower()
    assert "url" in problem["errors"]["website"][0].lower()


def test_form_encoded_errors_match_json_errors(client: FlaskClient, site_key: str) -> None:
    response = post(client, site_key, {"thread": "a", "name": "Ann", "email": "bad"}, form=True)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"email", "body"}


def test_not_json_nor_form_is_415(client: FlaskClient, site_key: str) -> None:
    response = client.post("/v1/comments", data="hello", content_type="text/plain",
                           headers=auth(site_key))
    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"


def test_malformed_json_is_400(client: FlaskClient, site_key: str) -> None:
    response = client.post("/v1/comments", data="{not json", content_type="application/json",
                           headers=auth(site_key))
    assert response.status_code == 400
    assert response.get_json()["status"] == 400


def test_json_that_is_not_an_object_is_422(client: FlaskClient, site_key: str) -> None:
    response = client.post("/v1/comments", json=["a"], headers=auth(site_key))
    assert response.status_code == 422


@pytest.mark.parametrize("path", ["/v1/comments", "/v1/review/decisions"])
def test_deeply_nested_json_is_400_not_a_crash(client: FlaskClient, site_key: str,
                                               moderator_key: str, path: str) -> None:
    key = moderator_key if "review" in path else site_key
    for data in ("[" * 30000 + "]" * 30000, '{"body": ' + "[" * 20000 + "]" * 20000 + "}"):
        response = client.post(path, data=data, content_type="application/json",
                               headers=auth(key))
        assert response.status_code == 400
        assert response.get_json()["errors"] == {"_schema": ["JSON nested too deeply."]}


def test_oversized_request_is_413(client: FlaskClient, site_key: str) -> None:
    response = post(client, site_key, {**GOOD, "body": "a" * 100_000})
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_control_characters_are_not_stored(app: Flask, client: FlaskClient,
                                           site_key: str) -> None:
    body = post(client, site_key, {**GOOD, "body": "Fair\x00 point\x07 well made"}).get_json()
    assert stored(app, body["id"]).body == "Fair point well made"


def test_reply_to_a_comment_of_another_thread_is_refused(client: FlaskClient,
                                                         site_key: str) -> None:
    first = post(client, site_key, GOOD).get_json()
    ok = post(client, site_key, {**GOOD, "body": "I agree with you.", "parent_id": first["id"]})
    assert ok.status_code == 201
    wrong = post(client, site_key, {**GOOD, "thread": "other", "parent_id": first["id"]})
    assert wrong.status_code == 422
    assert "parent_id" in wrong.get_json()["errors"]


def test_links_hold_the_comment_with_a_reason(app: Flask, client: FlaskClient,
                                              site_key: str) -> None:
    text = ("Sources: the minutes at https://council.example/minutes, the budget at "
            "https://council.example/budget and the audit at https://audit.example/2026.")
    response = post(client, site_key, {**GOOD, "body": text})
    body = response.get_json()
    assert response.status_code == 201
    assert body["status"] == "pending"
    assert any(r["rule"] == "many-links" for r in body["reasons"])
    assert all(set(r) == {"rule", "message"} for r in body["reasons"])
    comment = stored(app, body["id"])
    assert comment.status == "pending"
    assert [r["rule"] for r in comment.reasons] == [r["rule"] for r in body["reasons"]]


def test_rejected_comments_are_stored_too(app: Flask, client: FlaskClient,
                                          site_key: str) -> None:
    body = post(client, site_key, {**GOOD, "body": "I will kill you if you post that again"}
                ).get_json()
    assert body["status"] == "rejected"
    assert stored(app, body["id"]).status == "rejected"


def test_required_fields_follow_the_policy(client: FlaskClient, site_key: str,
                                           policy_dir: Any) -> None:
    from service.models import Comment  # noqa: F401 - app models loaded

    base = policy_dir / "base.yaml"
    text = base.read_text()
    assert "email" in text
    data = {k: v for k, v in GOOD.items() if k != "email"}
    assert post(client, site_key, data).status_code == 422
    (policy_dir / "news.yaml").write_text(
        "extends: default.yaml\nfields:\n  required: [thread, name, body]\n")
    response = post(client, site_key, data)
    assert response.status_code == 201, response.get_json()


def test_stored_comment_count(app: Flask, client: FlaskClient, site_key: str) -> None:
    from service.extensions import db
    from service.models import Comment

    ids = [post(client, site_key, {**GOOD, "body": f"Comment number {i} on the budget."}
                ).get_json()["id"] for i in range(3)]
    with app.app_context():
        assert list(db.session.execute(select(Comment.id).order_by(Comment.id)).scalars()) == ids


def test_each_submission_is_one_json_log_line_with_its_decision(
        client: FlaskClient, site_key: str) -> None:
    import io
    import json
    import logging

    from service.logs import JsonFormatter

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        answer = post(client, site_key, {**GOOD, "body": "Read more at http://a.example "
                                         "http://b.example http://c.example now"}).get_json()
    finally:
        root.removeHandler(handler)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 1
    line = lines[0]
    assert line["message"] == "request" and line["status"] == 201
    assert line["comment_id"] == answer["id"] and line["decision"] == answer["status"]
    # the log names every rule that fired; the reader is told those behind the outcome
    assert line["rules"] and set(r["rule"] for r in answer["reasons"]) <= set(line["rules"])


def test_documentation_addresses_are_not_blocked_by_the_shipped_policy(
        client: FlaskClient, site_key: str) -> None:
    # A new user tries the addresses of RFC 5737 first: the shipped block list is empty.
    for n, ip in enumerate(("203.0.113.7", "198.51.100.7", "192.0.2.1")):
        data = {**GOOD, "ip": ip, "thread": f"article-{n}", "body": f"{GOOD['body']} ({n})"}
        body = post(client, site_key, data).get_json()
        assert body["status"] == "published", (ip, body)
