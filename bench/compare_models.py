"""Two or more classifier models side by side in one run: abuse ROC AUC per file and language,
with paired 95% intervals against the first model.

Run: .venv/bin/python bench/compare_models.py --model classifier/default_model --model DIR
     [--model DIR ...] [--data-dir ../shared/data] [FILE.csv ...]

The first ``--model`` is the baseline (usually the shipped one). Each file (default:
``data/news_validation.csv``, ``data/news_test.csv``, ``data/news_fresh_test.csv``, and
``russian_detox/val.csv`` from ``--data-dir`` when it is there) is scored by every model, as
a whole and per value of its ``lang`` column; each later model's difference from the first
comes with a paired bootstrap 95% interval (``classifier.evaluation.compare_auc``: the
rows are drawn again and both models measured on each draw), and "better" or "worse" only
when the interval excludes 0. Nothing is trained or chosen here: use it to decide whether
a retrained model ships, never to tune one on the test files.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier import load_model  # noqa: E402
from classifier.evaluation import compare_auc  # noqa: E402
from classifier.recipe import default_data_dir  # noqa: E402

DEFAULT_FILES = [ROOT / "data" / name for name in
                 ("news_validation.csv", "news_test.csv", "news_fresh_test.csv")]


def labelled(path: Path) -> tuple[list[str], np.ndarray, list[str]]:
    """Texts, abuse labels (0/1) and languages ('' without a ``lang`` column) of a file."""
    with path.open(newline="", encoding="utf-8") as f:
        records = list(csv.DictReader(f))
    label = "abuse" if records and "abuse" in records[0] else "label"
    return ([r["text"] for r in records],
            np.array([int(float(r[label])) for r in records], dtype=np.int64),
            [r.get("lang") or "" for r in records])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--model", "-m", dest="models", action="append", type=Path,
                        required=True, help="a model artifact (repeatable; the first is the "
                                            "baseline)")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=1000)
    args = parser.parse_args(argv)
    if len(args.models) < 2:
        parser.error("give at least two --model directories")
    files = list(args.files or DEFAULT_FILES)
    detox = (args.data_dir or default_data_dir()) / "russian_detox" / "val.csv"
    if not args.files and detox.is_file():
        files.insert(0, detox)
    models = [load_model(m) for m in args.models]
    names = [m.version for m in models]
    print("models: " + ", ".join(f"[{i}] {n}" for i, n in enumerate(names)))
    for path in files:
        texts, y, langs = labelled(path)
        scores = [np.array([s["abuse"] for s in m.score_batch(texts)]) for m in models]
        groups = [("all", np.ones(len(y), dtype=bool))]
        if any(langs):
            groups += [(lang, np.array([x == lang for x in langs]))
                       for lang in sorted(set(langs)) if lang]
        for group, mask in groups:
            if len(set(y[mask].tolist())) != 2:
                continue
            head = (f"{path.name:<22} {group:<4} n={int(mask.sum()):>5} "
                    f"abusive={int(y[mask].sum()):>4}")
            parts = []
            for i in range(1, len(models)):
                c = compare_auc(y[mask], scores[i][mask], scores[0][mask], rounds=args.rounds)
                if i == 1:
                    parts.append(f"[0] {c['roc_auc'][1]:.4f}")
                low, high = c["interval_95"]
                parts.append(f"[{i}] {c['roc_auc'][0]:.4f} {c['difference']:+.4f} "
                             f"[{low:+.4f}, {high:+.4f}] {c['verdict']}")
            print(head + "  " + "  ".join(parts), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
