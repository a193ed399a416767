"""Several moderators' processes work one queue at once: nothing twice, nothing missed."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, insert, select

from tests.conftest import auth

pytestmark = pytest.mark.slow
ITEMS = 1000
WORKERS = 4


def _moderate(database_url: str, policy_dir: str, key: str, out: multiprocessing.Queue) -> None:
    """One moderator: claim the next 10, decide each, until the queue is empty."""
    from service import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "POLICY_DIR": policy_dir,
                      "RATELIMIT_ENABLED": False, "TESTING": True})
    client = app.test_client()
    claimed: list[int] = []
    decided: list[int] = []
    errors: list[str] = []
    while True:
        response = client.post("/v1/review/claim-next", json={"count": 10}, headers=auth(key))
        if response.status_code != 200:
            errors.append(f"claim-next {response.status_code} {response.get_data(as_text=True)}")
            break
        items = [item["id"] for item in response.get_json()["items"]]
        if not items:
            break
        claimed += items
        for comment_id in items:
            action = "approve" if comment_id % 2 else "reject"
            result = client.post(f"/v1/review/comments/{comment_id}/decision",
                                 json={"action": action}, headers=auth(key))
            if result.status_code == 200:
                decided.append(comment_id)
            else:
                errors.append(f"{comment_id}: {result.status_code}")
    out.put((claimed, decided, errors))


def test_moderators_in_parallel_decide_each_item_exactly_once(
        app: Flask, _migrated: str, policy_dir: Path) -> None:
    from service.extensions import db
    from service.keys import create_key
    from service.models import AuditEntry, Comment, Role, Status, utcnow

    with app.app_context():
        now = utcnow()
        db.session.execute(insert(Comment), [
            {"site": "news", "thread": f"t{i % 7}", "author_name": "A", "author_email":
             f"a{i}@example.org", "body": f"held comment {i}", "body_fingerprint": f"f{i}",
             "status": "pending", "decided_action": "hold", "reasons": [], "scores": {},
             "terms": {}, "labels": [], "rule_ids": " ", "risk": (i % 100) / 100,
             "priority": 0, "policy_version": "p", "model_version": "m", "created_at": now,
             "open_reports": 0, "reported": False, "hidden": False, "escalated": False}
            for i in range(ITEMS)])
        db.session.commit()
        keys = [create_key(Role.MODERATOR, label=f"mod{n}").secret for n in range(WORKERS)]

    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_moderate, args=(_migrated, str(policy_dir), key, out))
             for key in keys]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=300) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)

    all_claimed = [cid for claimed, _, _ in results for cid in claimed]
    all_decided = [cid for _, decided, _ in results for cid in decided]
    assert [errors for _, _, errors in results] == [[]] * WORKERS
    assert len(all_claimed) == len(set(all_claimed)) == ITEMS  # no claim handed out twice
    assert sorted(all_decided) == sorted(all_claimed)
    assert sum(1 for claimed, _, _ in results if claimed) >= 2  # the work was shared

    with app.app_context():
        left = db.session.execute(select(func.count()).where(Comment.status == Status.PENDING)
                                  ).scalar_one()
        assert left == 0
        decisions = Counter(db.session.execute(
            select(AuditEntry.comment_id).where(AuditEntry.action.in_(("approve", "reject")))
        ).scalars())
        assert len(decisions) == ITEMS and set(decisions.values()) == {1}
        claims = Counter(db.session.execute(
            select(AuditEntry.comment_id).where(AuditEntry.action == "claim")).scalars())
        assert set(claims.values()) == {1}
