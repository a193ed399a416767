"""Single-call speed of several models, measured in turns (paired).

    .venv/bin/python bench/bench_speed.py [--model DIR ...] [--calls 30000] [--repeat 3]

On a shared or throttled machine the speed of one run drifts by more than the difference
between two models, so models measured in separate runs cannot be compared.  Here every
model scores the same comments in turn, round after round, in one process: a
slowdown of the machine hits all of them alike.  They take turns in blocks of 100 calls, so
that each block runs with its model's data in the CPU caches.  Prints, per model, the median time of
``Model.score`` (scores with explanations) on comments of 80-120 characters from
``data/news_validation.csv`` and its ratio to the first model's; with ``--repeat`` the
whole measurement runs again, so that the spread of the ratios can be seen.  Without
``--model`` it measures the shipped model alone.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from classifier import DEFAULT_MODEL_PATH, load_model

ROOT = Path(__file__).resolve().parents[1]
COMMENTS = ROOT / "data" / "news_validation.csv"


def short_comments(path: Path = COMMENTS) -> list[str]:
    """Comments of about 100 characters (80 to 120), as the speed target is stated."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle) if 80 <= len(row["text"]) <= 120]


def medians_in_turns(funcs: Sequence[Callable[[str], object]],
                     blocks: Iterable[Sequence[str]]) -> list[float]:
    """Median ms per call of each function.  For each block of texts, every function in turn
    is called on the whole block, so that a drifting machine slows them alike while each
    block runs with that function's data in the CPU caches (turns call by call would let
    each evict the others': a big model would be measured cold)."""
    times: list[list[float]] = [[] for _ in funcs]
    clock = time.perf_counter
    for block in blocks:
        for spent, func in zip(times, funcs, strict=True):
            for text in block:
                start = clock()
                func(text)
                spent.append(clock() - start)
    return [statistics.median(spent) * 1000 for spent in times]


def paired_medians(models: list, texts: list[str], calls: int, block: int = 100) -> list[float]:
    """Median ms per ``score`` call of each model, taking turns in blocks of ``block``."""
    for model in models:  # warm caches and lazy imports
        for text in texts[:20]:
            model.score(text)
    blocks = ([texts[i % len(texts)] for i in range(first, min(first + block, calls))]
              for first in range(0, calls, block))
    return medians_in_turns([model.score for model in models], blocks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", default=None,
                        help="A model directory (repeatable; the first is the baseline).")
    parser.add_argument("--calls", type=int, default=30_000, help="Calls per model and round.")
    parser.add_argument("--repeat", type=int, default=3, help="Rounds of the whole measurement.")
    args = parser.parse_args()
    paths = args.model or [str(DEFAULT_MODEL_PATH)]
    models = [load_model(path) for path in paths]
    texts = short_comments()
    print(f"{len(texts)} comments of 80-120 characters, {args.calls:,} calls per model and "
          f"round, models taking turns")
    for round_no in range(1, args.repeat + 1):
        medians = paired_medians(models, texts, args.calls)
        for path, model, median in zip(paths, models, medians, strict=True):
            print(f"round {round_no}  {model.version:<22} {median:7.3f} ms  "
                  f"x{median / medians[0]:.3f}  ({path})")


if __name__ == "__main__":
    main()
