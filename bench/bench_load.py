"""Load benchmark: the full service under gunicorn on PostgreSQL against a bare Flask app.

Both run under gunicorn with the same settings and are driven by wrk (a separate process)
with the same mix of clean, abusive, spam and invalid submissions at 16 connections.
Prints requests per second, p50 and p99 latency for each, and their ratio; with
``--profile`` also where the service's time goes for one submission (cProfile, in-process).
A third app, ``bench/moderation_only_app.py``, does only the moderation work (validate,
score, apply the default policy with facts from memory) with no database, keys, limits,
metrics or logs: the ceiling the service could reach if all of that cost nothing.

    python bench/bench_load.py [--duration 20] [--connections 16] [--workers 2] [--profile]

Needs wrk (``apt-get install wrk``) and PostgreSQL (``BENCH_DATABASE_URL``, default
postgresql+psycopg://postgres@127.0.0.1:5432/bench_load, created if missing).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import cpu_seconds, cpu_used, fresh_database  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_load"


def prepare_service(url: str, history: int) -> str:
    """Migrate, add ``history`` earlier comments (a live site is not empty, and the planner
    needs statistics), and create a site key; returns the key."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from bench.bench_queue import FILL
    from service import create_app
    from service.extensions import db
    from service.keys import create_key
    from service.models import Role

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING"})
    with app.app_context():
        upgrade()
        if history:
            db.session.execute(text(FILL), {"total": history, "every": 10})
            db.session.execute(text("UPDATE comments SET site = 'bench' WHERE site = 'site0'"))
            db.session.commit()
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        return create_key(Role.SITE, site="bench", label="bench").secret


def serve(app_spec: str, port: int, workers: int, env: dict[str, str]) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(REPO / "gunicorn.conf.py"), "-w",
         str(workers), "-b", f"127.0.0.1:{port}", app_spec],
        cwd=REPO, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)  # noqa: S310
            return proc
        except urllib.error.HTTPError:
            return proc  # the bare app has no /healthz: any HTTP answer means it is up
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{app_spec} did not start")


def service_env(url: str, metrics_dir: str) -> dict[str, str]:
    """The service's settings as in production: rate limits counted (set high enough not to
    stop one client), a JSON log line per request (thrown away here), metrics across
    workers."""
    return {"DATABASE_URL": url, "RATELIMIT_ENABLED": "1",
            "RATELIMIT_SUBMIT_PER_KEY": "100000000 per minute",
            "RATELIMIT_SUBMIT_PER_IP": "100000000 per minute", "LOG_LEVEL": "INFO",
            "PROMETHEUS_MULTIPROC_DIR": metrics_dir}


def worker_rss_mb(master_pid: int) -> list[float]:
    """Resident memory (MB) of each gunicorn worker of ``master_pid`` (Linux /proc)."""
    sizes = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) != master_pid:  # the field after the state is the parent's pid
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        rss_kb = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        if rss_kb:
            sizes.append(int(rss_kb.group(1)) / 1024)
    return sorted(sizes)


def run_wrk(port: int, duration: int, connections: int, key: str) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s",
         str(REPO / "bench" / "load_mix.lua"), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, env={**os.environ, "BENCH_KEY": key}, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {p: _ms(re.search(rf"^\s+{p}%\s+(\S+)", out, re.M).group(1)) for p in ("50", "99")}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    if "error" in out.lower() and "lua" in out.lower():
        raise RuntimeError(f"wrk script failed:\n{out}")
    return {"rps": rps, "p50_ms": latency["50"], "p99_ms": latency["99"], "requests": total,
            "non_2xx": int(errors.group(1)) if errors else 0}


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def profile(url: str, key: str, n: int = 2000) -> None:
    """Where one submission's time goes: each stage timed without a profiler (so the figures
    are not inflated), then the functions that take most time under cProfile."""
    import cProfile
    import pstats
    from collections import Counter

    import service.intake.comments
    import service.intake.pipeline
    import service.intake.storing
    from policy_engine.policy import Policy
    from service import create_app
    from service.intake.stored_facts import DatabaseFacts

    spent: Counter[str] = Counter()

    def timed(owner: object, name: str, label: str) -> None:
        inner = getattr(owner, name)
        spent[label] = 0.0  # printed in this order

        def wrapper(*args: object, **kwargs: object) -> object:
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - started

        setattr(owner, name, wrapper)

    timed(service.intake.comments, "load_submission", "validate (marshmallow, policy's fields)")
    timed(service.intake.pipeline, "score", "classifier (scores and explanations)")
    timed(DatabaseFacts, "recall", "the read: facts, story, new id (one round trip)")
    timed(Policy, "evaluate", "policy (rules, facts already read)")
    timed(service.intake.storing, "store", "the write: comment, audit row, event (durable)")

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_SUBMIT_PER_KEY": "1000000/minute",
                      "RATELIMIT_SUBMIT_PER_IP": "1000000/minute", "LOG_LEVEL": "WARNING"})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    body = {"thread": "p", "name": "Ann", "ip": "192.0.2.1",
            "body": "I disagree with the minister, but the article explains both sides."}

    def submit(i: int, tag: str) -> None:
        client.post("/v1/comments", headers=headers, json={
            **body, "ip": f"192.0.{i % 250}.{i % 7}", "email": f"{tag}{i}@example.org",
            "body": f"{body['body']} {tag}{i}"})

    for i in range(100):
        submit(i, "warm")
    for label in list(spent):
        spent[label] = 0.0
    started = time.perf_counter()
    for i in range(n):
        submit(i, "timed")
    total = (time.perf_counter() - started) / n * 1000
    print(f"\nwhere a submission's time goes (one process, test client, {n} submissions):")
    print(f"  {'whole request':<45}{total:7.3f} ms")
    for label, seconds in spent.items():
        print(f"  {label:<45}{seconds / n * 1000:7.3f} ms")
    rest = total - sum(v for k, v in spent.items() if not k.startswith(" ")) / n * 1000
    print(f"  {'the rest (Flask, limits, auth, JSON, metrics)':<45}{rest:7.3f} ms")

    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(n):
        submit(i, "profiled")
    profiler.disable()
    print("\ncProfile (times inflated by the profiler), by own time:")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--history", type=int, default=200_000,
                        help="earlier comments in the database before the run")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    fresh_database(url)
    key = prepare_service(url, args.history)
    metrics_dir = tempfile.mkdtemp(prefix="bench-metrics-")
    env = service_env(url, metrics_dir)
    results = {}
    for name, spec, port in (("service", "service:create_app()", 8711),
                             ("bare flask", "bench.bare_app:create_app()", 8712),
                             ("moderation only", "bench.moderation_only_app:create_app()", 8713)):
        proc = serve(spec, port, args.workers, env)
        try:
            run_wrk(port, 3, args.connections, key)  # warm up
            before = cpu_seconds(proc.pid)
            results[name] = run_wrk(port, args.duration, args.connections, key)
            after = cpu_seconds(proc.pid)
            used = cpu_used(before, after)
            done = max(1, results[name]["requests"])
            results[name]["app_cpu_ms"] = used.get("gunicorn (this app)", 0.0) / done * 1000
            results[name]["pg_cpu_ms"] = used.get("PostgreSQL", 0.0) / done * 1000
            results[name]["other_cpu_s"] = sum(
                v for k, v in used.items() if k not in ("gunicorn (this app)", "PostgreSQL",
                                                        "wrk"))
            results[name]["rss_mb"] = worker_rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    shutil.rmtree(metrics_dir, ignore_errors=True)
    print(f"POST /v1/comments, mix of clean/abusive/spam/invalid, {args.connections} connections, "
          f"{args.duration}s, gunicorn {args.workers} sync workers, {os.cpu_count()} cores")
    print(f"{'app':<16}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'requests':>10}"
          f"{'non-2xx':>10}")
    for name, r in results.items():
        print(f"{name:<16}{r['rps']:>10.0f}{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}"
              f"{r['requests']:>10}{r['non_2xx']:>10}")
    print("(the mix sends 10% invalid submissions: about that share of non-2xx is expected)")
    print("CPU per request (from /proc): the app's workers, and PostgreSQL")
    for name, r in results.items():
        print(f"  {name:<16}{r['app_cpu_ms']:7.2f} ms app {r['pg_cpu_ms']:7.2f} ms PostgreSQL"
              f"   (other programs on the machine: {r['other_cpu_s']:.1f} CPU s during the run)")
    for name, r in results.items():
        print(f"memory per worker, {name}: "
              + ", ".join(f"{mb:.0f} MB" for mb in r["rss_mb"]) + " (target < 400 MB)")
    for name, r in results.items():
        if r["non_2xx"] > 0.2 * r["requests"]:
            print(f"WARNING: {name} answered {r['non_2xx']} of {r['requests']} with errors")
    service, ceiling_app = results["service"], results["moderation only"]
    print(f"service / moderation only: throughput {service['rps'] / ceiling_app['rps']:.2f} "
          f"(target >= 0.6), p99 {service['p99_ms'] / ceiling_app['p99_ms']:.2f}x "
          f"(target <= 2)")
    ratio = results["service"]["rps"] / results["bare flask"]["rps"]
    print(f"service / bare throughput: {ratio:.2f} (target >= 0.50); "
          f"service p99 {results['service']['p99_ms']:.1f} ms (target < 50 ms)")
    ceiling = results["moderation only"]["rps"] / results["bare flask"]["rps"]
    print(f"moderation only / bare throughput: {ceiling:.2f} (the ceiling: validating, scoring "
          f"and the policy, with no storage, keys, limits, metrics or logs)")
    if args.profile:
        profile(url, key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
