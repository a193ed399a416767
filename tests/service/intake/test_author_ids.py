"""Readers the site identifies: with its own ``author_id``, the author's record, bans and
flood checks key on that id, not on the email typed into the form; and the default
policy holds an identified reader's comments until two have been approved (Coral's
new-commenter rule)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from service.extensions import db
from service.models import Comment, utcnow
from tests.conftest import auth
from tests.service.intake.test_browser import ORIGIN, public_id  # noqa: F401  (a fixture)
from tests.service.intake.test_submit import GOOD, post, stored
from tests.service.intake.test_trust import CLEAN, INSULT, REGULAR
from tests.service.review.test_review import links
from tests.service.review.test_workflow import decide


def rules_of(answer: dict) -> list[str]:
    return [r["rule"] for r in answer["reasons"]]


def approve_three(client: FlaskClient, site_key: str, moderator_key: str, **who: str) -> None:
    for n in range(3):
        held = post(client, site_key, {**REGULAR, **who, "body": links(n)}).get_json()
        assert held["status"] == "pending", held
        assert decide(client, moderator_key, held["id"], "approve").status_code == 200


def test_a_regulars_email_buys_nothing_when_the_site_sends_author_ids(
        client: FlaskClient, site_key: str, moderator_key: str) -> None:
    approve_three(client, site_key, moderator_key, author_id="user-1001")
    regular = post(client, site_key, {**REGULAR, "author_id": "user-1001",
                                      "body": INSULT}).get_json()
    assert regular["status"] == "published", regular  # the classifier is lifted for them
    # Someone else types the regular's email: their own account has no record at all.
    impostor = post(client, site_key, {**REGULAR, "author_id": "user-6666",
                                       "body": INSULT}).get_json()
    assert impostor["status"] != "published", impostor  # the classifier judges it
    assert "trusted-regulars" not in rules_of(impostor)
    assert "score:abuse" in rules_of(impostor)


def test_an_identified_readers_first_comments_wait_until_two_are_approved(
        client: FlaskClient, site_key: str, moderator_key: str) -> None:
    reader = {**GOOD, "email": "newcomer@example.org", "author_id": "user-77"}
    for body in CLEAN[:2]:
        answer = post(client, site_key, {**reader, "body": body}).get_json()
        assert answer["status"] == "pending" and rules_of(answer) == ["new-commenter"], answer
        assert answer["reasons"][0]["message"] == \
            "Your first comments on this site are reviewed before they appear."
        assert decide(client, moderator_key, answer["id"], "approve").status_code == 200
    third = post(client, site_key, {**reader, "body": CLEAN[2]}).get_json()
    assert third["status"] == "published", third
    # Russian readers are told in Russian.
    ru = client.post("/v1/comments", json={**GOOD, "author_id": "user-78"},
                     headers={**auth(site_key), "Accept-Language": "ru"}).get_json()
    assert ru["reasons"][0]["message"] == \
        "Ваши первые комментарии на этом сайте публикуются после проверки."


def test_readers_without_an_author_id_are_not_held_as_new(client: FlaskClient,
                                                          site_key: str) -> None:
    answer = post(client, site_key, {**GOOD, "email": "drive-by@example.org"}).get_json()
    assert answer["status"] == "published", answer


def test_the_author_id_is_stored_and_shown_to_moderators(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str) -> None:
    answer = post(client, site_key, {**GOOD, "author_id": "user-5"}).get_json()
    item = client.get(f"/v1/review/comments/{answer['id']}", headers=auth(moderator_key))
    body = item.get_json()
    assert body["author_id"] == "user-5" and body["author"]["keyed_by"] == "author_id"
    queue = client.get("/v1/review/queue?author_id=user-5", headers=auth(moderator_key))
    assert [i["id"] for i in queue.get_json()["items"]] == [answer["id"]]
    assert client.get("/v1/review/queue?author_id=user-6",
                      headers=auth(moderator_key)).get_json()["items"] == []


def test_a_ban_on_the_author_id_holds_whatever_email_they_type(
        client: FlaskClient, site_key: str, moderator_key: str) -> None:
    first = post(client, site_key, {**GOOD, "author_id": "user-9"}).get_json()
    ban = client.post(f"/v1/review/comments/{first['id']}/ban", headers=auth(moderator_key),
                      json={"kind": "author", "reason": "abuse", "days": 7})
    assert ban.status_code == 201 and ban.get_json()["value"] == "user-9", ban.get_json()
    again = post(client, site_key, {**GOOD, "email": "fresh@example.org",
                                    "author_id": "user-9"}).get_json()
    assert again["status"] == "rejected" and rules_of(again) == ["banned-author"], again
    other = post(client, site_key, {**GOOD, "author_id": "user-10"}).get_json()
    assert "banned-author" not in rules_of(other)


def test_banning_by_author_id_needs_a_comment_that_has_one(
        client: FlaskClient, site_key: str, moderator_key: str) -> None:
    plain = post(client, site_key, GOOD).get_json()
    ban = client.post(f"/v1/review/comments/{plain['id']}/ban", headers=auth(moderator_key),
                      json={"kind": "author", "reason": "abuse", "days": 7})
    assert ban.status_code == 422 and "kind" in ban.get_json()["errors"], ban.get_json()


def test_a_browser_cannot_claim_an_author_id(app: Flask, client: FlaskClient,
                                             public_id: str) -> None:  # noqa: F811
    answer = client.post(f"/v1/public/{public_id}/comments",
                         json={**GOOD, "author_id": "user-1001"}, headers={"Origin": ORIGIN})
    assert answer.status_code == 201, answer.get_json()
    assert stored(app, answer.get_json()["id"]).author_id is None


FLOOD_AND_RECORD = """
rules:
  - id: author-flood
    when: {flood: {by: author, more_than: 2, within: 10m}}
    action: hold
    reason:
      en: You are commenting very quickly.
      ru: Вы комментируете слишком часто.
  - id: upheld-reports
    when: {author: {reports_upheld: {at_least: 1}}}
    action: hold
    reason:
      en: Held for review.
      ru: На проверке.
  - id: brand-new
    when: {author: {first_seen: {within: 1d}, comments: {at_least: 1}}}
    action: approve
    reason:
      en: Welcome back.
      ru: С возвращением.
"""


def test_flood_by_author_counts_the_author_id_not_the_email(
        client: FlaskClient, site_key: str, policy_dir: Path) -> None:
    default = policy_dir / "default.yaml"
    default.write_text(default.read_text() + FLOOD_AND_RECORD)
    for n in range(2):
        answer = post(client, site_key, {**GOOD, "author_id": "user-3",
                                         "email": f"alias{n}@example.org",
                                         "body": f"Point number {n} about the budget."})
        assert "author-flood" not in rules_of(answer.get_json())
    third = post(client, site_key, {**GOOD, "author_id": "user-3", "email": "alias9@example.org",
                                    "body": "And a third point about the budget."}).get_json()
    assert "author-flood" in rules_of(third), third


def test_reports_upheld_and_first_seen_are_in_the_authors_record(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str,
        policy_dir: Path) -> None:
    default = policy_dir / "default.yaml"
    default.write_text(default.read_text() + FLOOD_AND_RECORD)
    who = {**GOOD, "email": "reported@example.org"}
    first = post(client, site_key, {**who, "body": "My first comment on the trial."}).get_json()
    assert first["status"] == "published", first
    second = post(client, site_key, {**who, "body": "My second comment on it."}).get_json()
    assert "brand-new" in [r["rule"] for r in second["reasons"]]  # seen today, 1 comment
    with app.app_context():  # their first comment was two days ago: no longer brand new
        db.session.execute(update(Comment).where(Comment.id == first["id"])
                           .values(created_at=utcnow() - timedelta(days=2)))
        db.session.commit()
    third = post(client, site_key, {**who, "body": "A third comment on it."}).get_json()
    assert "brand-new" not in rules_of(third)
    # a reader's report on it is upheld: the moderator removes the comment
    report = client.post(f"/v1/comments/{third['id']}/reports", headers=auth(site_key),
                         json={"reason": "insulting", "reporter": "reader-1"})
    assert report.status_code == 201
    removed = client.post(f"/v1/review/comments/{third['id']}/remove",
                          headers=auth(moderator_key), json={"reason": "insulting"})
    assert removed.status_code == 200, removed.get_json()
    fourth = post(client, site_key, {**who, "body": "A fourth comment on it."}).get_json()
    assert fourth["status"] == "pending" and "upheld-reports" in rules_of(fourth), fourth
    item = client.get(f"/v1/review/comments/{fourth['id']}", headers=auth(moderator_key))
    assert item.get_json()["author"]["reports_upheld"] == 1
    with app.app_context():
        stored = db.session.execute(select(Comment.author_id).where(
            Comment.id == fourth["id"])).scalar_one()
        assert stored is None  # no author id sent: the record is keyed by email
