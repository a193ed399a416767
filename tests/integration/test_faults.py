"""Faults under load: the database goes away, a worker is killed. Nothing acknowledged is lost.

These run against PostgreSQL only (they stop and start the server), as root in CI.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.server import gunicorn, request
from tests.service.intake.test_submit import GOOD

pytestmark = pytest.mark.slow


@pytest.fixture
def pg_cluster(is_postgres: bool) -> tuple[list[str], list[str]]:
    if not is_postgres:
        pytest.skip("fault tests stop and start PostgreSQL")
    if shutil.which("pg_ctlcluster") is None or os.geteuid() != 0:
        pytest.skip("needs pg_ctlcluster as root")
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    base = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main"]
    return [*base, "stop", "-m", "fast"], [*base, "start"]


def _load(server: str, key: str, stop: threading.Event, results: list, tag: str) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        try:
            status, body, headers = request(server + "/v1/comments",
                                             {**GOOD, "body": f"{tag} comment {n} on the budget",
                                              "ip": f"10.0.{len(tag)}.{n % 250}"}, key,
                                             timeout=15)
            results.append((status, body, headers))
        # connection reset, or the answer cut off by the killed worker (IncompleteRead):
        # not acknowledged, so nothing is owed
        except (OSError, http.client.HTTPException) as exc:
            results.append((None, {"error": str(exc)}, {}))
        time.sleep(0.01)


def _run_load(server: str, key: str, during: Callable[[], None], threads: int = 4) -> list:
    stop = threading.Event()
    results: list = []
    workers = [threading.Thread(target=_load, args=(server, key, stop, results, f"t{i}"))
               for i in range(threads)]
    for worker in workers:
        worker.start()
    try:
        during()
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=60)
    return results


def _stored_ids(app) -> set[int]:  # noqa: ANN001
    from service.extensions import db
    from service.models import Comment

    with app.app_context():
        db.engine.dispose()  # the test's own pooled connections may predate a restart
        ids = set(db.session.execute(select(Comment.id)).scalars())
        db.session.remove()
        return ids


def test_database_outage_gives_503_and_loses_nothing_acknowledged(
        app, _migrated: str, policy_dir: Path, tmp_path: Path, site_key: str,  # noqa: ANN001
        pg_cluster: tuple[list[str], list[str]]) -> None:
    stop_pg, start_pg = pg_cluster
    with gunicorn(_migrated, policy_dir, tmp_path / "gunicorn.log") as (server, _):
        outage_ready: list[int] = []

        def outage() -> None:
            time.sleep(1.5)
            subprocess.run(stop_pg, check=True, capture_output=True)
            time.sleep(1.0)
            outage_ready.append(request(server + "/readyz")[0])
            time.sleep(1.0)
            subprocess.run(start_pg, check=True, capture_output=True)
            time.sleep(3.0)

        try:
            results = _run_load(server, site_key, outage)
        finally:
            subprocess.run(start_pg, capture_output=True)
        assert outage_ready == [503]
        statuses = [status for status, _, _ in results]
        assert set(statuses) <= {201, 503}, sorted(set(map(str, statuses)))
        unavailable = [(body, headers) for status, body, headers in results if status == 503]
        assert unavailable, "the load never met the outage"
        for body, headers in unavailable:
            assert body["status"] == 503 and "Retry-After" in headers
            assert "Traceback" not in str(body)
        assert statuses[-1] == 201 or 201 in statuses[-8:], "the service did not recover"
        acknowledged = {body["id"] for status, body, _ in results if status == 201}
        stored = _stored_ids(app)
        assert acknowledged <= stored
        assert len(stored) == len(acknowledged)  # nothing half-stored for a 503 either


def test_killed_worker_loses_nothing_acknowledged(
        app, _migrated: str, policy_dir: Path, tmp_path: Path, site_key: str,  # noqa: ANN001
        is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("runs on PostgreSQL")
    with gunicorn(_migrated, policy_dir, tmp_path / "gunicorn.log") as (server, master):
        def kill_a_worker() -> None:
            time.sleep(1.0)
            children = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True,
                                      text=True).stdout.split()
            assert children
            os.kill(int(children[0]), signal.SIGKILL)
            time.sleep(3.0)

        results = _run_load(server, site_key, kill_a_worker)
        statuses = {status for status, _, _ in results}
        assert statuses <= {201, None}, statuses
        assert request(server + "/readyz")[0] == 200  # gunicorn replaced the worker
        acknowledged = {body["id"] for status, body, _ in results if status == 201}
        assert acknowledged and acknowledged <= _stored_ids(app)


def _retrying_load(server: str, key: str, stop: threading.Event, sent: dict, tag: str) -> None:
    """Each comment with its own Idempotency-Key, sent again until it is acknowledged, as a
    careful client does when its connection is reset."""
    n = 0
    while not stop.is_set():
        n += 1
        idem = f"{tag}-{n}"
        data = {**GOOD, "body": f"{tag} retried comment {n} on the budget",
                "ip": f"10.1.{len(tag)}.{n % 250}"}
        for _ in range(20):
            try:
                status, body, _ = request(server + "/v1/comments", data, key, timeout=15,
                                          headers={"Idempotency-Key": idem})
            except (OSError, http.client.HTTPException):
                sent.setdefault(idem, {"body": data["body"], "resets": 0})["resets"] += 1
                time.sleep(0.05)
                continue
            assert status == 201, (status, body)
            sent.setdefault(idem, {"body": data["body"], "resets": 0})["id"] = body["id"]
            break
        time.sleep(0.01)


def test_retries_after_a_killed_worker_store_each_comment_once(
        app, _migrated: str, policy_dir: Path, tmp_path: Path, site_key: str,  # noqa: ANN001
        is_postgres: bool) -> None:
    if not is_postgres:
        pytest.skip("runs on PostgreSQL")
    from service.extensions import db
    from service.models import Comment

    sent: dict = {}
    with gunicorn(_migrated, policy_dir, tmp_path / "gunicorn.log") as (server, master):
        stop = threading.Event()
        clients = [threading.Thread(target=_retrying_load,
                                    args=(server, site_key, stop, sent, f"r{i}"))
                   for i in range(4)]
        for client in clients:
            client.start()
        time.sleep(1.0)
        # every worker, three times at least, and until some kill has landed mid-request
        # (on a loaded machine a round can fall between requests)
        for round_ in range(12):
            if round_ >= 3 and any(entry["resets"] for entry in list(sent.values())):
                break
            children = subprocess.run(["pgrep", "-P", str(master.pid)], capture_output=True,
                                      text=True).stdout.split()
            for child in children:
                os.kill(int(child), signal.SIGKILL)
            time.sleep(2.0)
        time.sleep(2.0)
        stop.set()
        for client in clients:
            client.join(timeout=120)
    assert sent and all("id" in entry for entry in sent.values()), "a comment never got in"
    assert any(entry["resets"] for entry in sent.values()), "the kill met no request"
    bodies = [entry["body"] for entry in sent.values()]
    with app.app_context():
        db.engine.dispose()
        stored = list(db.session.execute(select(Comment.body, Comment.id).where(
            Comment.body.in_(bodies))))
        db.session.remove()
    assert sorted(b for b, _ in stored) == sorted(bodies)  # each exactly once
    assert {i for _, i in stored} == {entry["id"] for entry in sent.values()}
