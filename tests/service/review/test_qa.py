"""The QA sample: a share of what the policy publishes waits for a moderator's grade too,
and the stats estimate the leak rate from the grades."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from service.extensions import db
from service.models import Comment, QaSample, Status
from service.review.qa import wilson
from tests.conftest import auth
from tests.service.intake.test_submit import GOOD, post
from tests.service.review.test_review import hold

TOPICS = ["budget", "housing", "transport", "schools", "water", "parks", "police", "health",
          "library", "roads", "planning", "harbour", "museum", "market", "bridge", "tram",
          "airport", "energy", "waste", "tourism"]


def qa_queue(client: FlaskClient, key: str) -> list[int]:
    page = client.get("/v1/review/queue", query_string={"queue": "qa", "limit": 200},
                      headers=auth(key))
    assert page.status_code == 200, page.get_json()
    return [item["id"] for item in page.get_json()["items"]]


def grade(client: FlaskClient, key: str, comment_id: int, value: str, note: str = ""):  # noqa: ANN201
    body = {"grade": value, **({"note": note} if note else {})}
    return client.post(f"/v1/review/comments/{comment_id}/qa", json=body, headers=auth(key))


def sample_everything(policy_dir: Path, rate: str = "1") -> None:
    default = policy_dir / "default.yaml"
    default.write_text(default.read_text() + f"\nqa_sample: {rate}\n")


def test_about_two_percent_of_published_comments_land_in_qa(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str) -> None:
    # the shipped policy's 0.02, drawn repeatably (the app's QA_SAMPLE_SEED)
    bodies = [f"The {a} committee should publish its {b} figures."
              for a, b in itertools.product(TOPICS, TOPICS)]
    ids = [post(client, site_key, {**GOOD, "email": f"r{n}@example.org",
                                   "ip": f"10.0.{n // 200}.{n % 200 + 1}", "body": body}
                ).get_json() for n, body in enumerate(bodies)]
    published = {a["id"] for a in ids if a["status"] == "published"}
    assert len(published) >= 390  # the model may hold one or two of these
    drawn = qa_queue(client, moderator_key)
    # about 400 draws of 2%: 8 expected; the seed fixes the count, the bounds say what it means
    assert 3 <= len(drawn) <= 16, len(drawn)
    assert set(drawn) <= published
    with app.app_context():
        statuses = set(db.session.execute(select(Comment.status).where(
            Comment.id.in_(drawn))).scalars())
        assert statuses == {Status.PUBLISHED}  # they stay published
        assert db.session.execute(select(func.count()).select_from(QaSample)).scalar_one() \
            == len(drawn)


def test_held_and_rejected_comments_are_never_drawn(client: FlaskClient, site_key: str,
                                                    moderator_key: str,
                                                    policy_dir: Path) -> None:
    sample_everything(policy_dir)
    hold(client, site_key)
    published = post(client, site_key, GOOD).get_json()
    assert qa_queue(client, moderator_key) == [published["id"]]


def test_grading_leaves_the_comment_published_and_feeds_the_stats(
        client: FlaskClient, site_key: str, moderator_key: str, policy_dir: Path) -> None:
    sample_everything(policy_dir)
    ids = [post(client, site_key, {**GOOD, "body": f"Point {n} about the verdict."}
                ).get_json()["id"] for n in range(4)]
    assert sorted(qa_queue(client, moderator_key)) == sorted(ids)
    item = client.get(f"/v1/review/comments/{ids[0]}", headers=auth(moderator_key)).get_json()
    assert item["qa"]["grade"] is None
    for comment_id, value in zip(ids, ["ok", "ok", "ok", "reject"], strict=True):
        answer = grade(client, moderator_key, comment_id, value)
        assert answer.status_code == 200 and answer.get_json()["grade"] == value
    assert qa_queue(client, moderator_key) == []
    again = grade(client, moderator_key, ids[3], "ok")
    assert again.status_code == 409 and again.get_json()["grade"] == "reject"
    status = client.get(f"/v1/comments/{ids[3]}", headers=auth(site_key)).get_json()
    assert status["status"] == "published"  # the grade judges the machine, not the comment
    stats = client.get("/v1/review/stats", headers=auth(moderator_key)).get_json()["qa"]
    assert stats["graded"] == 4 and stats["reject"] == 1 and stats["leak_rate"] == 0.25
    low, high = stats["leak_interval"]
    assert low < 0.25 < high and (low, high) == pytest.approx(wilson(1, 4))
    audit = client.get("/v1/review/audit", query_string={"comment_id": ids[3]},
                       headers=auth(moderator_key)).get_json()["items"]
    assert "qa-grade" in [a["action"] for a in audit]


def test_grading_a_comment_not_in_the_sample_is_a_conflict(
        client: FlaskClient, site_key: str, moderator_key: str, policy_dir: Path) -> None:
    sample_everything(policy_dir, "0")
    plain = post(client, site_key, GOOD).get_json()
    outside = grade(client, moderator_key, plain["id"], "ok")
    assert outside.status_code == 409 and outside.get_json()["type"].endswith("not-in-qa")
    invalid = grade(client, moderator_key, plain["id"], "bogus")
    assert invalid.status_code == 422 and "grade" in invalid.get_json()["errors"]


def test_graded_qa_comments_become_training_rows(app: Flask, client: FlaskClient,
                                                 site_key: str, moderator_key: str,
                                                 policy_dir: Path) -> None:
    from service.tools.training_rows import decision_rows

    sample_everything(policy_dir)
    ok, bad, ad = (post(client, site_key, {**GOOD, "body": body}).get_json() for body in (
        "A fair point about the budget.", "The second paragraph misreads the ruling.",
        "Our family bakery on Main Street opens at seven."))
    assert {ok["status"], bad["status"], ad["status"]} == {"published"}
    grade(client, moderator_key, ok["id"], "ok")
    grade(client, moderator_key, bad["id"], "reject")
    grade(client, moderator_key, ad["id"], "hold", note="advertising")
    with app.app_context():
        rows = {r["text"]: (r["abuse"], r["spam"]) for r in decision_rows("news")}
    assert rows == {"A fair point about the budget.": (0, 0),
                    "The second paragraph misreads the ruling.": (1, 0),
                    "Our family bakery on Main Street opens at seven.": (0, 1)}


def test_wilson_interval() -> None:
    assert wilson(0, 0) is None
    low, high = wilson(0, 50)
    assert low == 0.0 and 0.06 < high < 0.08  # none of 50: up to about 7% is plausible
    low, high = wilson(5, 100)
    assert 0.02 < low < 0.05 < high < 0.12
