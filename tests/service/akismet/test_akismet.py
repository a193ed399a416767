"""Akismet's API 1.1: verify-key, comment-check, usage-limit, and how bad requests are answered."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.service.intake.test_submit import stored
from tests.service.review.test_review import LINKS

CLEAN = "Thanks for the careful reporting on the council budget; the figures help."
ABUSIVE = "I will KILL you if you write that again"
SPAM = "Win big at https://www.casino-bonus.example/offer"
DEBUG = "X-akismet-debug-help"


def fields(key: str, **extra: str) -> dict[str, str]:
    """What an Akismet client sends about one comment."""
    return {"api_key": key, "blog": "https://news.example", "user_ip": "198.51.100.7",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0",
            "referrer": "https://news.example/2026/council-budget",
            "permalink": "https://news.example/2026/council-budget",
            "comment_type": "comment", "comment_author": "Ann Reader",
            "comment_author_email": "ann@example.org",
            "comment_author_url": "https://ann.example", "comment_content": CLEAN, **extra}


def check(client: FlaskClient, key: str, **extra: str) -> Any:
    return client.post("/1.1/comment-check", data=fields(key, **extra))


def counts(app: Flask) -> tuple[int, int, int]:
    """(comments, audit entries, events) stored."""
    from service.extensions import db
    from service.models import AuditEntry, Comment, Event

    with app.app_context():
        return tuple(db.session.execute(select(func.count()).select_from(table)).scalar_one()
                     for table in (Comment, AuditEntry, Event))  # type: ignore[return-value]


def test_verify_key_answers_valid_for_a_site_key_only(client: FlaskClient, site_key: str,
                                                      moderator_key: str) -> None:
    assert client.post("/1.1/verify-key", data={"api_key": site_key, "blog": "x"}).text == "valid"
    # WordPress's plugin names it "key"
    assert client.post("/1.1/verify-key", data={"key": site_key, "blog": "x"}).text == "valid"
    for wrong in ({"api_key": site_key[:-2] + "zz"}, {"api_key": moderator_key}, {},
                  {"api_key": "x" * 5000}):
        response = client.post("/1.1/verify-key", data={**wrong, "blog": "x"})
        assert (response.status_code, response.text) == (200, "invalid")
        assert "site key" in response.headers[DEBUG]


def test_clean_comment_is_false_and_stored_with_akismet_fields_mapped(
        app: Flask, client: FlaskClient, site_key: str) -> None:
    response = check(client, site_key)
    assert (response.status_code, response.text) == (200, "false")
    assert response.mimetype == "text/plain"
    assert "X-akismet-pro-tip" not in response.headers
    comment = stored(app, int(response.headers["X-akismet-guid"]))
    assert (comment.site, comment.status, comment.decided_by) == ("news", "published", None)
    assert comment.thread == "https://news.example/2026/council-budget"  # the permalink
    assert (comment.author_name, comment.author_email, comment.author_website) == (
        "Ann Reader", "ann@example.org", "https://ann.example")
    assert (comment.body, comment.ip) == (CLEAN, "198.51.100.7")
    assert comment.user_agent.startswith("Mozilla/5.0")
    assert comment.referrer == "https://news.example/2026/council-budget"
    assert counts(app) == (1, 1, 0)  # the comment and its "submitted" audit entry


@pytest.mark.parametrize(("body", "rule"), [(ABUSIVE, "threat-patterns"), (SPAM, "spam-links")],
                         ids=["abusive", "spam"])
def test_rejected_comment_is_true_with_discard(app: Flask, client: FlaskClient, site_key: str,
                                               body: str, rule: str) -> None:
    response = check(client, site_key, comment_content=body)
    assert (response.text, response.headers["X-akismet-pro-tip"]) == ("true", "discard")
    comment = stored(app, int(response.headers["X-akismet-guid"]))
    assert comment.status == "rejected" and rule in comment.rule_ids


def test_held_comment_is_true_without_discard_and_waits_in_the_queue(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str) -> None:
    response = check(client, site_key, comment_content=LINKS)
    assert response.text == "true" and "X-akismet-pro-tip" not in response.headers
    guid = int(response.headers["X-akismet-guid"])
    queue = client.get("/v1/review/queue", headers={"Authorization": f"Bearer {moderator_key}"})
    assert [item["id"] for item in queue.get_json()["items"]] == [guid]
    assert counts(app) == (1, 1, 1)  # its comment.held event, for webhooks and the feed


@pytest.mark.parametrize("flag", ["1", "true"])
def test_is_test_answers_and_stores_nothing(app: Flask, client: FlaskClient, site_key: str,
                                            flag: str) -> None:
    assert check(client, site_key, is_test=flag).text == "false"
    response = check(client, site_key, is_test=flag, comment_content=ABUSIVE)
    assert (response.text, response.headers["X-akismet-pro-tip"]) == ("true", "discard")
    assert "X-akismet-guid" not in response.headers
    assert counts(app) == (0, 0, 0)


def test_missing_comment_content_still_gets_an_answer(app: Flask, client: FlaskClient,
                                                      site_key: str) -> None:
    data = fields(site_key)
    del data["comment_content"], data["comment_author"], data["comment_author_email"]
    response = client.post("/1.1/comment-check", data=data)
    assert response.status_code == 200 and response.text in ("true", "false")
    assert stored(app, int(response.headers["X-akismet-guid"])).body == ""


def test_administrator_is_never_spam(app: Flask, client: FlaskClient, site_key: str) -> None:
    response = check(client, site_key, comment_content=ABUSIVE, user_role="administrator")
    assert response.text == "false"
    comment = stored(app, int(response.headers["X-akismet-guid"]))
    assert comment.status == "published" and comment.rule_ids == " akismet:administrator "


def test_filled_honeypot_is_discarded_spam(app: Flask, client: FlaskClient,
                                           site_key: str) -> None:
    empty = check(client, site_key, honeypot_field_name="hp_field", hp_field="")
    assert empty.text == "false"
    caught = check(client, site_key, honeypot_field_name="hp_field", hp_field="buy now")
    assert (caught.text, caught.headers["X-akismet-pro-tip"]) == ("true", "discard")
    assert stored(app, int(caught.headers["X-akismet-guid"])).rule_ids == " honeypot "


def test_a_closed_story_is_discarded_and_nothing_stored(app: Flask, client: FlaskClient,
                                                        site_key: str) -> None:
    thread = "https://news.example/2026/council-budget"
    closed = client.put(f"/v1/threads/{thread}/settings", json={"moderation": "closed"},
                        headers={"Authorization": f"Bearer {site_key}"})
    assert closed.status_code == 200, closed.get_json()
    response = check(client, site_key)
    assert (response.text, response.headers["X-akismet-pro-tip"]) == ("true", "discard")
    assert "closed" in response.headers[DEBUG]
    assert counts(app)[0] == 0


@pytest.mark.parametrize("path", ["/1.1/comment-check", "/1.1/submit-spam", "/1.1/submit-ham"])
def test_wrong_key_is_invalid_with_the_debug_header(app: Flask, client: FlaskClient,
                                                    site_key: str, moderator_key: str,
                                                    path: str) -> None:
    for wrong in ("cm_000000000000_nope", moderator_key, ""):
        response = client.post(path, data=fields(wrong))
        assert (response.status_code, response.text) == (200, "invalid")
        assert response.headers[DEBUG]
    assert counts(app) == (0, 0, 0)


@pytest.mark.parametrize(("change", "field"), [
    ({"user_ip": None}, "Missing required field: user_ip."),
    ({"blog": None}, "Missing required field: blog."),
    ({"user_ip": "not-an-ip"}, "Invalid field user_ip"),
    ({"comment_content": "x" * 20_001}, "Invalid field comment_content"),
    ({"comment_author": "x" * 201}, "Invalid field comment_author"),
    ({"guid": "twelve"}, "Invalid field guid"),
])
def test_bad_fields_are_a_400_naming_the_field(app: Flask, client: FlaskClient, site_key: str,
                                               change: dict[str, str | None],
                                               field: str) -> None:
    data = {k: v for k, v in {**fields(site_key), **change}.items() if v is not None}
    for path in ("/1.1/comment-check", "/1.1/submit-spam"):
        response = client.post(path, data=data)
        assert response.status_code == 400 and response.text.startswith(field)
        assert response.headers[DEBUG] == response.text
    assert counts(app) == (0, 0, 0)


def test_long_metadata_is_cut_and_a_long_permalink_stays_its_own_thread(
        app: Flask, client: FlaskClient, site_key: str) -> None:
    base = "https://news.example/" + "a" * 300
    first = check(client, site_key, user_agent="U" * 900, permalink=base + "/1")
    second = check(client, site_key, permalink=base + "/2", comment_content="Another view.")
    one, two = (stored(app, int(r.headers["X-akismet-guid"])) for r in (first, second))
    assert len(one.user_agent) == 500
    assert len(one.thread) == len(two.thread) == 200 and one.thread != two.thread


def test_other_errors_are_problems_with_the_debug_header_never_a_500(
        app: Flask, client: FlaskClient, site_key: str) -> None:
    as_json = client.post("/1.1/comment-check", json=fields(site_key))
    assert as_json.status_code == 400 and "form-encoded" in as_json.headers[DEBUG]
    too_big = client.post("/1.1/comment-check",
                          data={**fields(site_key), "padding": "x" * 70_000})
    assert too_big.status_code == 413 and too_big.headers[DEBUG]
    wrong_method = client.get("/1.1/comment-check")
    assert wrong_method.status_code == 405 and wrong_method.headers[DEBUG]
    assert counts(app) == (0, 0, 0)


def test_usage_limit_counts_this_months_comments(client: FlaskClient, site_key: str,
                                                 other_site_key: str) -> None:
    check(client, site_key)
    check(client, other_site_key)
    response = client.get(f"/1.2/usage-limit?api_key={site_key}")
    assert response.get_json() == {"limit": "none", "usage": 1, "percentage": "0.00",
                                   "throttled": False}
    assert client.post("/1.2/usage-limit", data={"api_key": "nope"}).text == "invalid"
