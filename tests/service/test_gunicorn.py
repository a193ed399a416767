"""The real service under gunicorn, over HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.server import gunicorn, request
from tests.service.intake.test_submit import GOOD
from tests.service.review.test_review import LINKS

pytestmark = pytest.mark.slow


def test_post_and_review_over_http(app, _migrated: str, policy_dir: Path, tmp_path: Path,  # noqa: ANN001
                                   site_key: str, moderator_key: str) -> None:
    log = tmp_path / "gunicorn.log"
    with gunicorn(_migrated, policy_dir, log) as (server, _):
        status, ready, _ = request(server + "/readyz")
        assert status == 200, ready
        status, created, _ = request(server + "/v1/comments", GOOD, site_key)
        assert status == 201 and created["status"] == "published"
        held_body = {**GOOD, "body": LINKS}
        status, held, _ = request(server + "/v1/comments", held_body, site_key)
        assert status == 201 and held["status"] == "pending"
        status, queue, _ = request(server + "/v1/review/queue", key=moderator_key)
        assert [item["id"] for item in queue["items"]] == [held["id"]]
        status, decided, _ = request(server + f"/v1/review/comments/{held['id']}/decision",
                                     {"action": "approve"}, moderator_key)
        assert status == 200 and decided["status"] == "published"
        status, problem, headers = request(server + "/v1/comments", {"thread": "x"}, site_key)
        assert status == 422 and "body" in problem["errors"]
        assert headers["Content-Type"] == "application/problem+json"
    text = [line for line in log.read_text().splitlines() if line.strip()]
    # the start is one plain line (no alembic plugins, no gunicorn banner, no model lines)
    started = [line for line in text if not line.startswith("{")]
    assert started == [f"moderation: listening on {server} with 2 workers, ready"], text[:20]
    lines = [json.loads(line) for line in text if line.startswith("{")]
    assert lines and all(isinstance(line, dict) for line in lines)
    assert not [line for line in lines if line["logger"].startswith(("alembic", "gunicorn"))
                or line["message"] in ("model loaded", "policy loaded")]
    # one line per request, the app's own (gunicorn's access line would repeat it)
    requests = [line for line in lines
                if line.get("message") == "request" and line["path"] != "/healthz"]
    assert len(requests) == 6, [line.get("message") for line in lines]  # those sent above
    assert not [line for line in lines if line.get("logger") == "gunicorn.access"]
    submitted = [line for line in requests if line["path"] == "/v1/comments"]
    assert [line.get("decision") for line in submitted] == ["published", "pending", None]
