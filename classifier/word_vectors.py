"""Word vectors: a fixed table of short semantic vectors for words, keyed by a hash.

A linear model over n-grams learns a weight for each n-gram it saw in training and knows
nothing of the words it did not see, nor that ``vermin`` and ``cockroaches`` are used
alike.  The word vectors give it that: each word of the normalised text that is in the
table contributes its vector, and the mean of them is a small dense block of features.
Words that mean much the same have vectors that point the same way, so what the regression
learns for one carries over to the others.

The table is distilled once from a sentence-embedding model (see
``scripts/build_word_vectors.py``): every word of a vocabulary is embedded alone, the
embeddings are reduced by PCA and weighted down for very frequent words.  It holds no text:
a word is found by the CRC32 of its UTF-8 bytes (the same key the featuriser already
computes for its hashed word features), and the table stores only these keys and the
vectors.  Serving needs numpy only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from classifier.artifact import load_artifact, save_artifact
from classifier.errors import ModelError

__all__ = ["WordVectors", "load_word_vectors", "save_word_vectors"]

# Distilled vectors are about unit length; anything far larger is a damaged or crafted table.
MAX_ABS = 1000.0
# The arrays of a table, in its own artifact or in a model's.
VECTOR_ARRAYS = ("vector_keys", "vectors")


@dataclass(frozen=True, eq=False)
class WordVectors:
    """``keys`` (sorted, unique uint32 CRC32 of words) and one row of ``vectors`` per key."""

    keys: np.ndarray
    vectors: np.ndarray

    @classmethod
    def from_arrays(cls, keys: np.ndarray, vectors: np.ndarray, where: str = "") -> WordVectors:
        """Check the arrays (shape, order, finiteness) and build the table; ModelError if bad."""
        prefix = f"{where}: " if where else ""
        if keys.ndim != 1 or keys.dtype.kind not in "ui" or vectors.ndim != 2:
            raise ModelError(f"{prefix}word vector keys must be integers and vectors a matrix")
        if len(keys) != len(vectors) or not len(keys) or not 1 <= vectors.shape[1] <= 1024:
            raise ModelError(f"{prefix}word vectors: {len(keys)} keys for {vectors.shape} vectors")
        if vectors.dtype.kind != "f":
            raise ModelError(f"{prefix}word vectors must hold floats")
        with np.errstate(over="ignore"):
            vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if not np.all(np.isfinite(vectors)) or np.abs(vectors).max() > MAX_ABS:
            raise ModelError(f"{prefix}word vectors must hold finite floats of at most {MAX_ABS:g}"
                             " in size")
        keys = keys.astype(np.int64)
        if keys.min() < 0 or keys.max() >= 1 << 32 or np.any(np.diff(keys) <= 0):
            raise ModelError(f"{prefix}word vector keys must be sorted, unique 32-bit values")
        return cls(keys=keys, vectors=vectors)

    def arrays(self) -> dict[str, np.ndarray]:
        """The table as stored in an artifact: ``vector_keys`` (uint32), ``vectors`` (float16)."""
        return {"vector_keys": self.keys.astype(np.uint32),
                "vectors": self.vectors.astype(np.float16)}

    @property
    def dim(self) -> int:
        """Length of each vector."""
        return int(self.vectors.shape[1])

    @cached_property
    def _row_of(self) -> dict[int, int]:
        return {int(key): row for row, key in enumerate(self.keys)}

    def rows(self, word_keys: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """For the CRC32 keys of a text's words: which are in the table, and their rows."""
        get = self._row_of.get
        rows = np.array([get(k, -1) for k in word_keys], dtype=np.int64)
        found = np.flatnonzero(rows >= 0)
        return found, rows[found]

def save_word_vectors(directory: str | Path, table: WordVectors, manifest: dict) -> Path:
    """Write a table as an artifact directory (``vector_keys``, ``vectors`` as float16)."""
    return save_artifact(directory, table.arrays(), {"kind": "word_vectors", **manifest})


def load_word_vectors(directory: str | Path) -> WordVectors:
    """Read a table written by :func:`save_word_vectors`, or the copy a model artifact holds
    (so that an installed package, which has the shipped model but not the project's
    ``data/``, can train with the same table); ModelError saying what is wrong."""
    arrays, manifest = load_artifact(directory)
    table = manifest.get("kind") == "word_vectors" and set(arrays) == set(VECTOR_ARRAYS)
    in_model = "model_version" in manifest and set(VECTOR_ARRAYS) <= set(arrays)
    if not (table or in_model):
        raise ModelError(f"{directory}: not a word-vector table, nor a model that holds one")
    return WordVectors.from_arrays(arrays["vector_keys"], arrays["vectors"], str(directory))
