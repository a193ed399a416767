"""Where the service's time goes under load: py-spy samples the gunicorn workers.

Starts the service (or the moderation-only app) under gunicorn on PostgreSQL as
``bench_load.py`` does, drives it with wrk at 16 connections, and samples every worker with
py-spy for the run. Writes a flame graph (SVG) and the collapsed stacks, and prints the
share of samples spent in each part of a submission: the moderation work (validation,
classifier, policy), the database, and what surrounds them (Flask, auth, limits, metrics,
logs, serialisation).

    python bench/profile_load.py [--app service|moderation] [--duration 20] [--out DIR]

Needs wrk (``apt-get install wrk``), py-spy (``pip install py-spy``; it reads the workers'
memory, so it must run as the workers' user, with ptrace allowed) and PostgreSQL
(``BENCH_DATABASE_URL``, default postgresql+psycopg://postgres@127.0.0.1:5432/bench_load).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.bench_load import (  # noqa: E402
    DEFAULT_URL,
    prepare_service,
    run_wrk,
    serve,
    service_env,
)
from bench.common import cpu_seconds, cpu_used, fresh_database  # noqa: E402

# The part of a submission a stack belongs to: the first pattern found in the stack, from
# its innermost frame outwards (so a log call made inside the store is counted as logging).
PARTS = (
    ("classifier", ("classifier/", "textnorm/")),
    ("policy rules", ("policy_engine/",)),
    ("database driver (psycopg, waiting for PostgreSQL)", ("psycopg/", "psycopg_pool/")),
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("validation (marshmallow)", ("marshmallow/",)),
    ("JSON log line", ("service/logs.py", "logging/")),
    ("metrics (prometheus)", ("prometheus_client/",)),
    ("rate limits (flask-limiter, limits)", ("flask_limiter/", "limits/")),
    ("response serialisation (flask-smorest, apispec)", ("flask_smorest/", "apispec/")),
    ("JSON (json module)", ("json/",)),
    ("Flask / Werkzeug", ("flask/", "werkzeug/")),
    ("gunicorn (reading and writing the socket)", ("gunicorn/",)),
)


def part_of(stack: str) -> str:
    frames = stack.split(";")
    for frame in reversed(frames):
        for label, patterns in PARTS:
            if any(p in frame for p in patterns):
                return label
    return "other (service code, Python)"


def service_share(stack: str) -> str | None:
    """The innermost frame of the service's own code, for the per-module table."""
    for frame in reversed(stack.split(";")):
        if "/service/" in frame:
            return frame.split(" (")[0] + " (" + frame.split("/service/")[1].split(":")[0] + ")"
    return None


def summarise(collapsed: Path, top: int) -> None:
    parts: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        parts[part_of(stack)] += n
        leaf = stack.split(";")[-1]
        own[leaf] += n
    if not total:
        print("no samples (is ptrace allowed?)")
        return
    print(f"\n{total} samples of the workers (idle time waiting for a request excluded)")
    print(f"{'part of the request':<55}{'share':>8}")
    for label, n in parts.most_common():
        print(f"{label:<55}{n / total:>8.1%}")
    print(f"\nfunctions with most own time (top {top}):")
    for leaf, n in own.most_common(top):
        print(f"{n / total:>7.1%}  {leaf[:110]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", choices=("service", "moderation"), default="service")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--history", type=int, default=200_000)
    parser.add_argument("--rate", type=int, default=97, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--gil", action="store_true",
                        help="only samples holding the GIL: where the workers' CPU goes")
    parser.add_argument("--out", default=str(REPO / "bench" / "out"),
                        help="folder for the flame graph and collapsed stacks")
    args = parser.parse_args()
    for tool in ("wrk", "py-spy"):
        if shutil.which(tool) is None and not (Path(sys.executable).parent / tool).exists():
            print(f"{tool} is not installed", file=sys.stderr)
            return 2
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    fresh_database(url)
    key = prepare_service(url, args.history)
    metrics_dir = tempfile.mkdtemp(prefix="bench-metrics-")
    env = service_env(url, metrics_dir)
    spec = ("service:create_app()" if args.app == "service"
            else "bench.moderation_only_app:create_app()")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    collapsed = out / f"{args.app}.collapsed.txt"
    svg = out / f"{args.app}.svg"
    proc = serve(spec, 8714, args.workers, env)
    try:
        run_wrk(8714, 3, args.connections, key)  # warm up
        # Sample the master with its subprocesses (the workers); idle frames are left out.
        common = [spy, "record", "--pid", str(proc.pid), "--subprocesses", "--rate",
                  str(args.rate), "--duration", str(args.duration), "--nonblocking",
                  *(["--gil"] if args.gil else [])]
        # Two samplers, one for the collapsed stacks (summarised below), one for the SVG.
        spies = [subprocess.Popen([*common, "--format", fmt, "-o", str(path)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for fmt, path in (("raw", collapsed), ("flamegraph", svg))]
        time.sleep(1)
        before = cpu_seconds(proc.pid)
        result = run_wrk(8714, args.duration, args.connections, key)
        after = cpu_seconds(proc.pid)
        for spy_proc in spies:
            _, err = spy_proc.communicate(timeout=120)
            if spy_proc.returncode != 0:
                print(f"py-spy failed: {err.strip()}", file=sys.stderr)
                return 1
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(metrics_dir, ignore_errors=True)
    print(f"{args.app}: {result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, "
          f"p99 {result['p99_ms']:.1f} ms under py-spy ({args.rate} Hz); "
          f"flame graph {svg}, stacks {collapsed}")
    print(f"\nCPU seconds used during the {args.duration} s run, by program "
          f"({os.cpu_count()} cores: {os.cpu_count() * args.duration} s available):")
    used = cpu_used(before, after)
    for name, seconds in used.most_common(8):
        if seconds >= 0.05:
            print(f"  {name:<24}{seconds:8.1f} s")
    summarise(collapsed, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
