"""Working the queue: claims, escalation, undo, bulk decisions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import auth
from tests.service.review.test_review import hold, links, set_risk


def decide(client: FlaskClient, key: str, comment_id: int, action: str, **extra: str):  # noqa: ANN201
    return client.post(f"/v1/review/comments/{comment_id}/decision",
                       json={"action": action, **extra}, headers=auth(key))


def test_a_claimed_item_cannot_be_decided_by_another(client: FlaskClient, site_key: str,
                                                     moderator_key: str,
                                                     second_moderator: str) -> None:
    held = hold(client, site_key)["id"]
    claimed = client.post(f"/v1/review/comments/{held}/claim", headers=auth(moderator_key))
    assert claimed.status_code == 200
    assert claimed.get_json()["claimed_by"].startswith("test moderator#")
    # others see who holds it
    queue = client.get("/v1/review/queue", headers=auth(second_moderator)).get_json()
    assert queue["items"][0]["claimed_by"].startswith("test moderator#")
    blocked = decide(client, second_moderator, held, "approve")
    assert blocked.status_code == 409
    assert blocked.get_json()["claimed_by"].startswith("test moderator#")
    assert blocked.get_json()["claim_expires_at"]
    assert client.post(f"/v1/review/comments/{held}/claim",
                       headers=auth(second_moderator)).status_code == 409
    assert decide(client, moderator_key, held, "approve").status_code == 200


def test_losing_a_race_to_a_released_claim_is_a_409_not_a_500(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str,
        second_moderator: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second moderator's claim fails because the first holds the item; the first lets
    it go before the failure is explained: the answer says to try again."""
    from sqlalchemy import update

    from service.extensions import db
    from service.models import Comment

    held = hold(client, site_key)["id"]
    assert client.post(f"/v1/review/comments/{held}/claim",
                       headers=auth(moderator_key)).status_code == 200
    refresh = db.session.refresh

    def released_meanwhile(instance, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        with db.engine.begin() as other:  # the first moderator, on another connection
            other.execute(update(Comment).where(Comment.id == held).values(
                claimed_by=None, claim_key_id=None, claim_expires_at=None))
        return refresh(instance, *args, **kwargs)

    with app.app_context():
        monkeypatch.setattr(db.session, "refresh", released_meanwhile)
        answer = client.post(f"/v1/review/comments/{held}/claim",
                             headers=auth(second_moderator))
    assert answer.status_code == 409, answer.get_json()
    assert answer.get_json()["type"].endswith("/changed")
    assert "try again" in answer.get_json()["detail"]
    monkeypatch.undo()
    assert client.post(f"/v1/review/comments/{held}/claim",
                       headers=auth(second_moderator)).status_code == 200


def test_a_claim_expires_by_itself(app: Flask, client: FlaskClient, site_key: str,
                                   moderator_key: str, second_moderator: str) -> None:
    from service.extensions import db
    from service.models import Comment, utcnow

    held = hold(client, site_key)["id"]
    client.post(f"/v1/review/comments/{held}/claim", headers=auth(moderator_key))
    with app.app_context():
        db.session.get(Comment, held).claim_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert decide(client, second_moderator, held, "reject").status_code == 200


def test_release_gives_the_item_back(client: FlaskClient, site_key: str, moderator_key: str,
                                     second_moderator: str) -> None:
    held = hold(client, site_key)["id"]
    client.post(f"/v1/review/comments/{held}/claim", headers=auth(moderator_key))
    assert client.delete(f"/v1/review/comments/{held}/claim",
                         headers=auth(second_moderator)).status_code == 409
    released = client.delete(f"/v1/review/comments/{held}/claim", headers=auth(moderator_key))
    assert released.get_json()["claimed_by"] is None
    assert decide(client, second_moderator, held, "approve").status_code == 200


def test_claim_next_hands_out_distinct_items_highest_score_first(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str,
        second_moderator: str) -> None:
    ids = [hold(client, site_key, body=links(i))["id"] for i in range(5)]
    for comment_id, risk in zip(ids, (0.1, 0.9, 0.5, 0.7, 0.3), strict=True):
        set_risk(app, comment_id, risk)
    first = client.post("/v1/review/claim-next", json={"count": 2}, headers=auth(moderator_key))
    second = client.post("/v1/review/claim-next", json={"count": 10},
                         headers=auth(second_moderator))
    got_first = [item["id"] for item in first.get_json()["items"]]
    got_second = [item["id"] for item in second.get_json()["items"]]
    assert got_first == [ids[1], ids[3]]
    assert got_second == [ids[2], ids[4], ids[0]]


def test_escalated_items_wait_for_an_admin(client: FlaskClient, site_key: str,
                                          moderator_key: str, admin_key: str) -> None:
    held = hold(client, site_key)["id"]
    escalated = decide(client, moderator_key, held, "escalate", note="legal question")
    assert escalated.status_code == 200
    assert escalated.get_json()["escalated"] is True
    assert escalated.get_json()["status"] == "pending"
    queue = client.get("/v1/review/queue", query_string={"queue": "escalated"},
                       headers=auth(admin_key)).get_json()
    assert [item["id"] for item in queue["items"]] == [held]
    pending = client.get("/v1/review/queue", headers=auth(moderator_key)).get_json()
    assert held not in [item["id"] for item in pending["items"]]
    assert decide(client, moderator_key, held, "approve").status_code == 409
    assert decide(client, admin_key, held, "reject", reason="Defamatory").status_code == 200


def test_undo_own_decision_within_the_window(app: Flask, client: FlaskClient, site_key: str,
                                             moderator_key: str,
                                             second_moderator: str) -> None:
    held = hold(client, site_key)["id"]
    decide(client, moderator_key, held, "approve")
    assert client.post(f"/v1/review/comments/{held}/undo",
                       headers=auth(second_moderator)).status_code == 409
    undone = client.post(f"/v1/review/comments/{held}/undo", headers=auth(moderator_key))
    assert undone.status_code == 200
    body = undone.get_json()
    assert body["status"] == "pending" and body["decided_by"] is None
    assert [a["action"] for a in body["actions"]][-2:] == ["approve", "undo"]
    assert client.post(f"/v1/review/comments/{held}/undo",
                       headers=auth(moderator_key)).status_code == 409
    # after the window, undo is refused
    decide(client, moderator_key, held, "reject")
    app.config["UNDO_MINUTES"] = 0
    late = client.post(f"/v1/review/comments/{held}/undo", headers=auth(moderator_key))
    assert late.status_code == 409
    assert "window" in late.get_json()["detail"]


def test_bulk_reports_each_item(client: FlaskClient, site_key: str, moderator_key: str,
                                second_moderator: str) -> None:
    a, b, c = (hold(client, site_key, body=links(i))["id"] for i in range(3))
    decide(client, moderator_key, a, "reject")
    client.post(f"/v1/review/comments/{b}/claim", headers=auth(second_moderator))
    response = client.post("/v1/review/decisions",
                           json={"ids": [a, b, c, 999999], "action": "approve"},
                           headers=auth(moderator_key))
    assert response.status_code == 200
    results = {r["id"]: r for r in response.get_json()["results"]}
    assert results[a]["ok"] is False and results[a]["status"] == 409
    assert results[b]["ok"] is False and results[b]["status"] == 409
    assert results[c]["ok"] is True and results[c]["comment_status"] == "published"
    assert results[999999]["status"] == 404
    bad = client.post("/v1/review/decisions", json={"ids": [], "action": "approve"},
                      headers=auth(moderator_key))
    assert bad.status_code == 422 and "ids" in bad.get_json()["errors"]


def test_queue_filters(app: Flask, client: FlaskClient, site_key: str,
                       moderator_key: str) -> None:
    a = hold(client, site_key, email="a@example.org", ip="192.0.2.1")["id"]
    b = hold(client, site_key, email="b@example.org", ip="192.0.2.2",
             body=links("again"))["id"]
    set_risk(app, a, 0.2)
    set_risk(app, b, 0.8)

    def ids(**query: object) -> list[int]:
        page = client.get("/v1/review/queue", query_string=query, headers=auth(moderator_key))
        assert page.status_code == 200, page.get_json()
        return [item["id"] for item in page.get_json()["items"]]

    assert ids(email="a@example.org") == [a]
    assert ids(ip="192.0.2.2") == [b]
    assert ids(min_score=0.5) == [b]
    assert ids(max_score=0.5) == [a]
    assert ids(rule="many-links") == [b, a]
    assert ids(rule="slurs") == []
    assert ids(since="2000-01-01T00:00:00+00:00", until="2999-01-01T00:00:00+00:00") == [b, a]
    assert ids(until="2000-01-01T00:00:00+00:00") == []
    assert ids(sort="newest") == [b, a]
    decide(client, moderator_key, a, "approve")
    assert ids(queue="approved") == [a]
    assert ids(queue="rejected") == []
    bad = client.get("/v1/review/queue", query_string={"queue": "nope"},
                     headers=auth(moderator_key))
    assert bad.status_code == 422 and "queue" in bad.get_json()["errors"]


def test_the_reader_is_told_the_moderators_reason_and_an_undo_takes_it_back(
        client: FlaskClient, site_key: str, moderator_key: str) -> None:
    held = hold(client, site_key)["id"]
    assert decide(client, moderator_key, held, "reject",
                  reason="This comment is off topic for the article.").status_code == 200
    read = client.get(f"/v1/comments/{held}", headers=auth(site_key)).get_json()
    assert read["status"] == "rejected" and read["reasons"] == [
        {"rule": "moderator", "message": "This comment is off topic for the article."}]
    assert client.post(f"/v1/review/comments/{held}/undo",
                       headers=auth(moderator_key)).status_code == 200
    back = client.get(f"/v1/comments/{held}", headers=auth(site_key)).get_json()
    assert back["status"] == "pending" and "moderator" not in [r["rule"] for r in back["reasons"]]
    # without a reason, the reader is told a moderator decided, in their language
    assert decide(client, moderator_key, held, "reject").status_code == 200
    ru = client.get(f"/v1/comments/{held}", headers={**auth(site_key),
                                                     "Accept-Language": "ru"}).get_json()
    assert ru["reasons"] == [{"rule": "moderator",
                              "message": "Модератор решил не публиковать этот комментарий."}]
