"""Bearer keys: missing, wrong, revoked, wrong role, other site."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import auth

ENDPOINTS = [
    ("post", "/v1/comments", "site"),
    ("get", "/v1/comments/1", "site"),
    ("get", "/v1/threads/a/comments", "site"),
    ("get", "/v1/review/queue", "moderator"),
    ("get", "/v1/review/comments/1", "moderator"),
    ("post", "/v1/review/comments/1/decision", "moderator"),
]


@pytest.mark.parametrize(("method", "path", "role"), ENDPOINTS)
def test_missing_key_is_401(client: FlaskClient, method: str, path: str, role: str) -> None:
    response = getattr(client, method)(path, json={})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path", "role"), ENDPOINTS)
@pytest.mark.parametrize("secret", ["nonsense", "cm_000000000000_wrong", "cm_" + "a" * 300])
def test_wrong_key_is_401(client: FlaskClient, site_key: str, method: str, path: str, role: str,
                          secret: str) -> None:
    response = getattr(client, method)(path, json={}, headers=auth(secret))
    assert response.status_code == 401


@pytest.mark.parametrize(("method", "path", "role"), ENDPOINTS)
def test_key_of_the_wrong_role_is_403(client: FlaskClient, site_key: str, moderator_key: str,
                                      method: str, path: str, role: str) -> None:
    wrong = moderator_key if role == "site" else site_key
    response = getattr(client, method)(path, json={}, headers=auth(wrong))
    assert response.status_code == 403
    assert "key" in response.get_json()["detail"]


def test_a_forged_key_with_a_real_prefix_is_401(client: FlaskClient, site_key: str) -> None:
    scheme, prefix, _ = site_key.split("_", 2)
    forged = f"{scheme}_{prefix}_{'x' * 43}"
    response = client.get("/v1/threads/a/comments", headers=auth(forged))
    assert response.status_code == 401


def test_only_the_hash_is_stored(app: Flask, site_key: str) -> None:
    from sqlalchemy import select

    from service.extensions import db
    from service.models import ApiKey

    with app.app_context():
        rows = db.session.execute(select(ApiKey)).scalars().all()
        assert rows
        for row in rows:
            assert site_key not in (row.secret_hash, row.prefix, row.label)
            assert len(row.secret_hash) == 64


def test_revoked_key_is_401(app: Flask, client: FlaskClient, site_key: str) -> None:
    from service.keys import revoke

    with app.app_context():
        assert revoke(site_key.split("_", 2)[1])
    assert client.get("/v1/threads/a/comments", headers=auth(site_key)).status_code == 401


def test_key_used_then_revoked_elsewhere_stops_working_within_the_cache_time(
        app: Flask, client: FlaskClient, site_key: str) -> None:
    """Workers trust a verified key for KEY_CACHE_SECONDS; a revocation made by another
    process (the CLI, another worker) takes effect once that time has passed."""
    import time

    from sqlalchemy import update

    from service.extensions import db
    from service.models import ApiKey, utcnow

    app.config["KEY_CACHE_SECONDS"] = 1
    url = "/v1/threads/a/comments"
    assert client.get(url, headers=auth(site_key)).status_code == 200
    with app.app_context():  # as another process would: straight to the database
        db.session.execute(update(ApiKey).where(ApiKey.prefix == site_key.split("_", 2)[1])
                           .values(revoked_at=utcnow()))
        db.session.commit()
    time.sleep(1.1)
    assert client.get(url, headers=auth(site_key)).status_code == 401


def test_key_revoked_in_this_process_stops_at_once(app: Flask, client: FlaskClient,
                                                   site_key: str) -> None:
    from service.keys import revoke

    app.config["KEY_CACHE_SECONDS"] = 60
    assert client.get("/v1/threads/a/comments", headers=auth(site_key)).status_code == 200
    with app.app_context():
        assert revoke(site_key.split("_", 2)[1])
    assert client.get("/v1/threads/a/comments", headers=auth(site_key)).status_code == 401


def test_cli_creates_a_key_that_works(app: Flask, client: FlaskClient) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["keys", "create", "--role", "site", "--site", "news"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip().splitlines()[0]
    assert secret.startswith("cm_")
    assert client.get("/v1/threads/a/comments", headers=auth(secret)).status_code == 200
    listing = runner.invoke(args=["keys", "list"])
    assert secret not in listing.output
    assert "site\tnews\tactive" in listing.output


def test_cli_site_key_needs_a_site(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["keys", "create", "--role", "site"])
    assert result.exit_code != 0
    assert "--site" in result.output
