"""Hashed text features: character n-grams, words and word pairs, plus a few cheap signals.

The same :class:`HashedFeaturizer` turns text into features when a model is trained and
when it scores, so the two cannot drift.  Text is first put through ``textnorm.normalize``
(case, look-alike letters, leetspeak, repeated characters), and letters spelt out one by
one (``i d i o t``) are joined, so ``1d10t``, ``іdіot`` (Cyrillic) and ``i.d.i.o.t`` give
the features of ``idiot``.

Hashing is a fixed function of the n-gram's code points (a polynomial hash finished with
the MurmurHash3 64-bit mixer), computed with numpy over the whole text at once.  It does not
depend on Python's per-process ``hash`` randomisation, so a model trained today scores the
same tomorrow, and the artifact stores only weights, never the n-grams themselves.
"""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

import textnorm
from classifier.word_vectors import WordVectors

__all__ = ["DENSE_NAMES", "TERM_WEIGHTINGS", "HashedFeaturizer", "TextFeatures", "normalized_text",
           "occurrence_values"]

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_PRIME = np.uint64(0x100000001B3)
_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_WORD_SALT = 0x5BD1E995

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_URL = re.compile(
    r"https?://|www\.|\.(?:com|net|org|info|biz|ru|io|co|xyz|top|ly|me|tk|us|uk)\b",
    re.IGNORECASE,
)
_LONG_NUMBER = re.compile(r"\d{5,}")

# Cheap signals read from the raw text, stored after the hashed block.
DENSE_NAMES = ("[links]", "[capitals]", "[long numbers]", "[exclamations]", "[length]")


def _fmix(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: spreads every input bit over the output."""
    h = h ^ (h >> _S33)
    h = h * _MIX1
    h = h ^ (h >> _S33)
    h = h * _MIX2
    return h ^ (h >> _S33)


def normalized_text(raw: str) -> str:
    """The text the n-grams are read from, before padding: ``textnorm`` applied to ``raw``.

    Looked up on the ``textnorm`` module at each call, so that the fingerprint a model
    records (:mod:`classifier.fingerprint`) measures exactly what the features see.
    """
    return textnorm.join_spelled(textnorm.normalize(raw))


TERM_WEIGHTINGS = ("count", "binary", "log")


def occurrence_values(index: np.ndarray, tf: str, weight: float = 1.0) -> np.ndarray | float:
    """What each occurrence in ``index`` adds to its bucket, the block scaled to unit length.

    ``count``: every occurrence adds the same, ``weight / sqrt(len(index))``, returned as one
    number (the common case, kept cheap).  ``binary``: a bucket's total is 1 however often it
    occurs, ``log``: ``1 + log(count)``; both then divided by the Euclidean length of the
    block's bucket totals and multiplied by ``weight``, returned per occurrence.
    """
    n = len(index)
    if tf == "count" or not n:
        return weight / math.sqrt(n) if n else 0.0
    # np.unique(return_inverse, return_counts) does the same, several times slower
    order = index.argsort()
    ranked = index[order]
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(ranked[1:], ranked[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    counts = np.diff(starts, append=n)
    totals = np.ones(len(counts)) if tf == "binary" else 1.0 + np.log(counts)
    per = totals * (weight / math.sqrt(float(totals @ totals))) / counts
    values = np.empty(n)
    values[order] = per.repeat(counts)
    return values


# For ASCII text, deleting every other byte counts letters (capitals) at C speed; for ASCII
# characters this is what str.isalpha (str.isupper) says.
_NOT_LETTER = bytes(c for c in range(256) if not (65 <= c <= 90 or 97 <= c <= 122))
_NOT_CAPITAL = bytes(c for c in range(256) if not 65 <= c <= 90)


def dense_signals(raw: str) -> np.ndarray:
    """Links, share of capitals, long digit runs, exclamations and length, each about 0..1."""
    if raw.isascii():
        encoded = raw.encode("ascii")
        letters = len(encoded.translate(None, _NOT_LETTER))
        upper = len(encoded.translate(None, _NOT_CAPITAL))
    else:
        letters = sum(map(str.isalpha, raw))
        upper = sum(map(str.isupper, raw)) if letters >= 4 else 0
    return np.array(
        [
            math.log1p(len(_URL.findall(raw))),
            upper / letters if letters >= 4 else 0.0,
            math.log1p(len(_LONG_NUMBER.findall(raw))),
            math.log1p(raw.count("!")) / 2.0,
            math.log1p(len(raw)) / 8.0,
        ],
        dtype=np.float64,
    )


_NO_ROWS = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class TextFeatures:
    """The hashed features of one text, with what is needed to explain a score.

    ``char_index`` holds the buckets of the character n-grams of ``text``, all n-grams of
    length ``char_lengths[0]`` first (in order of position), then the next length, and so
    on; ``word_index`` holds the buckets of the ``words`` followed by those of adjacent word
    pairs; ``word_spans`` are the words' positions in ``text``.  ``char_values`` and
    ``word_values`` hold what each occurrence adds to its bucket (term weighting and block
    scaling included), so that a bucket's feature value is the sum over its occurrences: one
    number for all occurrences (raw counts) or one per occurrence.  With word vectors,
    ``vector_words`` are the positions (in ``words``) of the words found in the table,
    ``vector_rows`` their rows there, and the vector block is the sum of those rows times
    ``vector_scale``.
    """

    text: str
    char_index: np.ndarray
    char_lengths: tuple[int, ...]
    words: tuple[str, ...]
    word_spans: tuple[tuple[int, int], ...]
    word_index: np.ndarray
    dense: np.ndarray
    char_values: np.ndarray | float
    word_values: np.ndarray | float
    vector_words: np.ndarray = field(default_factory=lambda: _NO_ROWS)
    vector_rows: np.ndarray = field(default_factory=lambda: _NO_ROWS)
    vector_scale: float = 0.0

    def per_occurrence(self, values: np.ndarray | float) -> np.ndarray | float:
        """``values`` shaped to multiply rows of per-occurrence weights."""
        return values[:, None] if isinstance(values, np.ndarray) else values

    def char_owners(self) -> np.ndarray:
        """For each character n-gram, the position in ``words`` of the word it is centred
        on: the first word that ends after its middle character, else the last word.

        The search runs once per character of ``text`` and each n-gram length reads a slice
        of it (the n-grams of one length are in order of position, see ``char_index``).
        """
        size, n_words = len(self.text), len(self.word_spans)
        if not n_words:
            return np.zeros(len(self.char_index), dtype=np.int64)
        ends = np.fromiter((end for _, end in self.word_spans), dtype=np.int64, count=n_words)
        at = np.searchsorted(ends, np.arange(size), side="right")
        np.minimum(at, n_words - 1, out=at)
        parts = [at[n // 2: n // 2 + size - n + 1] for n in self.char_lengths]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


class HashedFeaturizer(TransformerMixin, BaseEstimator):
    """Turn texts into a sparse matrix of hashed features (a scikit-learn transformer).

    Columns ``0 .. 2**n_bits - 1`` hold character n-grams (lengths ``char_min`` to
    ``char_max``) and words and word pairs, hashed into one space; each block is scaled by
    one over the square root of its number of n-grams (words also by ``word_weight``).  The
    last ``len(DENSE_NAMES)`` columns hold the cheap signals.  Texts are cut to ``max_chars``
    characters first.  ``tf`` is the term weighting within a block (see
    :func:`occurrence_values`): ``count`` (the default), ``binary`` or ``log``.
    """

    def __init__(self, n_bits: int = 20, char_min: int = 2, char_max: int = 5,
                 word_bigrams: bool = True, max_chars: int = 2000, word_weight: float = 0.5,
                 tf: str = "count", vectors: WordVectors | None = None,
                 vector_weight: float = 1.0):
        self.n_bits = n_bits
        self.char_min = char_min
        self.char_max = char_max
        self.word_bigrams = word_bigrams
        self.max_chars = max_chars
        self.word_weight = word_weight
        self.tf = tf
        self.vectors = vectors
        self.vector_weight = vector_weight

    @property
    def vector_dim(self) -> int:
        """Number of word-vector columns (0 without a table)."""
        return self.vectors.dim if self.vectors is not None else 0

    @property
    def n_features(self) -> int:
        """Width of the feature matrix: hashed buckets, the cheap signals, word vectors."""
        return (1 << self.n_bits) + len(DENSE_NAMES) + self.vector_dim

    def fit(self, X, y=None):  # noqa: N803 - scikit-learn's argument name
        """Nothing to learn: hashing needs no vocabulary."""
        return self

    def features(self, raw: str) -> TextFeatures:
        """The features of one text, keeping positions so that a score can be explained."""
        raw = raw[: self.max_chars]
        text = normalized_text(raw)
        text = " " + _SPACE.sub(" ", text).strip() + " "
        shift = np.uint64(64 - self.n_bits)
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        parts, lengths = [], []
        h = codes + np.uint64(1)
        for n in range(1, min(self.char_max, len(codes)) + 1):
            if n > 1:
                h = h[:-1] * _PRIME + codes[n - 1:]
            if n >= self.char_min:
                parts.append(h + np.uint64(n))
                lengths.append(n)
        n_chars = sum(map(len, parts))

        matches = list(_WORD.finditer(text))
        words = tuple(m.group() for m in matches)
        encoded = [w.encode() for w in words]
        keys = [zlib.crc32(e) for e in encoded]
        vector_words = vector_rows = _NO_ROWS
        vector_scale = 0.0
        if self.vectors is not None:
            vector_words, vector_rows = self.vectors.rows(keys)
            if len(vector_rows):
                vector_scale = self.vector_weight / len(vector_rows)
        if self.word_bigrams:
            # crc32(b" " + b, crc32(a)) == crc32(a + b" " + b): the pair "a b", hashed faster
            keys += [zlib.crc32(b" " + b, a) | (1 << 32)
                     for a, b in zip(keys, encoded[1:], strict=False)]
        if keys:
            parts.append(np.array(keys, dtype=np.uint64) + np.uint64(_WORD_SALT))
        # one pass of the mixer over character n-grams and words: on a short comment each
        # numpy call costs more than the arithmetic it does
        index = ((_fmix(np.concatenate(parts)) >> shift).view(np.int64) if parts
                 else np.zeros(0, dtype=np.int64))
        char_index, word_index = index[:n_chars], index[n_chars:]
        return TextFeatures(
            text=text, char_index=char_index, char_lengths=tuple(lengths),
            words=words, word_spans=tuple(m.span() for m in matches), word_index=word_index,
            dense=dense_signals(raw),
            char_values=occurrence_values(char_index, self.tf),
            word_values=occurrence_values(word_index, self.tf, self.word_weight),
            vector_words=vector_words, vector_rows=vector_rows, vector_scale=vector_scale,
        )

    def vector_block(self, feats: TextFeatures) -> np.ndarray:
        """The word-vector columns of one text (empty without a table)."""
        if self.vectors is None:
            return np.zeros(0)
        if not len(feats.vector_rows):
            return np.zeros(self.vectors.dim)
        return self.vectors.vectors[feats.vector_rows].sum(axis=0) * feats.vector_scale

    def transform(self, X) -> sp.csr_matrix:  # noqa: N803 - scikit-learn's argument name
        """A CSR matrix (float32) with one row per text."""
        dense_base = 1 << self.n_bits
        n_dense = len(DENSE_NAMES) + self.vector_dim
        dense_columns = np.arange(dense_base, dense_base + n_dense)
        indptr = [0]
        idx_chunks, val_chunks = [], []
        for raw in X:
            f = self.features(raw)
            idx_chunks += [f.char_index, f.word_index, dense_columns]
            val_chunks += [np.broadcast_to(f.char_values, f.char_index.shape),
                           np.broadcast_to(f.word_values, f.word_index.shape), f.dense,
                           self.vector_block(f)]
            indptr.append(indptr[-1] + len(f.char_index) + len(f.word_index) + n_dense)
        indices = np.concatenate(idx_chunks) if idx_chunks else np.zeros(0, dtype=np.int64)
        values = np.concatenate(val_chunks) if val_chunks else np.zeros(0)
        matrix = sp.csr_matrix(
            (values.astype(np.float32), indices, np.array(indptr, dtype=np.int64)),
            shape=(len(indptr) - 1, self.n_features),
        )
        matrix.sum_duplicates()
        return matrix
