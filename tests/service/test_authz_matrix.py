"""Every endpoint against no key, a wrong key, each role, and another site's key.

The table below must name every /v1 route: a new endpoint without a row fails the first test.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import auth
from tests.service.intake.test_submit import GOOD, post
from tests.service.review.test_review import hold

# (method, rule) -> the least role that may call it; None: no key needed.
ROLES = {
    ("POST", "/v1/comments"): "site",
    ("GET", "/v1/comments/<id:comment_id>"): "site",
    ("GET", "/v1/threads/<path:thread>/comments"): "site",
    ("GET", "/v1/threads/<path:thread>/settings"): "site",
    ("PUT", "/v1/threads/<path:thread>/settings"): "site",
    ("POST", "/v1/comments/<id:comment_id>/reports"): "site",
    ("PATCH", "/v1/comments/<id:comment_id>"): "site",
    ("DELETE", "/v1/comments/<id:comment_id>"): "site",
    ("GET", "/v1/events"): "site",
    ("POST", "/v1/webhooks"): "site",
    ("GET", "/v1/webhooks"): "site",
    ("DELETE", "/v1/webhooks/<id:endpoint_id>"): "site",
    ("POST", "/v1/webhooks/<id:endpoint_id>/secret"): "site",
    ("GET", "/v1/review/queue"): "moderator",
    ("GET", "/v1/review/comments/<id:comment_id>"): "moderator",
    ("POST", "/v1/review/comments/<id:comment_id>/claim"): "moderator",
    ("DELETE", "/v1/review/comments/<id:comment_id>/claim"): "moderator",
    ("POST", "/v1/review/claim-next"): "moderator",
    ("POST", "/v1/review/comments/<id:comment_id>/decision"): "moderator",
    ("POST", "/v1/review/comments/<id:comment_id>/undo"): "moderator",
    ("POST", "/v1/review/decisions"): "moderator",
    ("POST", "/v1/review/comments/<id:comment_id>/remove"): "moderator",
    ("POST", "/v1/review/comments/<id:comment_id>/restore"): "moderator",
    ("POST", "/v1/review/comments/<id:comment_id>/reopen"): "moderator",
    ("POST", "/v1/review/comments/<id:comment_id>/ban"): "moderator",
    ("POST", "/v1/review/comments/<id:comment_id>/qa"): "moderator",
    ("POST", "/v1/review/bans"): "moderator",
    ("GET", "/v1/review/bans"): "moderator",
    ("DELETE", "/v1/review/bans/<id:ban_id>"): "admin",
    ("GET", "/v1/review/audit"): "moderator",
    ("GET", "/v1/review/stats"): "moderator",
    ("GET", "/v1/admin/deliveries"): "admin",
    ("POST", "/v1/admin/deliveries/<id:delivery_id>/retry"): "admin",
    ("POST", "/v1/public/<public_id>/comments"): None,
    ("OPTIONS", "/v1/public/<public_id>/comments"): None,
}
ALLOWED = {"site": {"site"}, "moderator": {"moderator", "admin"}, "admin": {"admin"}}


def _routes(app: Flask) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/v1/")
            for method in rule.methods - {"HEAD", "OPTIONS"}
            } | {("OPTIONS", "/v1/public/<public_id>/comments")}


def test_every_endpoint_is_in_the_matrix(app: Flask) -> None:
    assert _routes(app) <= set(ROLES), sorted(_routes(app) - set(ROLES))


def _url(rule: str, comment_id: int) -> str:
    return (rule.replace("<id:comment_id>", str(comment_id)).replace("<path:thread>", "a")
            .replace("<id:ban_id>", "1").replace("<id:endpoint_id>", "1")
            .replace("<id:delivery_id>", "1").replace("<public_id>", "pub_x"))


@pytest.fixture
def keys(app: Flask, site_key: str, moderator_key: str) -> dict[str, str]:
    from service.keys import create_key
    from service.models import Role

    with app.app_context():
        admin = create_key(Role.ADMIN, label="admin").secret
    return {"site": site_key, "moderator": moderator_key, "admin": admin}


def test_the_matrix(app: Flask, client: FlaskClient, keys: dict[str, str]) -> None:
    comment_id = hold(client, keys["site"])["id"]
    for (method, rule), role in sorted(ROLES.items(), key=str):
        if (method, rule) not in _routes(app):
            continue  # an endpoint of a part that is not installed
        url = _url(rule, comment_id)
        call = getattr(client, method.lower())
        if role is None:
            assert call(url).status_code not in (401, 403), (method, rule)
            continue
        assert call(url, json={}).status_code == 401, (method, rule, "no key")
        assert call(url, json={}, headers=auth("cm_000000000000_nope")).status_code == 401
        for who, secret in keys.items():
            status = call(url, json={}, headers=auth(secret)).status_code
            if who in ALLOWED[role]:
                assert status not in (401, 403), (method, rule, who, status)
            else:
                assert status == 403, (method, rule, who, status)


def test_another_sites_key_sees_nothing_of_this_site(app: Flask, client: FlaskClient,
                                                     site_key: str, other_site_key: str) -> None:
    from service.keys import create_key
    from service.models import Role

    mine = post(client, site_key, GOOD).get_json()["id"]
    held = hold(client, site_key)["id"]
    with app.app_context():
        other_moderator = create_key(Role.MODERATOR, site="other").secret
    assert client.get(f"/v1/comments/{mine}", headers=auth(other_site_key)).status_code == 404
    assert client.post(f"/v1/comments/{mine}/reports", json={"reason": "x"},
                       headers=auth(other_site_key)).status_code == 404
    assert client.get("/v1/threads/article-42/comments",
                      headers=auth(other_site_key)).get_json()["items"] == []
    for method, url, body in (
        ("get", f"/v1/review/comments/{held}", None),
        ("post", f"/v1/review/comments/{held}/claim", None),
        ("post", f"/v1/review/comments/{held}/decision", {"action": "approve"}),
        ("post", f"/v1/review/comments/{held}/ban", {"kind": "email", "reason": "x",
                                                      "days": 1}),
    ):
        response = getattr(client, method)(url, json=body, headers=auth(other_moderator))
        assert response.status_code == 404, (url, response.status_code)
    queue = client.get("/v1/review/queue", headers=auth(other_moderator)).get_json()
    assert queue["items"] == []


def test_a_review_key_limited_to_some_sites(app: Flask, client: FlaskClient, site_key: str,
                                            other_site_key: str) -> None:
    from service.keys import create_key
    from service.models import Role

    with app.app_context():
        third = create_key(Role.SITE, site="third").secret
    news, other, elsewhere = (hold(client, key)["id"]
                              for key in (site_key, other_site_key, third))
    result = app.test_cli_runner().invoke(args=["keys", "create", "--role", "moderator",
                                                "--site", "news", "--site", "other"])
    assert result.exit_code == 0, result.output
    two_sites = result.stdout.strip()
    queue = client.get("/v1/review/queue", headers=auth(two_sites)).get_json()
    assert {item["id"] for item in queue["items"]} == {news, other}
    assert client.get(f"/v1/review/comments/{elsewhere}",
                      headers=auth(two_sites)).status_code == 404
    stats = client.get("/v1/review/stats", headers=auth(two_sites)).get_json()
    assert stats["queues"]["pending"]["size"] == 2
    assert client.get("/v1/review/stats", query_string={"site": "third"},
                      headers=auth(two_sites)).status_code == 404
    bad = app.test_cli_runner().invoke(args=["keys", "create", "--role", "site", "--site", "a",
                                             "--site", "b"])
    assert bad.exit_code != 0
