"""Choose the policy's score thresholds on a labelled validation file (never a test file).

Run: .venv/bin/python bench/choose_thresholds.py FILE.csv [FILE.csv ...] [--model DIR]
     [--leak 0.08] [--false-reject 0.01]

e.g. the three validation files the shipped thresholds were chosen on:
     bench/choose_thresholds.py data/news_validation.csv data/news_validation_hard.csv
     data/news_validation_ru.csv

Scores every comment with the model and evaluates the default policy's rules on it once
(with its scores, since a rule may test a score too; the thresholds' own reasons,
``score:NAME``, are left out, so only the rules decide); then, for every pair of
thresholds on a grid (abuse hold and reject, spam hold and reject), combines the rules'
action with the thresholds' as the policy does (the most severe wins) and prints the
pairs that keep the leak (abusive comments published) and false reject (acceptable
comments rejected) within their limits in every file, smallest queue share first. Pick
from the top of the list and write the chosen values into ``policies/base.yaml``.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier import DEFAULT_MODEL_PATH, load_model  # noqa: E402
from policy_engine import MemoryFacts, Submission, load_policy  # noqa: E402

SEVERITY = {"approve": 0, "hold": 1, "reject": 2}
GRID = {
    "abuse_hold": [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7],
    "abuse_reject": [0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99],
    "spam_hold": [0.5, 0.6, 0.7, 0.8],
    "spam_reject": [0.9, 0.95, 0.98, 0.99, 1.01],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path,
                        help="validation files (text, abuse, spam), taken together")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--policy-dir", type=Path, default=ROOT / "policies")
    parser.add_argument("--leak", type=float, default=0.08)
    parser.add_argument("--false-reject", type=float, default=0.01)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    rows: list[dict[str, str]] = []
    file_of: list[int] = []
    for number, file in enumerate(args.files):
        if "test" in file.name:
            parser.error("choose thresholds on validation files, never on a test file")
        with file.open(newline="", encoding="utf-8") as fh:
            read = list(csv.DictReader(fh))
        rows += read
        file_of += [number] * len(read)
    model = load_model(args.model)
    policy = load_policy(args.policy_dir, "default")
    scores = model.score_batch([r["text"] for r in rows])
    rule_action = []
    for i, row in enumerate(rows):
        submission = Submission(site="news", thread="t", name=f"Reader {i}",
                                email=f"r{i}@example.org", body=row["text"], ip=f"10.0.{i}.1")
        decision = policy.evaluate(submission, scores[i], MemoryFacts())
        rule_action.append(max((SEVERITY[str(r.action)] for r in decision.reasons
                                if not r.rule.startswith("score:")), default=0))
    rules = np.array(rule_action)
    abuse = np.array([s["abuse"] for s in scores])
    spam = np.array([s["spam"] for s in scores])
    is_abuse = np.array([int(r["abuse"]) for r in rows]) == 1
    is_spam = np.array([int(r.get("spam") or 0) for r in rows]) == 1
    acceptable = ~is_abuse & ~is_spam

    files = np.array(file_of)
    # per file, its abusive and its acceptable rows: the targets hold on every set
    abusive_in = [m for f in range(len(args.files)) if (m := is_abuse & (files == f)).any()]
    acceptable_in = [m for f in range(len(args.files))
                     if (m := acceptable & (files == f)).any()]
    results = []
    for ah, ar, sh, sr in itertools.product(*GRID.values()):
        if ar <= ah or sr <= sh:
            continue
        level = rules.copy()
        level = np.maximum(level, np.where(abuse >= ar, 2, np.where(abuse >= ah, 1, 0)))
        level = np.maximum(level, np.where(spam >= sr, 2, np.where(spam >= sh, 1, 0)))
        # the worst file's leak and false reject
        leak = max(float(np.mean(level[m] == 0)) for m in abusive_in)
        false_reject = max(float(np.mean(level[m] == 2)) for m in acceptable_in)
        queue = float(np.mean(level == 1))
        spam_leak = float(np.mean(level[is_spam & ~is_abuse] == 0)) if is_spam.any() else 0.0
        results.append((queue, leak, false_reject, spam_leak, ah, ar, sh, sr))
    within = [r for r in results if r[1] <= args.leak and r[2] <= args.false_reject]
    print(f"{' + '.join(f.name for f in args.files)}: {len(rows)} comments; "
          f"model {model.version}")
    print(f"{len(within)} of {len(results)} threshold sets keep leak <= {args.leak:.0%} and "
          f"false reject <= {args.false_reject:.0%} in every file (leak and f.rej below: "
          f"the worst file's; queue: all files together)")
    shown = sorted(within)[:args.top] or sorted(results, key=lambda r: r[1] + r[0])[:args.top]
    print(f"{'queue':>6} {'leak':>6} {'f.rej':>6} {'spamleak':>8}  abuse hold/reject  "
          f"spam hold/reject")
    for queue, leak, fr, sl, ah, ar, sh, sr in shown:
        print(f"{queue:6.1%} {leak:6.1%} {fr:6.1%} {sl:8.1%}  {ah:>10} / {ar:<6} "
              f"{sh:>9} / {sr}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
