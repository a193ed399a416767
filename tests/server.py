"""Start the real service under gunicorn for a test, and talk to it over HTTP."""

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
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(url: str, data: dict | None = None, key: str | None = None,
            timeout: float = 10, headers: dict[str, str] | None = None
            ) -> tuple[int, dict, dict]:
    """(status, JSON body, headers) of one request; HTTP errors are answers, not exceptions."""
    headers = {"Content-Type": "application/json", **(headers or {})}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    body = json.dumps(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers,  # noqa: S310 - loopback
                                 method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:  # noqa: S310
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}"), dict(err.headers)


@contextmanager
def gunicorn(database_url: str, policy_dir: Path, log_file: Path, workers: int = 2,
             extra_env: dict[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run ``gunicorn -c gunicorn.conf.py 'service:create_app()'`` until the block ends."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "POLICY_DIR": str(policy_dir),
           "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": str(workers),
           "RATELIMIT_ENABLED": "0", **(extra_env or {})}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with log_file.open("w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                                 "service:create_app()"], cwd=REPO, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base + "/healthz", proc, log_file)
            yield base, proc
        finally:
            stop(proc)


def wait_until_up(url: str, proc: subprocess.Popen, log_file: Path,
                  seconds: float = 60) -> dict:
    """Poll ``url`` until it answers 200 (its JSON body is returned); the server's log is
    the error if the process ends or time runs out first."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            status, body, _ = request(url, timeout=2)
            if status == 200:
                return body
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(log_file.read_text())
        time.sleep(0.2)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
