"""Time to evaluate the default policy on one typical comment, with a 2,000-entry word list.

Run: .venv/bin/python bench/bench_policy.py [--runs N]
Prints median and p99 per evaluation (target: under 0.2 ms median on one core).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import string
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from policy_engine import MemoryFacts, Submission, load_policy  # noqa: E402

COMMENT = (
    "I read the article twice and I still think the council got this wrong. The budget for "
    "the new library was cut by 12% while the road repairs went ahead anyway; see "
    "https://www.example.org/council/minutes-2026 for the minutes. My neighbours and I wrote "
    "to our councillor in March and never heard back. Will the paper follow up on this?"
)


def synthetic_words(n: int, seed: int = 7) -> list[str]:
    """``n`` made-up entries: mostly single words, some phrases and prefix wildcards."""
    rng = random.Random(seed)
    words: set[str] = set()
    while len(words) < n:
        word = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 9)))
        kind = rng.random()
        if kind < 0.1:
            word += " " + "".join(rng.choice(string.ascii_lowercase) for _ in range(5))
        elif kind < 0.2:
            word += "*"
        words.add(word)
    return sorted(words)


def make_policy_dir(tmp: Path, n_words: int) -> Path:
    """A copy of the shipped policies with one more rule over a synthetic word list."""
    target = tmp / "policies"
    shutil.copytree(ROOT / "policies", target)
    (target / "lists" / "bench-words.txt").write_text("\n".join(synthetic_words(n_words)) + "\n")
    site = (target / "default.yaml").read_text().split("\ntests:")[0]
    site += (
        "\nrules:\n  - id: bench-words\n    when: {body: {has_word_from: lists/bench-words.txt}}"
        "\n    action: hold\n    reason: Bench list.\n"
    )
    (target / "bench.yaml").write_text(site)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20000)
    parser.add_argument("--words", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        policy = load_policy(make_policy_dir(Path(tmp), args.words), "bench")
        load_ms = (time.perf_counter() - started) * 1000
    submission = Submission(site="bench", thread="article-42", name="Jo Reader",
                            email="jo@example.org", body=COMMENT, ip="198.51.100.7")
    scores = {"abuse": 0.12, "spam": 0.03}
    facts = MemoryFacts(recent={"ip": 1})
    decision = policy.evaluate(submission, scores, facts)
    for _ in range(500):  # warm up
        policy.evaluate(submission, scores, facts)
    timings = []
    clock = time.perf_counter_ns
    for _ in range(args.runs):
        t0 = clock()
        policy.evaluate(submission, scores, facts)
        timings.append(clock() - t0)
    timings.sort()
    median = statistics.median(timings) / 1e6
    p90 = timings[int(len(timings) * 0.90) - 1] / 1e6
    p99 = timings[int(len(timings) * 0.99) - 1] / 1e6
    print(f"policy: default + {args.words}-entry word list, {len(policy.rules)} rules, "
          f"loaded in {load_ms:.0f} ms")
    print(f"comment: {len(COMMENT)} characters, decision: {decision.action}")
    print(f"evaluate: median {median:.3f} ms, p90 {p90:.3f} ms, p99 {p99:.3f} ms "
          f"over {args.runs} runs")


if __name__ == "__main__":
    main()
