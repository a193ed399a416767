"""Akismet's submit-spam and submit-ham: the site's verdict decides our comment, audited by the
site key and learnt from by ``model train --from-decisions``; re-checks never undo a human."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.conftest import auth
from tests.service.akismet.test_akismet import ABUSIVE, CLEAN, SPAM, check, counts, fields
from tests.service.intake.test_submit import stored
from tests.service.review.test_review import LINKS

THANKS = "Thanks for making the web a better place."


def submit(client: FlaskClient, key: str, verdict: str, **extra: str) -> Any:
    return client.post(f"/1.1/submit-{verdict}", data=fields(key, **extra))


def actions(app: Flask, comment_id: int) -> list[tuple[str, str, str | None]]:
    """(action, actor, reason) of a comment's audit entries, oldest first."""
    from service.extensions import db
    from service.models import AuditEntry

    with app.app_context():
        rows = db.session.execute(select(AuditEntry).where(AuditEntry.comment_id == comment_id)
                                  .order_by(AuditEntry.id)).scalars()
        return [(row.action, row.actor, row.detail.get("reason")) for row in rows]


def training_rows(app: Flask) -> list[dict[str, Any]]:
    from service.tools.training_rows import decision_rows

    with app.app_context():
        return decision_rows("news")


SITE_ACTOR = "test site#"  # conftest labels the key "test site"; the prefix follows


@pytest.mark.parametrize(("body", "verdict", "action", "status", "label"), [
    (CLEAN, "spam", "remove", "rejected", {"abuse": 0, "spam": 1}),
    (LINKS, "spam", "reject", "rejected", {"abuse": 0, "spam": 1}),
    (LINKS, "ham", "approve", "published", {"abuse": 0, "spam": 0}),
    (SPAM, "ham", "restore", "published", {"abuse": 0, "spam": 0}),
    (SPAM, "spam", "reject", "rejected", {"abuse": 0, "spam": 1}),  # the policy's, confirmed
    (CLEAN, "ham", "approve", "published", {"abuse": 0, "spam": 0}),  # likewise
], ids=["published-spam", "held-spam", "held-ham", "rejected-ham", "rejected-spam",
        "published-ham"])
def test_the_sites_verdict_decides_our_comment_by_its_key(
        app: Flask, client: FlaskClient, site_key: str, body: str, verdict: str,
        action: str, status: str, label: dict[str, int]) -> None:
    guid = int(check(client, site_key, comment_content=body).headers["X-akismet-guid"])
    response = submit(client, site_key, verdict, comment_content=body)  # found by its fields
    assert (response.status_code, response.text) == (200, THANKS)
    comment = stored(app, guid)
    assert comment.status == status and comment.decided_by.startswith(SITE_ACTOR)
    (submitted, *_), last = actions(app, guid), actions(app, guid)[-1]
    assert submitted[:2] == ("submitted", "policy")
    assert last[0] == action and last[1].startswith(SITE_ACTOR)
    assert ("spam" in (last[2] or "")) is (verdict == "spam")
    assert training_rows(app) == [{"text": body, **label}]
    assert counts(app)[0] == 1  # nothing stored twice


def test_a_verdict_on_a_published_comment_tells_the_site_it_was_removed(
        app: Flask, client: FlaskClient, site_key: str) -> None:
    from service.extensions import db
    from service.models import Event

    guid = int(check(client, site_key).headers["X-akismet-guid"])
    submit(client, site_key, "spam")
    with app.app_context():
        types = db.session.execute(select(Event.type).where(Event.comment_id == guid)).scalars()
        assert list(types) == ["comment.removed"]


def test_guid_finds_the_comment_whatever_the_fields(app: Flask, client: FlaskClient,
                                                    site_key: str, other_site_key: str) -> None:
    guid = check(client, site_key).headers["X-akismet-guid"]
    submit(client, site_key, "spam", guid=guid, comment_content="edited since")
    assert stored(app, int(guid)).status == "rejected"
    # another site's id is not this site's comment: that one is stored and decided anew
    other = submit(client, other_site_key, "spam", guid=guid, comment_content=ABUSIVE)
    assert other.text == THANKS and counts(app)[0] == 2


def test_a_verdict_on_a_comment_never_checked_stores_it_then_decides_it(
        app: Flask, client: FlaskClient, site_key: str) -> None:
    assert submit(client, site_key, "spam", comment_content="Cheap watches here").text == THANKS
    (comment_id,) = [row for row in _ids(app)]
    comment = stored(app, comment_id)
    assert comment.status == "rejected" and comment.decided_by.startswith(SITE_ACTOR)
    assert [a[0] for a in actions(app, comment_id)] == ["submitted", "remove"]


def _ids(app: Flask) -> list[int]:
    from service.extensions import db
    from service.models import Comment

    with app.app_context():
        return list(db.session.execute(select(Comment.id)).scalars())


def test_is_test_verdicts_change_nothing(app: Flask, client: FlaskClient, site_key: str) -> None:
    guid = int(check(client, site_key).headers["X-akismet-guid"])
    assert submit(client, site_key, "spam", is_test="1").text == THANKS
    assert stored(app, guid).status == "published" and counts(app) == (1, 1, 0)


@pytest.mark.parametrize(("action", "answer"), [("approve", "false"), ("reject", "true")])
def test_a_recheck_never_undoes_a_human_decision(app: Flask, client: FlaskClient,
                                                 site_key: str, moderator_key: str,
                                                 action: str, answer: str) -> None:
    guid = check(client, site_key, comment_content=LINKS).headers["X-akismet-guid"]
    decided = client.post(f"/v1/review/comments/{guid}/decision", json={"action": action},
                          headers=auth(moderator_key))
    assert decided.status_code == 200
    again = check(client, site_key, comment_content=LINKS, recheck_reason="recheck_queue")
    assert (again.text, again.headers["X-akismet-guid"]) == (answer, guid)
    assert counts(app)[0] == 1
    assert stored(app, int(guid)).decided_by.startswith("test moderator#")


def test_a_recheck_of_an_unknown_comment_is_a_new_check(app: Flask, client: FlaskClient,
                                                        site_key: str) -> None:
    response = check(client, site_key, recheck_reason="edit")
    assert response.text == "false" and counts(app)[0] == 1


def test_a_claimed_comment_is_a_409_the_site_can_read(app: Flask, client: FlaskClient,
                                                      site_key: str, moderator_key: str) -> None:
    guid = check(client, site_key, comment_content=LINKS).headers["X-akismet-guid"]
    claimed = client.post(f"/v1/review/comments/{guid}/claim", headers=auth(moderator_key))
    assert claimed.status_code == 200
    response = submit(client, site_key, "spam", comment_content=LINKS)
    assert response.status_code == 409
    assert "claimed by test moderator" in response.headers["X-akismet-debug-help"]
    assert stored(app, int(guid)).status == "pending"
