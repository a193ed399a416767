"""Any comment, any time: remove, restore and re-open decided comments, and the events that
tell moderators something waits (held, reported, escalated)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import auth
from tests.service.events.test_events import fake_dns, feed, mount, register
from tests.service.intake.test_submit import GOOD, post
from tests.service.review.test_review import hold


@pytest.fixture(autouse=True)
def _events_at_once(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    mount(app)
    fake_dns(monkeypatch)


def act(client: FlaskClient, key: str, comment_id: int, verb: str, **body: Any):  # noqa: ANN201
    return client.post(f"/v1/review/comments/{comment_id}/{verb}", json=body or None,
                       headers=auth(key))


def published(client: FlaskClient, site_key: str, moderator_key: str) -> int:
    """A published comment (held first: tests do not depend on the model's scores)."""
    comment_id = hold(client, site_key)["id"]
    approved = act(client, moderator_key, comment_id, "decision", action="approve")
    assert approved.status_code == 200, approved.get_json()
    return comment_id


def events_of(client: FlaskClient, site_key: str, comment_id: int) -> list[str]:
    return [e["type"] for e in feed(client, site_key, limit=200)["items"]
            if e["comment"]["id"] == comment_id]


def audit_of(client: FlaskClient, key: str, comment_id: int) -> list[dict[str, Any]]:
    page = client.get("/v1/review/audit", query_string={"comment_id": comment_id},
                      headers=auth(key)).get_json()
    return list(reversed(page["items"]))  # oldest first


def test_remove_takes_down_a_published_comment_and_keeps_the_earlier_decision(
        client: FlaskClient, site_key: str, moderator_key: str, second_moderator: str) -> None:
    register(client, site_key)
    comment_id = published(client, site_key, moderator_key)
    removed = act(client, second_moderator, comment_id, "remove",
                  reason="A court order", note="ticket 4471")
    assert removed.status_code == 200, removed.get_json()
    item = removed.get_json()
    assert item["status"] == "rejected" and item["decided_by"].startswith("Second#")
    thread = client.get(f"/v1/threads/{GOOD['thread']}/comments", headers=auth(site_key))
    assert comment_id not in [c["id"] for c in thread.get_json()["items"]]
    entry = audit_of(client, moderator_key, comment_id)[-1]
    assert entry["action"] == "remove" and entry["note"] == "ticket 4471"
    assert (entry["from_status"], entry["to_status"]) == ("published", "rejected")
    assert entry["detail"]["reason"] == "A court order"
    assert entry["detail"]["previous"]["decided_by"].startswith("test moderator#")
    assert entry["detail"]["previous"]["status"] == "published"
    assert events_of(client, site_key, comment_id) == [
        "comment.held", "comment.published", "comment.removed"]
    deliveries = client.get("/v1/admin/deliveries", query_string={"state": "pending"},
                            headers=auth(_admin(client)))
    assert "comment.removed" in [d["event_type"] for d in deliveries.get_json()["items"]]
    # only a published comment can be removed
    again = act(client, moderator_key, comment_id, "remove")
    assert again.status_code == 409 and again.get_json()["current_status"] == "rejected"


def _admin(client: FlaskClient) -> str:
    from service.keys import create_key
    from service.models import Role

    with client.application.app_context():
        return create_key(Role.ADMIN, label="admin").secret


def test_restore_publishes_what_the_policy_rejected(client: FlaskClient, site_key: str,
                                                    moderator_key: str) -> None:
    rejected = post(client, site_key, {**GOOD, "body": "I will kill you if you post that "
                                       "again"}).get_json()
    assert rejected["status"] == "rejected"
    # the queue's decision cannot touch it: it does not wait for review (the 409 says what can)
    refused = act(client, moderator_key, rejected["id"], "decision", action="approve")
    assert refused.status_code == 409 and "restore" in refused.get_json()["detail"]
    restored = act(client, moderator_key, rejected["id"], "restore",
                   reason="A quote from the trial, not a threat")
    assert restored.status_code == 200, restored.get_json()
    assert restored.get_json()["status"] == "published"
    status = client.get(f"/v1/comments/{rejected['id']}", headers=auth(site_key)).get_json()
    assert status["status"] == "published"
    entry = audit_of(client, moderator_key, rejected["id"])[-1]
    assert (entry["action"], entry["from_status"], entry["to_status"]) == (
        "restore", "rejected", "published")
    previous = dict(entry["detail"]["previous"])
    assert "threat-patterns" in [r["rule"] for r in previous.pop("reasons")]
    assert previous == {"status": "rejected", "decided_by": None, "decided_key_id": None,
                        "decided_at": None, "hidden": False}
    assert events_of(client, site_key, rejected["id"]) == ["comment.restored"]
    assert act(client, moderator_key, rejected["id"], "restore").status_code == 409


def test_reopen_puts_a_decided_comment_back_in_the_queue(client: FlaskClient, site_key: str,
                                                         moderator_key: str) -> None:
    comment_id = published(client, site_key, moderator_key)
    reopened = act(client, moderator_key, comment_id, "reopen", note="second look")
    assert reopened.status_code == 200
    assert reopened.get_json()["status"] == "pending"
    assert reopened.get_json()["decided_by"] is None
    queue = client.get("/v1/review/queue", headers=auth(moderator_key)).get_json()
    assert comment_id in [c["id"] for c in queue["items"]]
    assert act(client, moderator_key, comment_id, "reopen").status_code == 409  # waits
    assert act(client, moderator_key, comment_id, "decision",
               action="reject").status_code == 200
    actions = [a["action"] for a in audit_of(client, moderator_key, comment_id)]
    assert actions == ["submitted", "approve", "reopen", "reject"]
    assert events_of(client, site_key, comment_id) == [
        "comment.held", "comment.published", "comment.reopened", "comment.rejected"]


def test_undo_of_a_removal_puts_the_comment_back_as_it_was(client: FlaskClient, site_key: str,
                                                           moderator_key: str,
                                                           second_moderator: str) -> None:
    comment_id = published(client, site_key, moderator_key)
    act(client, second_moderator, comment_id, "remove")
    assert act(client, moderator_key, comment_id, "undo").status_code == 409  # not theirs
    undone = act(client, second_moderator, comment_id, "undo")
    assert undone.status_code == 200
    item = undone.get_json()
    assert item["status"] == "published"
    assert item["decided_by"].startswith("test moderator#")  # the earlier decision is back
    assert events_of(client, site_key, comment_id)[-1] == "comment.restored"


def test_overrides_respect_claims_and_escalation(client: FlaskClient, site_key: str,
                                                 moderator_key: str, second_moderator: str,
                                                 admin_key: str) -> None:
    comment_id = published(client, site_key, moderator_key)
    for reader in ("r1", "r2"):  # the policy's review_after: 2
        client.post(f"/v1/comments/{comment_id}/reports",
                    json={"reason": "rude", "reporter": reader}, headers=auth(site_key))
    assert act(client, moderator_key, comment_id, "claim").status_code == 200
    blocked = act(client, second_moderator, comment_id, "remove")
    assert blocked.status_code == 409 and blocked.get_json()["claimed_by"]
    act(client, moderator_key, comment_id, "decision", action="escalate")
    assert act(client, second_moderator, comment_id, "remove").get_json()["type"].endswith(
        "/escalated")
    assert act(client, admin_key, comment_id, "remove").status_code == 200
    assert events_of(client, site_key, comment_id) == [
        "comment.held", "comment.published", "comment.reported", "comment.escalated",
        "comment.removed"]


def test_override_bodies_are_validated_and_unknown_comments_are_404(
        client: FlaskClient, site_key: str, moderator_key: str) -> None:
    comment_id = published(client, site_key, moderator_key)
    for action in ("remove", "restore", "reopen"):
        response = act(client, moderator_key, comment_id, action, reason="x" * 501)
        assert response.status_code == 422
        assert "reason" in response.get_json()["errors"]
        assert act(client, moderator_key, 999999, action).status_code == 404
    assert client.post(f"/v1/review/comments/{comment_id}/remove", data="not json",
                       headers={**auth(moderator_key), "Content-Type": "application/json"}
                       ).status_code == 400


def test_the_published_list_has_every_published_comment(client: FlaskClient, site_key: str,
                                                         moderator_key: str) -> None:
    comment_id = published(client, site_key, moderator_key)
    page = client.get("/v1/review/queue", query_string={"queue": "published", "sort": "newest"},
                      headers=auth(moderator_key)).get_json()
    assert [c["id"] for c in page["items"]] == [comment_id]


def test_held_comments_are_events_for_moderators(client: FlaskClient, site_key: str) -> None:
    register(client, site_key)
    held = hold(client, site_key)
    events = feed(client, site_key)["items"]
    assert [(e["type"], e["comment"]["id"]) for e in events] == [("comment.held", held["id"])]
    assert events[0]["comment"]["status"] == "pending"
    assert events[0]["comment"]["visible"] is False
    assert "many-links" in [r["rule"] for r in events[0]["comment"]["reasons"]]


def test_the_openapi_document_describes_the_overrides(client: FlaskClient) -> None:
    paths = client.get("/openapi.json").get_json()["paths"]
    for action in ("remove", "restore", "reopen"):
        operation = paths[f"/v1/review/comments/{{comment_id}}/{action}"]["post"]
        assert operation["security"] == [{"moderatorKey": []}]
        assert "409" in operation["responses"]
    queues = paths["/v1/review/queue"]["get"]["parameters"]
    queue = next(p for p in queues if p["name"] == "queue")
    assert "published" in queue["schema"]["enum"]


# -- the functions themselves, without HTTP ---------------------------------------------------

def _rows(app: Flask, comment_id: int) -> tuple[list[Any], list[Any]]:
    from sqlalchemy import select

    from service.extensions import db
    from service.models import AuditEntry, Event

    with app.app_context():
        audit = list(db.session.execute(select(AuditEntry).where(
            AuditEntry.comment_id == comment_id).order_by(AuditEntry.id)).scalars())
        events = list(db.session.execute(select(Event).where(
            Event.comment_id == comment_id).order_by(Event.id)).scalars())
        db.session.expunge_all()
        return audit, events


def test_override_writes_its_audit_row_and_event_in_one_transaction(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str) -> None:
    from service.extensions import db
    from service.keys import verify
    from service.models import Comment
    from service.review.overrides import override

    comment_id = published(client, site_key, moderator_key)
    with app.app_context():
        key = verify(moderator_key)
        assert key is not None
        comment = db.session.get(Comment, comment_id)
        override(comment, key, "remove", note="n", reason="Court order")
        assert comment.status == "rejected" and comment.decided_key_id == key.id
        override(comment, key, "restore", reason="Order lifted")
        assert comment.status == "published"
        with pytest.raises(ValueError, match="approve"):
            override(comment, key, "approve")
    audit, events = _rows(app, comment_id)
    assert [(a.action, a.from_status, a.to_status) for a in audit][-2:] == [
        ("remove", "published", "rejected"), ("restore", "rejected", "published")]
    assert audit[-2].detail["reason"] == "Court order" and audit[-2].note == "n"
    assert audit[-1].detail["previous"]["status"] == "rejected"
    assert [e.type for e in events][-2:] == ["comment.removed", "comment.restored"]
    assert events[-1].payload["comment"]["visible"] is True


def test_a_failed_override_leaves_no_audit_row_and_no_event(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str) -> None:
    from service.domain_errors import Conflict
    from service.errors import status_of
    from service.extensions import db
    from service.keys import verify
    from service.models import Comment
    from service.review.overrides import override

    comment_id = hold(client, site_key)["id"]
    before = _rows(app, comment_id)
    with app.app_context():
        key = verify(moderator_key)
        assert key is not None
        with pytest.raises(Conflict) as refused:
            override(db.session.get(Comment, comment_id), key, "remove")
        assert status_of(refused.value) == 409 and refused.value.kind == "wrong-status"
    after = _rows(app, comment_id)
    assert [a.id for a in after[0]] == [a.id for a in before[0]]
    assert [e.id for e in after[1]] == [e.id for e in before[1]]
