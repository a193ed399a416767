"""Rate limits (429 with Retry-After) and the Prometheus metrics endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import auth
from tests.service.intake.test_submit import GOOD
from tests.service.review.test_review import LINKS


@pytest.fixture
def limited_app(_migrated: str, policy_dir: Path) -> Iterator[Flask]:
    """Limits on, in the default in-process storage (no REDIS_URL)."""
    from service import create_app
    from service.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": _migrated, "TESTING": True,
                      "POLICY_DIR": str(policy_dir), "RATELIMIT_ENABLED": True,
                      "RATELIMIT_SUBMIT_PER_IP": "3 per minute",
                      "RATELIMIT_SUBMIT_PER_KEY": "5 per minute",
                      "RATELIMIT_REVIEW_PER_KEY": "2 per minute"})
    yield app
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.engine.dispose()


def _key(app: Flask, role: str, site: str | None = "news") -> str:
    from service.keys import create_key
    from service.models import Role

    with app.app_context():
        return create_key(Role(role), site=site).secret


def test_akismet_checks_count_against_the_same_limits(limited_app: Flask) -> None:
    from tests.service.akismet.test_akismet import fields

    client = limited_app.test_client()
    key = _key(limited_app, "site")
    codes = [client.post("/1.1/comment-check", data=fields(
        key, user_ip="192.0.2.9", comment_content=f"Point {i} here.")).status_code
        for i in range(4)]
    assert codes == [200, 200, 200, 429]  # 3 per user_ip
    codes = [client.post("/1.1/comment-check", data=fields(key, user_ip=ip)).status_code
             for ip in ("192.0.2.10", "192.0.2.11", "192.0.2.12")]
    assert codes == [200, 200, 429]  # the key's 5 per minute, whichever reader
    limited = client.post("/1.1/comment-check", data=fields(key, user_ip="192.0.2.13"))
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["X-akismet-debug-help"] == "5 per 1 minute"  # the detail


def test_submissions_are_limited_per_reader_ip_and_per_key(limited_app: Flask) -> None:
    client = limited_app.test_client()
    key = _key(limited_app, "site")
    codes = [client.post("/v1/comments", json={**GOOD, "body": f"Point {i} here.",
                                               "ip": "192.0.2.9"}, headers=auth(key)
                         ).status_code for i in range(4)]
    assert codes == [201, 201, 201, 429]
    # another reader on the same site is not blocked by the first one's limit
    other = client.post("/v1/comments", json={**GOOD, "ip": "192.0.2.10"}, headers=auth(key))
    assert other.status_code == 201
    limited = client.post("/v1/comments", json={**GOOD, "ip": "192.0.2.11"}, headers=auth(key))
    limited = client.post("/v1/comments", json={**GOOD, "ip": "192.0.2.12"}, headers=auth(key))
    assert limited.status_code == 429  # the site key's 5 per minute are used up
    assert limited.mimetype == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.get_json()["status"] == 429


def test_a_reader_may_post_again_once_the_window_has_passed(limited_app: Flask) -> None:
    import time

    from service.limits import LocalMemoryStorage, limiter

    limited_app.config["RATELIMIT_SUBMIT_PER_IP"] = "2 per 1 second"
    assert isinstance(limiter.storage, LocalMemoryStorage)
    client = limited_app.test_client()
    key = _key(limited_app, "site")

    def post(i: int) -> int:
        return client.post("/v1/comments", json={**GOOD, "body": f"Point {i} here.",
                                                 "ip": "192.0.2.20"}, headers=auth(key)
                           ).status_code

    assert [post(i) for i in range(3)] == [201, 201, 429]
    time.sleep(1.2)
    assert post(3) == 201


def test_the_in_memory_storage_still_has_the_scheduler_we_replace() -> None:
    """LocalMemoryStorage overrides a private method of limits' MemoryStorage; if an upgrade
    renames it, the override would silently stop applying (a timer thread per request
    again), so fail here instead."""
    from limits.storage import MemoryStorage

    from service.limits import LocalMemoryStorage

    assert callable(getattr(MemoryStorage, "_MemoryStorage__schedule_expiry", None))
    assert "_MemoryStorage__schedule_expiry" in vars(LocalMemoryStorage)


def test_review_calls_are_limited_per_moderator_key(limited_app: Flask) -> None:
    client = limited_app.test_client()
    first, second = _key(limited_app, "moderator", None), _key(limited_app, "moderator", None)
    codes = [client.get("/v1/review/queue", headers=auth(first)).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.get("/v1/review/queue", headers=auth(second)).status_code == 200


def test_metrics_count_requests_decisions_and_queue(client: FlaskClient, site_key: str) -> None:
    client.post("/v1/comments", json=GOOD, headers=auth(site_key))
    client.post("/v1/comments", json={**GOOD, "body": LINKS}, headers=auth(site_key))
    client.post("/v1/comments", json={"thread": "x"}, headers=auth(site_key))
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert ('moderation_http_requests_total{endpoint="/v1/comments",method="POST",status="422"}'
            in text)
    assert 'moderation_decisions_total{status="pending"}' in text
    assert 'moderation_rule_matches_total{action="hold",rule="many-links"}' in text
    assert "moderation_classifier_seconds_bucket" in text
    assert 'moderation_queue_size{status="pending"} 1.0' in text
    assert "moderation_http_request_duration_seconds_bucket" in text
    assert 'moderation_webhook_deliveries{state="pending"} 0.0' in text


def test_limits_are_shared_through_redis(_migrated: str, policy_dir: Path) -> None:
    """Two app instances (two workers, or two machines) count against one limit in Redis."""
    import redis

    from service import create_app

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    settings = {"SQLALCHEMY_DATABASE_URI": _migrated, "TESTING": True,
                "POLICY_DIR": str(policy_dir), "RATELIMIT_ENABLED": True,
                "RATELIMIT_STORAGE_URI": url, "RATELIMIT_REVIEW_PER_KEY": "3 per minute"}
    first, second = create_app(settings), create_app(settings)
    key = _key(first, "moderator", None)
    codes = [app.test_client().get("/v1/review/queue", headers=auth(key)).status_code
             for app in (first, second, first, second)]
    assert codes == [200, 200, 200, 429]
    assert redis.Redis.from_url(url).keys("*"), "the counters are not in Redis"
    redis.Redis.from_url(url).flushdb()
    from service.extensions import db

    with first.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.engine.dispose()
    with second.app_context():
        db.engine.dispose()  # each app has its own pool: close it, or its connections leak


def test_a_dead_redis_degrades_to_memory_and_readyz_says_so(
        _migrated: str, policy_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Redis down (nothing listens on the port): submissions are still decided and limited,
    each worker counting in its own memory; a warning, a metric and /readyz say so."""
    from service import create_app
    from service.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": _migrated, "TESTING": True,
                      "POLICY_DIR": str(policy_dir), "RATELIMIT_ENABLED": True,
                      "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0",
                      "RATELIMIT_SUBMIT_PER_IP": "2 per minute"})
    client = app.test_client()
    key = _key(app, "site")
    try:
        with caplog.at_level("WARNING"):
            codes = [client.post("/v1/comments", json={**GOOD, "body": f"Point {i} here.",
                                                       "ip": "192.0.2.9"},
                                 headers=auth(key)).status_code for i in range(3)]
        assert codes == [201, 201, 429]  # still limited, in memory
        assert any("rate limit" in r.getMessage().lower() and r.levelname == "WARNING"
                   for r in caplog.records), [r.getMessage() for r in caplog.records]
        ready = client.get("/readyz")
        assert ready.status_code == 200  # the operator's default: degrade, stay ready
        limits = ready.get_json()["checks"]["rate_limits"]
        assert limits["ok"] is False and limits["storage"] == "redis"
        assert "memory" in limits["mode"]
        text = client.get("/metrics").get_data(as_text=True)
        assert "moderation_rate_limit_fallback 1.0" in text
        assert "moderation_rate_limit_fallbacks_total 1.0" in text
    finally:
        with app.app_context():
            for table in reversed(db.metadata.sorted_tables):
                db.session.execute(table.delete())
            db.session.commit()
            db.engine.dispose()


def test_an_operator_may_require_redis_for_readiness(_migrated: str, policy_dir: Path) -> None:
    from service import create_app
    from service.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": _migrated, "TESTING": True,
                      "POLICY_DIR": str(policy_dir), "RATELIMIT_ENABLED": True,
                      "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0",
                      "RATELIMIT_STORAGE_REQUIRED": True})
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["rate_limits"]["ok"] is False
    # and a submission is still never a 500
    key = _key(app, "site")
    response = app.test_client().post("/v1/comments", json=GOOD, headers=auth(key))
    assert response.status_code == 201
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.engine.dispose()


def test_limits_without_redis_hold_across_gunicorn_workers(
        app: Flask, _migrated: str, policy_dir: Path, tmp_path: Path, site_key: str) -> None:
    """Without Redis each worker counts alone: each gets its share of the setting, so that
    two workers together let through at most the setting, not twice it."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.server import gunicorn, request

    env = {"RATELIMIT_ENABLED": "1", "RATELIMIT_SUBMIT_PER_KEY": "10 per minute",
           "RATELIMIT_SUBMIT_PER_IP": "1000 per minute"}
    with gunicorn(_migrated, policy_dir, tmp_path / "g.log", workers=2,
                  extra_env=env) as (server, _):
        def submit(i: int) -> int:
            data = {**GOOD, "thread": f"t-{i}", "body": f"Point number {i} stands."}
            return request(server + "/v1/comments", data, site_key)[0]

        with ThreadPoolExecutor(6) as pool:
            codes = list(pool.map(submit, range(40)))
        _, ready, _ = request(server + "/readyz")
    assert set(codes) <= {201, 429}
    assert 5 <= codes.count(201) <= 10, codes  # each worker's share is 5
    assert ready["checks"]["rate_limits"]["storage"] == "memory"
