"""The one registry of review queues: every name it has is a queue, any other is a 422."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import auth
from tests.service.review.test_review import hold


def test_an_unknown_queue_is_a_422_naming_the_parameter(client: FlaskClient,
                                                        moderator_key: str) -> None:
    answer = client.get("/v1/review/queue", query_string={"queue": "nope"},
                        headers=auth(moderator_key))
    assert answer.status_code == 422, answer.get_json()
    assert answer.mimetype == "application/problem+json"
    assert list(answer.get_json()["errors"]) == ["queue"]


def test_the_registry_refuses_an_unknown_name_naming_the_parameter(app: Flask) -> None:
    from service.domain_errors import InvalidField
    from service.errors import status_of
    from service.review.queues import queue_condition

    with app.app_context(), pytest.raises(InvalidField) as refused:
        queue_condition("nope")  # never read as another queue
    assert status_of(refused.value) == 422 and list(refused.value.errors) == ["queue"]


def test_every_registered_queue_is_listed_by_the_api_and_the_page(
        client: FlaskClient, site_key: str, moderator_key: str) -> None:
    from service.review.queues import NAMES, QUEUES, WAITING

    assert NAMES == ("pending", "reported", "escalated", "approved", "rejected", "published",
                     "qa")
    assert WAITING == ("pending", "reported", "escalated")
    held = hold(client, site_key)["id"]
    for name in QUEUES:
        answer = client.get("/v1/review/queue", query_string={"queue": name},
                            headers=auth(moderator_key))
        assert answer.status_code == 200, (name, answer.get_json())
        ids = [item["id"] for item in answer.get_json()["items"]]
        assert (held in ids) == (name == "pending"), name


def test_waiting_for_review_is_one_condition_for_queries_and_for_one_comment(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str) -> None:
    from service.extensions import db
    from service.models import Comment
    from service.review.queues import is_waiting

    held = hold(client, site_key)["id"]
    client.post(f"/v1/review/comments/{held}/decision", json={"action": "approve"},
                headers=auth(moderator_key))
    reported = hold(client, site_key)["id"]
    client.post(f"/v1/review/comments/{reported}/decision", json={"action": "approve"},
                headers=auth(moderator_key))
    for reader in ("reader-1", "reader-2"):  # the policy's review_after: 2
        report = client.post(f"/v1/comments/{reported}/reports",
                             json={"reason": "spam", "reporter": reader}, headers=auth(site_key))
        assert report.status_code == 201, report.get_json()
    pending = hold(client, site_key)["id"]
    with app.app_context():
        waits = {i: is_waiting(db.session.get(Comment, i)) for i in (held, reported, pending)}
    assert waits == {held: False, reported: True, pending: True}
