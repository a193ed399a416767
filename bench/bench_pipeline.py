"""Decisions of the whole pipeline on labelled news comments: leak, false reject, queue share.

Run: .venv/bin/python bench/bench_pipeline.py [FILE.csv ...] [--policy-dir DIR] [--model DIR]
     [--site SITE] [--by-lang] [--show N]

Each labelled comment is posted through the API (``POST /v1/comments``, Flask's test client,
a fresh SQLite database, the default policy unless ``--policy-dir``), as a reader of its own
(own name, e-mail and IP, so flood, duplicate and history rules see a stream of new readers).
Files are CSV with ``text``, ``abuse``, ``spam`` and optionally ``profanity`` and ``lang``
columns (``data/news_validation.csv``, ``data/news_test.csv`` and ``data/news_fresh_test.csv``
by default). For each file (and each language with ``--by-lang``) it prints:

- **leak**: the share of abusive comments (abuse = 1) that were published;
- **false reject**: the share of acceptable comments (abuse = 0 and spam = 0) rejected;
- **queue share**: the share of all comments held for review;
- and, as context, acceptable comments held, spam published, and which rules held or
  rejected acceptable comments.

Targets (issue 15): leak at most 8%, false reject at most 1%, queue share at most 15%.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_FILES = [ROOT / "data" / name for name in
                 ("news_validation.csv", "news_test.csv", "news_fresh_test.csv")]
TARGETS = {"leak": 0.08, "false reject": 0.01, "queue share": 0.15}


@dataclass(frozen=True)
class Outcome:
    text: str
    abuse: int
    spam: int
    lang: str
    status: str
    rules: tuple[str, ...]
    scores: dict[str, float]


def read_labelled(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def make_app(policy_dir: Path | None, model: Path | None, tmp: Path):
    from flask_migrate import upgrade

    from service import create_app
    from service.extensions import db
    from service.keys import create_key
    from service.models import Role

    overrides = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.db'}", "TESTING": True,
                 "RATELIMIT_ENABLED": False, "POLICY_RELOAD_SECONDS": 0}
    if policy_dir:
        overrides["POLICY_DIR"] = str(policy_dir)
    if model:
        overrides["MODEL_PATH"] = str(model)
    app = create_app(overrides)
    with app.app_context():
        upgrade()
        key = create_key(Role.SITE, site="news", label="bench").secret
        db.session.remove()
    return app, key


def post_all(client, key: str, rows: list[dict[str, str]], start: int) -> list[Outcome]:
    out = []
    headers = {"Authorization": f"Bearer {key}"}
    for i, row in enumerate(rows, start):
        body = {"thread": f"article-{i % 37}", "name": f"Reader {i}",
                "email": f"reader{i}@example.org", "body": row["text"],
                "ip": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"}
        response = client.post("/v1/comments", json=body, headers=headers)
        data = response.get_json()
        if response.status_code == 422:  # too short or too long for the policy: not a decision
            status = "invalid"
            rules: tuple[str, ...] = ()
            scores: dict[str, float] = {}
        else:
            assert response.status_code in (200, 201, 202), (response.status_code, data)
            status = data["status"]
            rules = tuple(r["rule"] for r in data.get("reasons", []))
            scores = data.get("scores") or {}
        out.append(Outcome(row["text"], int(row.get("abuse") or 0), int(row.get("spam") or 0),
                           row.get("lang") or "en", status, rules, scores))
    return out


def figures(outcomes: list[Outcome]) -> dict[str, float]:
    decided = [o for o in outcomes if o.status != "invalid"]
    abusive = [o for o in decided if o.abuse]
    acceptable = [o for o in decided if not o.abuse and not o.spam]
    spam = [o for o in decided if o.spam and not o.abuse]

    def share(group: list[Outcome], status: str) -> float:
        return sum(o.status == status for o in group) / len(group) if group else float("nan")

    return {
        "n": len(decided), "abusive": len(abusive), "acceptable": len(acceptable),
        "leak": share(abusive, "published"),
        "false reject": share(acceptable, "rejected"),
        "queue share": share(decided, "pending"),
        "acceptable held": share(acceptable, "pending"),
        "abuse rejected": share(abusive, "rejected"),
        "spam published": share(spam, "published"),
    }


def report(name: str, outcomes: list[Outcome], show: int) -> bool:
    f = figures(outcomes)
    met = all(f[k] <= v for k, v in TARGETS.items() if f[k] == f[k])
    print(f"{name}: n={f['n']} (abusive {f['abusive']}, acceptable {f['acceptable']})")
    for key in ("leak", "false reject", "queue share"):
        verdict = "met" if f[key] <= TARGETS[key] else "NOT met"
        print(f"  {key:<16} {f[key]:6.1%}   target <= {TARGETS[key]:.0%}: {verdict}")
    for key in ("acceptable held", "abuse rejected", "spam published"):
        print(f"  {key:<16} {f[key]:6.1%}")
    acceptable = [o for o in outcomes if not o.abuse and not o.spam
                  and o.status in ("pending", "rejected")]
    blamed = Counter(rule for o in acceptable for rule in o.rules)
    if blamed:
        print("  rules on held or rejected acceptable comments: "
              + ", ".join(f"{rule} {n}" for rule, n in blamed.most_common()))
    if show:
        for o in [o for o in outcomes if o.abuse and o.status == "published"][:show]:
            print(f"    leaked ({o.scores.get('abuse', 0):.2f}): {o.text[:100]}")
        for o in acceptable[:show]:
            print(f"    {o.status} {o.rules} ({o.scores.get('abuse', 0):.2f}): {o.text[:100]}")
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--policy-dir", type=Path)
    parser.add_argument("--model", type=Path, help="model artifact (default: the shipped one)")
    parser.add_argument("--by-lang", action="store_true", help="figures per language too")
    parser.add_argument("--show", type=int, default=0, help="print N misrouted examples")
    args = parser.parse_args(argv)
    files = args.files or [p for p in DEFAULT_FILES if p.is_file()]
    with tempfile.TemporaryDirectory() as tmp:
        app, key = make_app(args.policy_dir, args.model, Path(tmp))
        client = app.test_client()
        all_met = True
        start = 1
        for path in files:
            rows = read_labelled(path)
            outcomes = post_all(client, key, rows, start)
            start += len(rows)
            all_met &= report(path.name, outcomes, args.show)
            if args.by_lang:
                for lang in sorted({o.lang for o in outcomes}):
                    part = [o for o in outcomes if o.lang == lang]
                    if len(part) < len(outcomes):
                        report(f"{path.name} [{lang}]", part, 0)
        print("all targets met" if all_met else "some targets not met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
