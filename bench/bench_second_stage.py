"""What the second stage costs: how many comments reach it, and its time per comment.

    .venv/bin/python bench/bench_second_stage.py [--model DIR] [FILE.csv ...] [--repeat 3]

For the comments of each file (a ``text`` column; ``data/news_validation.csv`` and
``data/news_test.csv`` by default) it prints:

- the share that reaches the second stage (English, fast abuse score inside the band);
- the median and 99th-percentile time of one ``Model.score`` call: on the fast path alone
  (the same model with its second stage off), and with the second stage, over the comments
  that reach it;
- the median time of the encoder alone on those comments, one at a time.

Single calls, one thread, as a gunicorn worker scores a submission.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
from pathlib import Path

from classifier import DEFAULT_MODEL_PATH, load_model

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "data" / "news_validation.csv", ROOT / "data" / "news_test.csv"]


def timed(func, texts, repeat):  # noqa: ANN001
    times = []
    for _ in range(repeat):
        for text in texts:
            started = time.perf_counter()
            func(text)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=FILES)
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    model = load_model(args.model)
    stage = model.second_stage
    if stage is None or stage.encoder is None:
        raise SystemExit(f"{args.model}: no second stage to measure "
                         f"({model.second_stage_error or 'the model has none'})")
    fast_model = model.with_second_stage(None)
    print(f"model {model.version}; band [{stage.low}, {stage.high}) of the fast "
          f"{stage.label} score, English comments only")
    for path in args.files:
        with path.open(newline="", encoding="utf-8") as fh:
            texts = [row["text"] for row in csv.DictReader(fh)]
        reach = [t for t in texts if stage.applies(t, fast_model.score(t).scores[stage.label])]
        fast = timed(fast_model.score, texts, args.repeat)
        second = timed(model.score, reach, args.repeat) if reach else (0.0, 0.0)
        encoder = timed(lambda t: stage.encoder.encode([t]), reach, args.repeat) if reach \
            else (0.0, 0.0)
        chars = statistics.median(len(t) for t in reach) if reach else 0
        print(f"{path.name}: {len(texts)} comments, {len(reach)} reach the second stage "
              f"({len(reach) / len(texts):.1%}, median {chars:.0f} characters)")
        print(f"  fast path, every comment:        median {fast[0]:.3f} ms, p99 {fast[1]:.3f} ms")
        print(f"  with the second stage (reached): median {second[0]:.2f} ms, "
              f"p99 {second[1]:.2f} ms")
        print(f"  the encoder alone (reached):     median {encoder[0]:.2f} ms")
        mean_extra = len(reach) / len(texts) * (second[0] - fast[0])
        print(f"  added per comment on average:    {mean_extra:.2f} ms")


if __name__ == "__main__":
    main()
