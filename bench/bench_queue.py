"""Review-queue benchmark on a large PostgreSQL database.

Fills a fresh database with 1,000,000 comments (100,000 of them pending, spread over 20
sites and 5,000 threads) and times, through the real API (Flask test client, so without
network): the first page of the pending queue, the next page, one item, and claiming the
next 10.  Prints median and p99 in milliseconds (target: p99 under 20 ms for each).

Then the moderators' page (``/moderate``, signed in with a session cookie), after giving
the held comments 600 characters of Russian and English with matched words and model terms
to mark: the queue page as it is first opened (50 items rendered and marked) and one
item's page, in server time (target: p99 under 150 ms for the queue page).

    python bench/bench_queue.py [--comments 1000000] [--pending 100000] [--runs 200]

BENCH_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/bench_queue) is
dropped and created again.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import text

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.common import fresh_database  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_queue"

FILL = """
INSERT INTO comments (site, thread, author_name, author_email, body, body_fingerprint, ip,
    status, decided_action, reasons, scores, terms, labels, rule_ids, risk, priority,
    policy_version, model_version, created_at, decided_at, decided_by, open_reports, reported,
    hidden, escalated)
SELECT 'site' || (g % 20), 'thread-' || (g % 5000), 'Reader ' || (g % 50000),
    'reader' || (g % 50000) || '@example.org',
    'A comment about the article, number ' || g, md5(g::text), '10.' || (g % 250) || '.' ||
    (g / 250 % 250) || '.1',
    CASE WHEN g % :every = 0 THEN 'pending' WHEN g % 7 = 0 THEN 'rejected'
         ELSE 'published' END,
    CASE WHEN g % :every = 0 THEN 'hold' WHEN g % 7 = 0 THEN 'reject' ELSE 'approve' END,
    CASE WHEN g % :every = 0 THEN '[{"rule": "many-links", "message": "Links are reviewed.",
        "action": "hold", "note": null, "labels": ["links"], "matched": []}]'::json
        ELSE '[]'::json END,
    json_build_object('abuse', (g * 7919 % 1000) / 1000.0, 'spam', (g * 104729 % 1000) / 1000.0),
    '{}'::json, '[]'::json,
    CASE WHEN g % :every = 0 THEN ' many-links ' ELSE ' ' END,
    (g * 7919 % 1000) / 1000.0, 0, 'sha256:bench', 'bench',
    now() - make_interval(secs => (:total - g) * 2),
    NULL, NULL, 0, false, false, false
FROM generate_series(1::bigint, :total) AS g
"""


# Held comments as the page meets them: 600 characters of Russian and English with links, a
# word a rule matched and the model's top terms, all to be found and marked in the text.
REALISTIC_BODY = ("Ну и идиот же этот депутат, совсем стыд потерял, читайте https://news.example/a "
                  "и https://council.example/b. What an idiot: the council ignored every "
                  "warning, see https://audit.example/c for the figures. ") * 4
REALISTIC = """
UPDATE comments SET body = left(:body, 600) || ' #' || id,
    reasons = '[{"rule": "many-links", "message": "Links are reviewed.", "action": "hold",
        "note": null, "labels": ["links"], "matched": []},
        {"rule": "profanity", "message": "Strong language.", "action": "approve",
        "note": null, "labels": ["profanity"], "matched": ["идиот*", "idiot"]}]'::json,
    terms = '{"abuse": [["идиот", 0.41], ["стыд", 0.12], ["idiot", 0.3], ["депутат", 0.05],
        ["потерял", 0.02]], "spam": [["[links]", 0.5], ["council", 0.1]]}'::json
WHERE status = 'pending'
"""


def timed(call, runs: int) -> tuple[float, float]:  # noqa: ANN001
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=1_000_000)
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--page-only", action="store_true",
                        help="time only the moderators' page")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)

    from flask_migrate import upgrade

    from service import create_app
    from service.extensions import db
    from service.keys import create_key
    from service.models import Role

    fresh_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                      "LOG_LEVEL": "WARNING"})
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        db.session.execute(text(FILL), {"total": args.comments,
                                        "every": args.comments // args.pending})
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"filled {args.comments:,} comments ({args.pending:,} pending) in "
              f"{time.perf_counter() - started:.0f} s")
        everywhere = create_key(Role.MODERATOR, label="all sites").secret
        one_site = create_key(Role.MODERATOR, site="site0", label="site0").secret

    client = app.test_client()
    print(f"{'operation':<44}{'median ms':>10}{'p99 ms':>10}")
    for scope, key in (() if args.page_only else (("all sites", everywhere),
                                                  ("one site", one_site))):
        headers = {"Authorization": f"Bearer {key}"}
        first = client.get("/v1/review/queue", headers=headers).get_json()
        item_id = first["items"][0]["id"]
        cases = {
            "first page (50, by score)": lambda h=headers: client.get(
                "/v1/review/queue", headers=h),
            "next page": lambda h=headers, c=first["next_cursor"]: client.get(
                "/v1/review/queue", query_string={"cursor": c}, headers=h),
            "first page by age": lambda h=headers: client.get(
                "/v1/review/queue", query_string={"sort": "age"}, headers=h),
            "one item": lambda h=headers, i=item_id: client.get(
                f"/v1/review/comments/{i}", headers=h),
            "claim next 10": lambda h=headers: client.post(
                "/v1/review/claim-next", json={"count": 10}, headers=h),
        }
        for name, call in cases.items():
            assert call().status_code == 200, name
            median, p99 = timed(call, args.runs)
            print(f"{scope + ': ' + name:<44}{median:>10.2f}{p99:>10.2f}")
    with app.app_context():  # the page marks words: give held comments text worth marking
        db.session.execute(text(REALISTIC), {"body": REALISTIC_BODY})
        db.session.commit()
    vacuum(url)  # not autovacuum's work on the rows just updated, mid-measurement
    gc.freeze()  # what gunicorn.conf.py's post_worker_init does once the app is loaded
    for scope, key in (("page, all sites", everywhere), ("page, one site", one_site)):
        browser = signed_in(app, key)
        first = browser.get("/moderate/")
        assert first.status_code == 200, first.status_code
        item_id = int(first.get_data(as_text=True).split('data-id="', 1)[1].split('"', 1)[0])
        cases = {
            "queue (first paint)": lambda b=browser: b.get("/moderate/"),
            "queue by age": lambda b=browser: b.get("/moderate/?sort=age"),
            "one item": lambda b=browser, i=item_id: b.get(f"/moderate/comments/{i}"),
        }
        for name, call in cases.items():
            assert call().status_code == 200, name
            median, p99 = timed(call, args.runs)
            print(f"{scope + ': ' + name:<44}{median:>10.2f}{p99:>10.2f}")
    return 0


def vacuum(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE comments"))
    engine.dispose()


def signed_in(app, key: str):  # noqa: ANN001, ANN201 - a Flask app and its test client
    """A test client with a moderator session, signed in through the page's own form."""
    browser = app.test_client()
    page = browser.get("/moderate/sign-in").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = browser.post("/moderate/sign-in", data={"key": key, "csrf_token": token})
    assert answer.status_code == 303, answer.status_code
    return browser


if __name__ == "__main__":
    sys.exit(main())
