"""The plan of the submission's one read (the policy's facts, the story's settings and the
new comment's id) at a realistic table size: EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL.

Fills ``--comments`` earlier comments (default 1,000,000) over 20 sites, then asks the
default policy's questions for a returning reader, a new reader and a reader with a site
author id, and prints each plan with its execution time, and the median of ``--repeat``
timed executions of the statement itself (what a submission waits for, without the
network).

    python bench/explain_facts.py [--comments 1000000] [--repeat 200]

Needs PostgreSQL (``BENCH_DATABASE_URL``, default
postgresql+psycopg://postgres@127.0.0.1:5432/bench_facts, dropped and created).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.bench_queue import FILL  # noqa: E402
from bench.common import fresh_database  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_facts"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    from flask_migrate import upgrade
    from sqlalchemy import event, text

    from policy_engine import Submission, fingerprint
    from service import create_app
    from service.extensions import db
    from service.intake.stored_facts import DatabaseFacts
    from service.runtime import runtime_of

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    fresh_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LOG_LEVEL": "WARNING"})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        db.session.execute(text(FILL), {"total": args.comments, "every": 50})
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"filled {args.comments:,} comments in {time.perf_counter() - started:.0f} s")
        policy = runtime_of(app).policy_for("site0")
        questions = policy.questions
        cases = {
            "returning reader (email with history)": Submission(
                site="site0", thread="thread-20", name="R", email="reader20@example.org",
                body="A comment about the article, number 20", ip="10.20.0.1"),
            "new reader (no history)": Submission(
                site="site0", thread="thread-new", name="N", email="new@example.org",
                body="Something never said before", ip="192.0.2.7"),
            "site author id": Submission(
                site="site0", thread="thread-20", name="A", email="a@example.org",
                body="A comment about the article", ip="10.20.0.1", author_id="u-20"),
        }
        engine = db.session.get_bind()
        captured: list[tuple[str, object]] = []

        def capture(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ANN202, ARG001
            captured.append((statement, parameters))

        for label, submission in cases.items():
            facts = DatabaseFacts(submission.site)
            body_fingerprint = fingerprint(submission.body)
            captured.clear()
            event.listen(engine, "before_cursor_execute", capture)
            facts.recall(questions, submission, body_fingerprint)
            event.remove(engine, "before_cursor_execute", capture)
            statement, parameters = captured[-1]
            cursor = db.session.connection().connection.driver_connection.cursor()
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {statement}", parameters)
            plan = [row[0] for row in cursor.fetchall()]
            timings = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                facts.recall(questions, submission, body_fingerprint)
                timings.append((time.perf_counter() - t0) * 1000)
            print(f"\n== {label}: median {statistics.median(timings):.3f} ms, "
                  f"p99 {sorted(timings)[int(len(timings) * 0.99) - 1]:.3f} ms "
                  f"per read ({args.repeat} reads, one connection)")
            print("\n".join(plan))
    return 0


if __name__ == "__main__":
    sys.exit(main())
