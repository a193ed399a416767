"""The review queue as a moderator sees it."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import auth
from tests.service.intake.test_submit import GOOD, post

LINKS = ("The minutes are at https://council.example/minutes, the budget at "
         "https://council.example/budget and the audit at https://audit.example/2026.")


def links(n: object) -> str:
    """A reader citing three sources: held for its links, not spam."""
    return (f"The minutes are at https://council.example/minutes, the budget at "
            f"https://council.example/budget and the audit at https://audit.example/{n}.")


def hold(client: FlaskClient, key: str, **fields: Any) -> dict[str, Any]:
    body = post(client, key, {**GOOD, "body": LINKS, **fields}).get_json()
    assert body["status"] == "pending", body
    return body


def set_risk(app: Flask, comment_id: int, risk: float) -> None:
    from service.extensions import db
    from service.models import Comment

    with app.app_context():
        db.session.get(Comment, comment_id).risk = risk
        db.session.commit()


def test_queue_lists_pending_highest_score_first(app: Flask, client: FlaskClient, site_key: str,
                                                 moderator_key: str) -> None:
    a, b, c = (hold(client, site_key, body=f"{LINKS} {i}")["id"] for i in range(3))
    post(client, site_key, GOOD)  # published: not in the queue
    for comment_id, risk in ((a, 0.2), (b, 0.9), (c, 0.5)):
        set_risk(app, comment_id, risk)
    page = client.get("/v1/review/queue", headers=auth(moderator_key)).get_json()
    assert [item["id"] for item in page["items"]] == [b, c, a]
    assert page["items"][0]["reasons"][0]["rule"] == "many-links"
    by_age = client.get("/v1/review/queue", query_string={"sort": "age"},
                        headers=auth(moderator_key)).get_json()
    assert [item["id"] for item in by_age["items"]] == [a, b, c]


def test_queue_pages_and_filters_by_thread(app: Flask, client: FlaskClient, site_key: str,
                                           moderator_key: str) -> None:
    ids = [hold(client, site_key, body=f"{LINKS} {i}")["id"] for i in range(5)]
    for comment_id in ids:
        set_risk(app, comment_id, 0.5)  # ties: paging must still visit each once
    other = hold(client, site_key, thread="elsewhere")["id"]
    seen, cursor = [], None
    while True:
        query = {"limit": 2, "thread": GOOD["thread"], **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/review/queue", query_string=query,
                          headers=auth(moderator_key)).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids
    assert other not in seen


def test_approve_publishes_and_records_who_and_why(app: Flask, client: FlaskClient,
                                                   site_key: str, moderator_key: str) -> None:
    held = hold(client, site_key)
    response = client.post(f"/v1/review/comments/{held['id']}/decision",
                           json={"action": "approve", "note": "links are to council pages"},
                           headers=auth(moderator_key))
    assert response.status_code == 200, response.get_json()
    item = response.get_json()
    assert item["status"] == "published"
    assert item["decided_by"].startswith("test moderator#")
    assert [a["action"] for a in item["actions"]] == ["submitted", "approve"]
    assert item["actions"][-1]["note"] == "links are to council pages"
    # the site sees the new status and the thread now shows the comment
    status = client.get(f"/v1/comments/{held['id']}", headers=auth(site_key)).get_json()
    assert status["status"] == "published"
    thread = client.get(f"/v1/threads/{GOOD['thread']}/comments", headers=auth(site_key))
    assert held["id"] in [c["id"] for c in thread.get_json()["items"]]
    queue = client.get("/v1/review/queue", headers=auth(moderator_key)).get_json()
    assert held["id"] not in [c["id"] for c in queue["items"]]


def test_reject_then_decide_again_is_409(client: FlaskClient, site_key: str,
                                         moderator_key: str) -> None:
    held = hold(client, site_key)
    url = f"/v1/review/comments/{held['id']}/decision"
    first = client.post(url, json={"action": "reject"}, headers=auth(moderator_key))
    assert first.get_json()["status"] == "rejected"
    again = client.post(url, json={"action": "approve"}, headers=auth(moderator_key))
    assert again.status_code == 409
    problem = again.get_json()
    assert problem["current_status"] == "rejected"
    assert problem["decided_by"].startswith("test moderator#")
    assert problem["decided_at"]


def test_deciding_a_published_comment_is_409(client: FlaskClient, site_key: str,
                                             moderator_key: str) -> None:
    published = post(client, site_key, GOOD).get_json()
    response = client.post(f"/v1/review/comments/{published['id']}/decision",
                           json={"action": "reject"}, headers=auth(moderator_key))
    assert response.status_code == 409


def test_decision_body_is_validated(client: FlaskClient, site_key: str,
                                    moderator_key: str) -> None:
    held = hold(client, site_key)
    url = f"/v1/review/comments/{held['id']}/decision"
    for body, field in (({}, "action"), ({"action": "delete"}, "action"),
                        ({"action": "approve", "note": "x" * 3000}, "note")):
        response = client.post(url, json=body, headers=auth(moderator_key))
        assert response.status_code == 422
        assert field in response.get_json()["errors"]
    assert client.post("/v1/review/comments/999999/decision", json={"action": "approve"},
                       headers=auth(moderator_key)).status_code == 404


def test_item_shows_what_a_moderator_needs(client: FlaskClient, site_key: str,
                                           moderator_key: str) -> None:
    held = hold(client, site_key, ip="198.51.100.4")
    item = client.get(f"/v1/review/comments/{held['id']}", headers=auth(moderator_key)
                      ).get_json()
    assert item["body"].startswith("The minutes are at https://council.example")
    assert item["email"] == GOOD["email"]
    assert item["ip"] == "198.51.100.4"
    reason = item["reasons"][0]
    assert reason["rule"] == "many-links" and reason["action"] == "hold"
    assert set(item["scores"]) >= {"abuse", "spam"}
    assert set(item["terms"]) >= {"abuse", "spam"}
    assert item["policy_version"] == held["policy_version"]
    assert item["actions"][0]["action"] == "submitted"


def test_moderator_key_limited_to_a_site_sees_only_that_site(app: Flask, client: FlaskClient,
                                                              site_key: str,
                                                              other_site_key: str) -> None:
    from service.keys import create_key
    from service.models import Role

    news = hold(client, site_key)["id"]
    other = hold(client, other_site_key)["id"]
    with app.app_context():
        scoped = create_key(Role.MODERATOR, site="other", label="scoped").secret
    page = client.get("/v1/review/queue", headers=auth(scoped)).get_json()
    assert [item["id"] for item in page["items"]] == [other]
    assert client.get(f"/v1/review/comments/{news}", headers=auth(scoped)).status_code == 404
