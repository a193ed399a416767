"""Trust that cannot be bought: the author's record counts only comments a moderator
approved, or that stayed published for the policy's trust.settled_after (7 days)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from service.extensions import db
from service.models import Comment, utcnow
from tests.service.intake.test_submit import GOOD, post
from tests.service.review.test_review import hold, links
from tests.service.review.test_workflow import decide

REGULAR = {**GOOD, "email": "regular@example.org", "name": "A Regular"}
CLEAN = ["Thanks for the careful reporting on the council budget.",
         "The figures on page two match what the auditors said last year.",
         "Good to see the court reporting covers both sides of the case."]
# scored as abuse by the classifier, caught by no word list: only the score holds it
INSULT = "You are a pathetic little man and everyone on this site laughs at you."


def test_three_auto_published_comments_buy_no_trust(client: FlaskClient, site_key: str) -> None:
    for body in CLEAN:
        assert post(client, site_key, {**REGULAR, "body": body}).get_json()["status"] == \
            "published"
    fourth = post(client, site_key, {**REGULAR, "body": INSULT}).get_json()
    assert fourth["status"] != "published", fourth
    assert "trusted-regulars" not in [r["rule"] for r in fourth["reasons"]]


def test_comments_a_moderator_approved_do_count(client: FlaskClient, site_key: str,
                                                moderator_key: str) -> None:
    for n in range(3):
        held = hold(client, site_key, email=REGULAR["email"], body=links(n))
        assert decide(client, moderator_key, held["id"], "approve").status_code == 200
    fourth = post(client, site_key, {**REGULAR, "body": INSULT}).get_json()
    assert fourth["status"] == "published", fourth  # the classifier is not applied to regulars


def test_published_comments_count_once_they_have_stayed_up_a_week(
        app: Flask, client: FlaskClient, site_key: str) -> None:
    ids = [post(client, site_key, {**REGULAR, "body": body}).get_json()["id"] for body in CLEAN]
    with app.app_context():
        db.session.execute(update(Comment).where(Comment.id.in_(ids))
                           .values(created_at=utcnow() - timedelta(days=8)))
        db.session.commit()
    assert post(client, site_key, {**REGULAR, "body": INSULT}).get_json()["status"] == "published"
