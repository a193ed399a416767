"""The trained model: scores and explanations for comments.

A :class:`Model` is a linear model over :class:`~classifier.features.HashedFeaturizer`
features, one row of weights per score, followed by Platt calibration so that each score
is a probability.  Scoring one text is a sum of weights at its hashed n-grams; explaining
it re-featurises the text and credits each word with the weights of the n-grams in it.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np

from classifier.artifact import load_artifact, save_artifact
from classifier.errors import ModelError
from classifier.features import DENSE_NAMES, TERM_WEIGHTINGS, HashedFeaturizer, TextFeatures
from classifier.fingerprint import textnorm_fingerprint
from classifier.second_stage import ARRAYS as SECOND_STAGE_ARRAYS
from classifier.second_stage import SecondStage
from classifier.word_vectors import VECTOR_ARRAYS, WordVectors
from textnorm import script_of

__all__ = ["SCRIPTS", "Model", "ScoreResult", "load_model"]

FEATURE_PARAMS = ("n_bits", "char_min", "char_max", "word_bigrams", "max_chars", "word_weight",
                  "tf", "vector_weight")
# Feature parameters added after format version 2 was defined, with the value that every
# artifact written before them used.
_FEATURE_DEFAULTS = {"tf": "count", "vector_weight": 1.0}
# A block weight beyond this is no model anyone trained; refused so scores cannot overflow.
MAX_BLOCK_WEIGHT = 1000.0
TOP_TERMS = 5
# Scripts that may have a calibration of their own (``textnorm.script_of``), so that a score
# means the same in Russian as in English; the default calibration serves every other text.
SCRIPTS = ("cyrillic",)
# Words never shown as a reason: articles, prepositions, conjunctions and forms of "be" and
# "have". They carry weight in the model (abusive training texts use "a" and "all" a little
# more often), but "held because of: all, be, a" tells a moderator nothing. Pronouns
# ("you": aimed at someone), negations and modal verbs ("will", "should": threats) stay.
HIDDEN_TERMS = frozenset((
    "a", "an", "the", "of", "in", "on", "at", "to", "for", "from", "by", "with", "into",
    "onto", "upon", "about", "over", "under", "as", "than", "and", "or", "but", "nor", "so",
    "if", "then", "that", "this", "these", "those", "there", "here", "it", "its",
    "is", "are", "was", "were", "be", "been", "being", "am", "has", "have", "had", "having",
    "do", "does", "did", "all", "some", "any", "each", "every", "very", "just", "also", "too",
    "s", "t", "d", "ll", "re", "ve", "m",
))
# Signals shown in explanations; length, the last, is left out: every text has one.
_EXPLAINED_DENSE = len(DENSE_NAMES) - 1
_NO_SLOTS = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class ScoreResult:
    """Scores (probabilities) per label and, per label, the terms that pushed it up most."""

    scores: dict[str, float]
    terms: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    # per label re-scored by the second stage: {"fast": the fast score, "second": the head's
    # own probability}; the label's entry in ``scores`` is then the blend of the two
    stages: dict[str, dict[str, float]] = field(default_factory=dict)


def _probability(margin: float, a: float, b: float) -> float:
    """One calibrated probability: :meth:`Model.probabilities`'s formula for one margin
    (``math.exp`` may differ from numpy's in the last bit)."""
    return 1.0 / (1.0 + math.exp(-min(max(margin * a + b, -40.0), 40.0)))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # minimum(maximum()) is np.clip, without its overhead on a two-element array
    return 1.0 / (1.0 + np.exp(-np.minimum(np.maximum(z, -40.0), 40.0)))


class Model:
    """A loaded (or freshly trained) classifier; build one with :func:`load_model`.

    ``weights`` has one row per label over the featuriser's columns, ``bias`` one value per
    label, and ``calibration`` one ``(a, b)`` pair per label: probability is
    ``sigmoid(a * margin + b)`` where ``margin`` is the linear model's output.
    """

    def __init__(self, featurizer: HashedFeaturizer, labels: Sequence[str],
                 weights: np.ndarray, bias: np.ndarray, calibration: np.ndarray,
                 manifest: Mapping, script_calibration: Mapping[str, np.ndarray] | None = None,
                 second_stage: SecondStage | None = None, second_stage_error: str | None = None):
        n_labels = len(labels)
        if weights.shape != (n_labels, featurizer.n_features):
            raise ModelError(f"weights have shape {weights.shape}, expected "
                             f"{(n_labels, featurizer.n_features)}")
        if bias.shape != (n_labels,) or calibration.shape != (n_labels, 2):
            raise ModelError("bias or calibration arrays do not match the labels")
        script_calibration = dict(script_calibration or {})
        for script, pairs in script_calibration.items():
            if script not in SCRIPTS or np.shape(pairs) != (n_labels, 2):
                raise ModelError(f"calibration for script {script!r} does not match the "
                                 f"labels (or the script is not one of {', '.join(SCRIPTS)})")
        self.featurizer = featurizer
        self._labels = tuple(labels)
        # features x labels, so that one gather fetches every label's weight of an n-gram
        self._weights_t = np.ascontiguousarray(weights.T, dtype=np.float32)
        self._stored_weights = weights
        self._bias = bias.astype(np.float64)
        self._calibration = calibration.astype(np.float64)
        self._calibration_pairs = [tuple(pair) for pair in self._calibration.tolist()]
        self._script_calibration = {k: np.asarray(v, dtype=np.float64)
                                    for k, v in script_calibration.items()}
        self._script_pairs = {k: [tuple(pair) for pair in v.tolist()]
                              for k, v in self._script_calibration.items()}
        self._dense_base = 1 << featurizer.n_bits
        self._vector_base = self._dense_base + len(DENSE_NAMES)
        # The vector block is linear, so each table word's share of a margin is fixed: its
        # vector times the block's weights (then divided by the number of words found).
        self._word_credit = None
        if featurizer.vectors is not None:
            with np.errstate(over="ignore", invalid="ignore"):
                self._word_credit = np.ascontiguousarray(
                    featurizer.vectors.vectors @ self._weights_t[self._vector_base:])
            if not np.all(np.isfinite(self._word_credit)):
                raise ModelError("word vectors times their weights overflow; the artifact is "
                                 "damaged or was not made by training")
        self.manifest = dict(manifest)
        if second_stage is not None and second_stage.label not in self._labels:
            raise ModelError(f"second stage re-scores {second_stage.label!r}, not a label")
        self.second_stage = second_stage
        # why a model that has a second stage runs without it (its encoder could not load)
        self.second_stage_error = second_stage_error

    @property
    def version(self) -> str:
        """Model version: training date and a short hash of the weights."""
        return str(self.manifest.get("model_version", "unversioned"))

    @property
    def labels(self) -> tuple[str, ...]:
        """The scores this model gives, e.g. ``("abuse", "spam")``."""
        return self._labels

    @property
    def thresholds(self) -> Mapping[str, Mapping[str, float]]:
        """Per label, the thresholds the model was calibrated and measured for."""
        raw = self.manifest.get("thresholds", {})
        return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in raw.items()})

    def _contributions(self, feats: TextFeatures) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per label, what each character n-gram, word (or pair) and signal adds; a word's
        share of the word-vector block is added to the word's own."""
        w = self._weights_t
        # take() is several times faster than fancy indexing for a scattered gather
        chars = (w.take(feats.char_index, axis=0) * feats.per_occurrence(feats.char_values)).T
        words = (w.take(feats.word_index, axis=0) * feats.per_occurrence(feats.word_values)).T
        dense = (w[self._dense_base:self._vector_base] * feats.dense[:, None]).T
        if self._word_credit is not None and len(feats.vector_rows):
            words[:, feats.vector_words] += (self._word_credit.take(feats.vector_rows, axis=0).T
                                             * feats.vector_scale)
        return chars, words, dense

    def margins(self, feats: TextFeatures) -> np.ndarray:
        """The linear model's raw output per label for one featurised text."""
        return self._total(*self._contributions(feats))

    def _total(self, chars: np.ndarray, words: np.ndarray, dense: np.ndarray) -> np.ndarray:
        return self._bias + chars.sum(axis=1) + words.sum(axis=1) + dense.sum(axis=1)

    def probabilities(self, margins: np.ndarray, scripts: Sequence[str] | None = None
                      ) -> np.ndarray:
        """Calibrated probabilities from margins (one vector, or a matrix of rows).

        ``scripts`` (one per row, see ``textnorm.script_of``) picks each row's calibration;
        without it every row gets the default one.
        """
        a, b = self._calibration[:, 0], self._calibration[:, 1]
        if scripts is None or not self._script_calibration or np.ndim(margins) != 2:
            return _sigmoid(margins * a + b)
        a = np.tile(a, (len(margins), 1))
        b = np.tile(b, (len(margins), 1))
        for script, pairs in self._script_calibration.items():
            rows = np.array([s == script for s in scripts], dtype=bool)
            a[rows], b[rows] = pairs[:, 0], pairs[:, 1]
        return _sigmoid(margins * a + b)

    def calibration_for(self, text: str) -> np.ndarray:
        """The ``(a, b)`` pairs that calibrate the scores of ``text`` (by its script)."""
        return self._script_calibration.get(script_of(text), self._calibration).copy()

    def _explain(self, feats: TextFeatures, chars: np.ndarray, words: np.ndarray,
                 dense: np.ndarray) -> dict[str, list[tuple[str, float]]]:
        """Credit each word with its own weight (its word vector's share included), half of
        each pair it is in and the character n-grams centred on it; then keep the words (and
        signals) that add most.  A word that occurs twice is one term."""
        n_labels = len(self._labels)
        n_words = len(feats.words)
        group_of: dict[str, int] = {}
        word_groups = [group_of.setdefault(name, len(group_of)) for name in feats.words]
        n_groups = len(group_of) + _EXPLAINED_DENSE
        # every contribution goes to a term: a character n-gram to the word it is centred
        # on, a word to itself, a pair half to each of its words, a signal to itself; one
        # bincount over all labels at once (label i's terms at i * n_groups)
        signal_groups = np.arange(len(group_of), n_groups)
        if n_words:
            group = np.array(word_groups, dtype=np.int64)
            pairs = words[:, n_words:] / 2
            n_pairs = pairs.shape[1]
            slots = np.concatenate((group[feats.char_owners()] if chars.shape[1] else _NO_SLOTS,
                                    group, group[:n_pairs], group[1:n_pairs + 1],
                                    signal_groups))
            values = np.concatenate((chars, words[:, :n_words], pairs, pairs,
                                     dense[:, :_EXPLAINED_DENSE]), axis=1)
        else:
            slots, values = signal_groups, dense[:, :_EXPLAINED_DENSE]
        offsets = np.arange(n_labels)[:, None] * n_groups
        merged = np.bincount((slots + offsets).ravel(), weights=values.ravel(),
                             minlength=n_labels * n_groups).reshape(n_labels, n_groups)
        names = [*group_of, *DENSE_NAMES[:_EXPLAINED_DENSE]]
        shown = [i for i, name in enumerate(names) if name not in HIDDEN_TERMS]
        out: dict[str, list[tuple[str, float]]] = {}
        # plain floats from here: sorting a few dozen of them is faster without numpy
        for label, credit in zip(self._labels, merged.tolist(), strict=True):
            top = sorted(shown, key=credit.__getitem__, reverse=True)[:TOP_TERMS]
            out[label] = [(names[i], round(credit[i], 4)) for i in top if credit[i] > 0]
        return out

    def score(self, text: str) -> ScoreResult:
        """Scores for one comment, with the terms that pushed each score up most."""
        feats = self.featurizer.features(text)
        chars, words, dense = self._contributions(feats)
        # one comment: plain floats are faster than numpy on two numbers
        margins = self._total(chars, words, dense).tolist()
        pairs = (self._script_pairs.get(script_of(text), self._calibration_pairs)
                 if self._script_pairs else self._calibration_pairs)
        scores = {label: _probability(margin, a, b) for label, margin, (a, b)
                  in zip(self._labels, margins, pairs, strict=True)}
        stages = {}
        stage = self.second_stage
        if stage is not None and stage.applies(text, scores[stage.label]):
            head = stage.head_margins([text])
            fast = scores[stage.label]
            scores[stage.label] = stage.blended([fast], head)[0]
            stages[stage.label] = {"fast": fast, "second": _probability(float(head[0]), 1, 0)}
        return ScoreResult(scores=scores, terms=self._explain(feats, chars, words, dense),
                           stages=stages)

    def batch_margins(self, texts: Sequence[str]) -> np.ndarray:
        """The linear model's raw output for many comments: one row per text, one column
        per label."""
        return np.asarray(self.featurizer.transform(texts) @ self._weights_t) + self._bias

    def score_batch(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """Scores for many comments, without explanations."""
        if not len(texts):
            return []
        scripts = [script_of(t) for t in texts] if self._script_calibration else None
        probs = self.probabilities(self.batch_margins(texts), scripts)
        out = [dict(zip(self._labels, map(float, row), strict=True)) for row in probs]
        stage = self.second_stage
        if stage is not None and stage.encoder is not None:
            rows = [i for i, (text, scores) in enumerate(zip(texts, out, strict=True))
                    if stage.applies(text, scores[stage.label])]
            if rows:
                fast = [out[i][stage.label] for i in rows]
                blended = stage.blended(fast, stage.head_margins([texts[i] for i in rows]))
                for i, score in zip(rows, blended, strict=True):
                    out[i][stage.label] = score
        return out

    @property
    def calibration(self) -> np.ndarray:
        """A copy of the default ``(a, b)`` pair per label: probability = sigmoid(a * margin
        + b)."""
        return self._calibration.copy()

    @property
    def script_calibration(self) -> dict[str, np.ndarray]:
        """Copies of the calibrations of scripts that have their own, by script."""
        return {k: v.copy() for k, v in self._script_calibration.items()}

    def with_calibration(self, calibration: np.ndarray, manifest: Mapping,
                         script_calibration: Mapping[str, np.ndarray] | None = None) -> Model:
        """The same weights with another calibration (see :mod:`classifier.calibration`)."""
        return Model(self.featurizer, self._labels, self._stored_weights, self._bias,
                     np.asarray(calibration, dtype=np.float64), manifest,
                     script_calibration, self.second_stage, self.second_stage_error)

    def with_second_stage(self, stage: SecondStage | None) -> Model:
        """The same model with ``stage`` (or none) re-scoring its uncertain band."""
        manifest = {k: v for k, v in self.manifest.items() if k != "second_stage"}
        base = str(manifest.get("model_version", "unversioned")).split("+")[0]
        if stage is None:
            manifest["model_version"] = base
        else:
            digest = hashlib.sha256(b"".join(a.tobytes() for a in stage.arrays().values()))
            manifest["model_version"] = f"{base}+s2-{digest.hexdigest()[:8]}"
        return Model(self.featurizer, self._labels, self._stored_weights, self._bias,
                     self._calibration, manifest, self._script_calibration, stage)

    def save(self, directory: str | Path) -> Path:
        """Write this model as an artifact directory (see :mod:`classifier.artifact`)."""
        manifest = {k: v for k, v in self.manifest.items() if k not in {"files", "format_version"}}
        manifest["labels"] = list(self._labels)
        manifest["features"] = {p: getattr(self.featurizer, p) for p in FEATURE_PARAMS}
        arrays = {"weights": self._stored_weights, "bias": self._bias,
                  "calibration": self._calibration}
        arrays.update({f"calibration_{k}": v for k, v in self._script_calibration.items()})
        if self.featurizer.vectors is not None:
            arrays.update(self.featurizer.vectors.arrays())
        if self.second_stage is not None:
            arrays.update(self.second_stage.arrays())
            manifest["second_stage"] = self.second_stage.manifest()
        return save_artifact(directory, arrays, manifest)


def load_model(path: str | Path, *, allow_textnorm_mismatch: bool = False,
               second_stage: bool = True) -> Model:
    """Load a model artifact, verifying its format version, file hashes and normalisation.

    Raises :class:`ModelError` with a message saying what is wrong, including when
    ``textnorm`` now normalises text differently from when the model was trained (its
    fingerprint, see :mod:`classifier.fingerprint`, differs): the model must then be
    retrained.  ``allow_textnorm_mismatch=True`` loads it anyway with a ``RuntimeWarning``,
    for experts measuring what a normalisation change does; scores may then be wrong.

    A model with a second stage (:mod:`classifier.second_stage`) loads its encoder too.
    When the encoder cannot load (its package is not installed, or its files differ from
    the recorded sha256), the model runs on the fast path alone, says why in
    ``second_stage_error`` and warns (``RuntimeWarning``); ``second_stage=False`` skips the
    encoder on purpose (training, and tools that need only the fast scores).
    """
    arrays, manifest = load_artifact(path)
    try:
        labels = [str(label) for label in manifest["labels"]]
        params = {p: manifest["features"][p] if p not in _FEATURE_DEFAULTS
                  else manifest["features"].get(p, _FEATURE_DEFAULTS[p]) for p in FEATURE_PARAMS}
        weights, bias, calibration = (arrays[k] for k in ("weights", "bias", "calibration"))
    except (KeyError, TypeError) as exc:
        raise ModelError(f"{path}: manifest or arrays incomplete (missing {exc})") from exc
    for name, array in (("weights", weights), ("bias", bias), ("calibration", calibration)):
        if array.dtype.kind != "f" or not np.all(np.isfinite(array)):
            raise ModelError(f"{path}: array {name} must hold finite floats")
    if not (isinstance(params["n_bits"], int) and 8 <= params["n_bits"] <= 24):
        raise ModelError(f"{path}: unsupported feature size n_bits={params['n_bits']!r}")
    expected: dict[str, type | tuple[type, ...]] = {
        "char_min": int, "char_max": int, "max_chars": int, "word_bigrams": bool,
        "word_weight": (int, float), "vector_weight": (int, float)}
    for name, kind in expected.items():
        value = params[name]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise ModelError(f"{path}: feature parameter {name}={params[name]!r} is of wrong type")
    for name in ("word_weight", "vector_weight"):
        if not math.isfinite(params[name]) or not 0 <= params[name] <= MAX_BLOCK_WEIGHT:
            raise ModelError(f"{path}: feature parameter {name}={params[name]!r} must be "
                             f"between 0 and {MAX_BLOCK_WEIGHT}")
    if params["tf"] not in TERM_WEIGHTINGS:
        raise ModelError(f"{path}: unknown term weighting tf={params['tf']!r} (this library "
                         f"knows {', '.join(TERM_WEIGHTINGS)}); update the library or retrain")
    _check_textnorm(path, manifest, allow_textnorm_mismatch)
    present = [name for name in VECTOR_ARRAYS if name in arrays]
    if present and len(present) != len(VECTOR_ARRAYS):
        raise ModelError(f"{path}: word vectors incomplete (has only {', '.join(present)})")
    vectors = (WordVectors.from_arrays(arrays["vector_keys"], arrays["vectors"], str(path))
               if present else None)
    script_calibration = {}
    for script in SCRIPTS:
        pairs = arrays.get(f"calibration_{script}")
        if pairs is None:
            continue
        if pairs.dtype.kind != "f" or not np.all(np.isfinite(pairs)):
            raise ModelError(f"{path}: array calibration_{script} must hold finite floats")
        script_calibration[script] = pairs
    stage, stage_error = _second_stage_of(path, arrays, manifest, second_stage)
    return Model(HashedFeaturizer(**params, vectors=vectors), labels, weights, bias, calibration,
                 manifest, script_calibration, stage, stage_error)


def _second_stage_of(path: str | Path, arrays: Mapping[str, np.ndarray], manifest: Mapping,
                     load_encoder: bool) -> tuple[SecondStage | None, str | None]:
    present = [name for name in SECOND_STAGE_ARRAYS if name in arrays]
    if "second_stage" not in manifest and not present:
        return None, None
    if len(present) != len(SECOND_STAGE_ARRAYS) or not isinstance(manifest.get("second_stage"),
                                                                 dict):
        raise ModelError(f"{path}: second stage incomplete (arrays {', '.join(present) or 'none'})")
    stage = SecondStage.from_artifact(arrays, manifest["second_stage"], str(path))
    if not load_encoder:
        return stage, "not loaded (second_stage=False)"
    try:
        stage.load_encoder()
    except ModelError as exc:
        warnings.warn(f"{path}: the second stage is off, scores come from the fast model "
                      f"alone: {exc}", RuntimeWarning, stacklevel=3)
        return stage, str(exc)
    return stage, None


def _check_textnorm(path: str | Path, manifest: Mapping, allow_mismatch: bool) -> None:
    recorded = manifest.get("textnorm")
    if not isinstance(recorded, dict) or not isinstance(recorded.get("fingerprint"), str):
        raise ModelError(f"{path}: manifest has no textnorm fingerprint; retrain the model")
    current = textnorm_fingerprint()
    if recorded["fingerprint"] == current:
        return
    message = (f"{path}: text normalisation (textnorm) has changed since this model was "
               f"trained (fingerprint {recorded['fingerprint'][:12]}, now {current[:12]}), so "
               "its features no longer mean what they meant in training; retrain the model "
               "with the current textnorm")
    if not allow_mismatch:
        raise ModelError(message)
    warnings.warn(message + " (loaded anyway: allow_textnorm_mismatch=True)", RuntimeWarning,
                  stacklevel=3)

