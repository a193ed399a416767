"""The real service under gunicorn, over HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service.test_submit import GOOD

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(url: str, data: dict | None = None, key: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers,  # noqa: S310 - loopback only
                                 method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.fixture
def server(app, _migrated: str, policy_dir: Path, tmp_path: Path) -> Iterator[str]:  # noqa: ANN001
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": _migrated, "POLICY_DIR": str(policy_dir),
           "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"}
    root = Path(__file__).resolve().parents[2]
    log = (tmp_path / "gunicorn.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                             "service:create_app()"], cwd=root, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _request(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((tmp_path / "gunicorn.log").read_text())
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    lines = (tmp_path / "gunicorn.log").read_text().splitlines()
    assert lines and all(json.loads(line) for line in lines if line.strip())


def test_post_and_review_over_http(server: str, site_key: str, moderator_key: str) -> None:
    status, ready = _request(server + "/readyz")
    assert status == 200, ready
    status, created = _request(server + "/v1/comments", GOOD, site_key)
    assert status == 201 and created["status"] == "published"
    held_body = {**GOOD, "body": "Visit http://a.example http://b.example http://c.example"}
    status, held = _request(server + "/v1/comments", held_body, site_key)
    assert status == 201 and held["status"] == "pending"
    status, queue = _request(server + "/v1/review/queue", key=moderator_key)
    assert [item["id"] for item in queue["items"]] == [held["id"]]
    status, decided = _request(server + f"/v1/review/comments/{held['id']}/decision",
                               {"action": "approve"}, moderator_key)
    assert status == 200 and decided["status"] == "published"
    status, problem = _request(server + "/v1/comments", {"thread": "x"}, site_key)
    assert status == 422 and "body" in problem["errors"]
