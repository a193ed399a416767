"""The API page in a real browser (headless Chromium), served by the real service.

It must render the operations from /openapi.json with nothing fetched from outside: the
browser is started with the network to everything but the service blocked.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.server import gunicorn

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt-get install chromium)")
def test_docs_page_renders_the_operations_offline(app, _migrated: str, policy_dir: Path,  # noqa: ANN001
                                                  tmp_path: Path) -> None:
    with gunicorn(_migrated, policy_dir, tmp_path / "gunicorn.log", workers=1) as (server, _):
        result = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
             # every host but the service resolves nowhere: a CDN asset would fail to load
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
             "--virtual-time-budget=15000", "--dump-dom", server + "/docs"],
            capture_output=True, text=True, timeout=120)
    dom = result.stdout
    assert "swagger-ui" in dom, result.stderr[-2000:]
    assert "Comment moderation API" in dom  # the title comes from /openapi.json
    for path in ("/v1/comments", "/v1/review/queue", "/v1/review/comments/{comment_id}/decision"):
        assert path in dom, path
