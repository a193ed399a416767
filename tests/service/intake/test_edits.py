"""Edits and withdrawals by the author, through the site: re-moderated, versioned, audited,
and announced."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import auth
from tests.service.intake.test_submit import GOOD, post
from tests.service.intake.test_trust import INSULT
from tests.service.review.test_review import hold
from tests.service.review.test_workflow import decide


def edit(client: FlaskClient, key: str, comment_id: int, body: object, **headers: str):  # noqa: ANN201
    return client.patch(f"/v1/comments/{comment_id}", json={"body": body},
                        headers={**auth(key), **headers})


def events(client: FlaskClient, key: str) -> list[tuple[str, int]]:
    page = client.get("/v1/events", headers=auth(key)).get_json()
    return [(e["type"], e["comment"]["id"]) for e in page["items"]]


def thread_ids(client: FlaskClient, key: str, thread: str) -> list[int]:
    page = client.get(f"/v1/threads/{thread}/comments", headers=auth(key)).get_json()
    return [c["id"] for c in page["items"]]


def test_an_edited_comment_is_moderated_again(app: Flask, client: FlaskClient, site_key: str,
                                              moderator_key: str) -> None:
    app.config["EVENTS_FEED_LAG_SECONDS"] = 0
    first = post(client, site_key, GOOD).get_json()
    assert first["status"] == "published"
    edited = edit(client, site_key, first["id"], INSULT)
    assert edited.status_code == 200, edited.get_json()
    answer = edited.get_json()
    assert answer["id"] == first["id"] and answer["status"] != "published"
    assert "score:abuse" in [r["rule"] for r in answer["reasons"]]
    # readers no longer see it: the held (or rejected) new text is hidden until decided
    assert first["id"] not in thread_ids(client, site_key, GOOD["thread"])
    item = client.get(f"/v1/review/comments/{first['id']}", headers=auth(moderator_key))
    body = item.get_json()
    assert body["body"] == INSULT
    assert [(v["version"], v["body"], v["status"]) for v in body["versions"]] == [
        (1, GOOD["body"], "published")]
    actions = [a["action"] for a in body["actions"]]
    assert actions[:2] == ["submitted", "edit"]
    assert ("comment.edited", first["id"]) in events(client, site_key)


def test_an_edit_back_to_clean_text_is_published_and_every_version_kept(
        client: FlaskClient, site_key: str, moderator_key: str) -> None:
    held = post(client, site_key, {**GOOD, "body": INSULT}).get_json()
    assert held["status"] != "published"
    fixed = edit(client, site_key, held["id"], "Sorry: I disagree with the council's plan.")
    assert fixed.get_json()["status"] == "published", fixed.get_json()
    again = edit(client, site_key, held["id"], "I disagree with the council's plan.")
    assert again.get_json()["status"] == "published"
    item = client.get(f"/v1/review/comments/{held['id']}",
                      headers=auth(moderator_key)).get_json()
    assert [v["body"] for v in item["versions"]] == [
        INSULT, "Sorry: I disagree with the council's plan."]
    assert held["id"] in thread_ids(client, site_key, GOOD["thread"])


def test_a_comment_a_moderator_rejected_cannot_be_edited(client: FlaskClient, site_key: str,
                                                         moderator_key: str) -> None:
    held = hold(client, site_key)["id"]
    assert decide(client, moderator_key, held, "reject", reason="Off topic").status_code == 200
    refused = edit(client, site_key, held, "Now it is on topic, honest.")
    assert refused.status_code == 409 and refused.get_json()["type"].endswith(
        "decided-by-moderator")


def test_edits_are_validated_like_submissions(client: FlaskClient, site_key: str,
                                              other_site_key: str) -> None:
    first = post(client, site_key, GOOD).get_json()
    too_long = edit(client, site_key, first["id"], "x" * 6000)
    assert too_long.status_code == 422 and "body" in too_long.get_json()["errors"]
    missing = client.patch(f"/v1/comments/{first['id']}", json={"name": "Other"},
                           headers=auth(site_key))
    assert missing.status_code == 422 and "body" in missing.get_json()["errors"]
    not_text = edit(client, site_key, first["id"], 42)
    assert not_text.status_code == 422 and "body" in not_text.get_json()["errors"]
    russian = edit(client, site_key, first["id"], "", **{"Accept-Language": "ru"})
    assert russian.status_code == 422
    assert edit(client, other_site_key, first["id"], "Hello").status_code == 404
    assert edit(client, site_key, 999_999, "Hello").status_code == 404


def test_a_withdrawn_comment_leaves_the_page_and_the_queue(app: Flask, client: FlaskClient,
                                                          site_key: str,
                                                          moderator_key: str) -> None:
    app.config["EVENTS_FEED_LAG_SECONDS"] = 0
    published = post(client, site_key, GOOD).get_json()["id"]
    held = hold(client, site_key)["id"]
    for comment_id in (published, held):
        answer = client.delete(f"/v1/comments/{comment_id}", headers=auth(site_key))
        assert answer.status_code == 204
        assert client.delete(f"/v1/comments/{comment_id}",
                             headers=auth(site_key)).status_code == 204  # idempotent
    assert published not in thread_ids(client, site_key, GOOD["thread"])
    queue = client.get("/v1/review/queue", headers=auth(moderator_key)).get_json()
    assert held not in [i["id"] for i in queue["items"]]
    status = client.get(f"/v1/comments/{published}", headers=auth(site_key)).get_json()
    assert status["status"] == "withdrawn" and status["reasons"] == []
    assert edit(client, site_key, published, "Back again").status_code == 409
    withdrawn = [e for e in events(client, site_key) if e[0] == "comment.withdrawn"]
    assert withdrawn == [("comment.withdrawn", published), ("comment.withdrawn", held)]
    item = client.get(f"/v1/review/comments/{held}", headers=auth(moderator_key)).get_json()
    assert "withdraw" in [a["action"] for a in item["actions"]]


def test_an_edit_does_not_count_itself_as_a_duplicate_or_flood(
        app: Flask, client: FlaskClient, site_key: str) -> None:
    first = post(client, site_key, GOOD).get_json()
    same = edit(client, site_key, first["id"], GOOD["body"] + " (edited)")
    assert same.get_json()["status"] == "published", same.get_json()
    assert "duplicate" not in [r["rule"] for r in same.get_json()["reasons"]]
