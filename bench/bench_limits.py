"""Rate limits across gunicorn workers: how many submissions one site key gets through.

Starts the service under gunicorn (no Redis: each worker counts in its own memory) on a
fresh SQLite file, then sends more submissions than the per-key limit allows, from several
threads so that every worker takes some, and prints how many were accepted (201) and
limited (429).  The per-IP limit is raised out of the way.

    python bench/bench_limits.py [--requests 2600] [--workers 2] [--limit "1200 per minute"]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.server import free_port, request, stop, wait_until_up  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2600)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--limit", default="1200 per minute")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-limits-"))
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
           "INSTANCE_PATH": str(folder), "RATELIMIT_SUBMIT_PER_KEY": args.limit,
           "RATELIMIT_SUBMIT_PER_IP": "1000000 per minute", "LOG_LEVEL": "WARNING",
           "WEB_CONCURRENCY": str(args.workers)}
    env.pop("REDIS_URL", None)
    subprocess.run([bin_dir / "moderation", "db", "upgrade"], env=env, check=True)
    key = subprocess.run([bin_dir / "moderation", "keys", "create", "--role", "site", "--site",
                          "news"], env=env, check=True, capture_output=True,
                         text=True).stdout.strip()
    port = free_port()
    env["BIND"] = f"127.0.0.1:{port}"
    log_file = folder / "gunicorn.log"
    with log_file.open("w") as log:
        proc = subprocess.Popen([bin_dir / "gunicorn", "-c", "gunicorn.conf.py",
                                 "service:create_app()"], cwd=REPO, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/healthz", proc, log_file)

        def submit(i: int) -> int:
            return request(base + "/v1/comments", {
                "thread": f"t{i % 50}", "name": "Ann", "email": "ann@example.org",
                "body": f"Comment number {i} on the council budget."}, key)[0]

        started = time.monotonic()
        with ThreadPoolExecutor(args.threads) as pool:
            codes = list(pool.map(submit, range(args.requests)))
        seconds = time.monotonic() - started
    finally:
        stop(proc)
    accepted, limited = codes.count(201), codes.count(429)
    print(f"limit {args.limit!r}, {args.workers} workers, no Redis: {args.requests} "
          f"submissions in {seconds:.1f} s: {accepted} accepted (201), {limited} limited "
          f"(429), {len(codes) - accepted - limited} other")


if __name__ == "__main__":
    main()
