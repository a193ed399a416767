"""What the Akismet layer costs: comment-check against POST /v1/comments, in turns.

Run: .venv/bin/python bench/bench_akismet.py [--rounds 400] [--database-url URL]

Both endpoints get the same comments (about 100 characters, a new reader each time, so no
flood or duplicate rule fires), taking turns request by request in one process (Flask's test
client, a fresh SQLite file unless ``--database-url`` names a PostgreSQL database, which is
dropped and created), so that a machine whose speed drifts slows both alike.  Prints the
median and 90th percentile milliseconds of each, their ratio, and the median of a
submit-spam that finds its comment by its fields (no guid) and removes it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import fresh_database  # noqa: E402

TEXT = ("Round {i}: the council's figures on the library budget are clearer than last "
        "year's, thanks.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        if url.startswith("postgresql"):
            fresh_database(url)
        run(url, args.rounds)


def run(url: str, rounds: int) -> None:
    from flask_migrate import upgrade

    from service import create_app
    from service.keys import create_key
    from service.models import Role

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                      "LOG_LEVEL": "WARNING"})
    with app.app_context():
        upgrade()
        key = create_key(Role.SITE, site="bench", label="bench").secret
    client = app.test_client()
    native, akismet, spam = [], [], []
    clock = time.perf_counter

    def reader(i: int) -> dict[str, str]:
        return {"ip": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
                "name": f"Reader {i}", "email": f"reader{i}@example.org"}

    for i in range(rounds + 20):  # the first 20 warm up, and are not counted
        who = reader(2 * i)
        start = clock()
        a = client.post("/v1/comments", headers={"Authorization": f"Bearer {key}"}, data={
            "thread": "https://news.example/a", "body": TEXT.format(i=2 * i), **who})
        spent_native = clock() - start
        who = reader(2 * i + 1)
        form = {"api_key": key, "blog": "https://news.example", "user_ip": who["ip"],
                "permalink": "https://news.example/a", "comment_author": who["name"],
                "comment_author_email": who["email"], "comment_content": TEXT.format(i=2 * i + 1)}
        start = clock()
        b = client.post("/1.1/comment-check", data=form)
        spent_akismet = clock() - start
        start = clock()
        c = client.post("/1.1/submit-spam", data=form)
        spent_spam = clock() - start
        assert a.status_code == 201 and b.status_code == 200 and c.status_code == 200
        if i >= 20:
            native.append(spent_native * 1000)
            akismet.append(spent_akismet * 1000)
            spam.append(spent_spam * 1000)

    def p90(values: list[float]) -> float:
        return statistics.quantiles(values, n=10)[-1]

    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"{rounds} rounds on {database}, in turns (ms per request)")
    for name, values in (("POST /v1/comments", native), ("POST /1.1/comment-check", akismet),
                         ("POST /1.1/submit-spam", spam)):
        print(f"  {name:24} median {statistics.median(values):6.2f}  p90 {p90(values):6.2f}")
    ratio = statistics.median(akismet) / statistics.median(native)
    print(f"  comment-check / comments: {ratio:.2f} (ratio of medians)")

if __name__ == "__main__":
    main()
