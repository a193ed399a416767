"""The second stage: a sentence-embedding head that re-scores the uncertain band.

The fast linear model scores every comment.  When its ``abuse`` score falls inside the
stage's band (the uncertain middle, where the policy's hold and reject thresholds sit) and
the comment is English, the comment is embedded by :class:`~classifier.encoder.SentenceEncoder`
and a logistic head over the embedding gives a second opinion.  The two are blended:

    score = sigmoid(a_fast * logit(fast score) + a_head * head margin + b)

with ``a_fast``, ``a_head`` and ``b`` fitted on held-back rows, so the blended score is a
probability like the fast one.  Outside the band, or for other languages, the fast score
stands: the encoder only knows English, and clear cases need no second look.

The head's weights are arrays of the model artifact (hash-checked like the rest); the
encoder's files are checked against the sha256 recorded in the manifest.  A stage may also
carry **tuned layers**: the encoder's top layers fine-tuned together with the head
(``scripts/finetune_second_stage.py``).  They replace the package's layers of the same
names when the encoder loads, and ship in the artifact as one float16 array,
``stage2_layers``, with their names and shapes in the manifest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from classifier.encoder import ENCODER_DISTRIBUTION, SentenceEncoder, load_encoder
from classifier.errors import ModelError
from textnorm import script_of
from textnorm.language import get_identifier

__all__ = ["SecondStage", "is_english"]

ARRAYS = ("stage2_head", "stage2_blend")  # every stage has these; tuned layers add LAYERS
LAYERS = "stage2_layers"
# A text must be at least this likely English (py3langid) for the encoder to read it.
MIN_ENGLISH = 0.5


def is_english(text: str) -> bool:
    """Whether ``text`` is Latin-script and identified as English by py3langid."""
    return (script_of(text) == "latin"
            and get_identifier().probability(text, "en") >= MIN_ENGLISH)


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


@dataclass
class SecondStage:
    """The head (``weights`` over the embedding, then ``bias``), the blend and the band."""

    label: str
    low: float
    high: float
    weights: np.ndarray
    bias: float
    blend: tuple[float, float, float]  # a_fast, a_head, b
    encoder_hashes: Mapping[str, str]
    # encoder weight name -> array that replaces it (the fine-tuned top layers), or none
    tuned: Mapping[str, np.ndarray] = field(default_factory=dict)
    encoder: SentenceEncoder | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.low < self.high <= 1.0:
            raise ModelError(f"second stage band [{self.low}, {self.high}) is not inside [0, 1]")
        self.weights = np.asarray(self.weights, dtype=np.float32)
        if self.weights.ndim != 1 or not np.all(np.isfinite(self.weights)):
            raise ModelError("second stage head must be one row of finite floats")
        if not all(math.isfinite(v) for v in (self.bias, *self.blend)):
            raise ModelError("second stage blend must hold finite floats")

    # -- the artifact -------------------------------------------------------------------
    def arrays(self) -> dict[str, np.ndarray]:
        arrays = {"stage2_head": np.append(self.weights, self.bias).astype(np.float64),
                  "stage2_blend": np.asarray(self.blend, dtype=np.float64)}
        if self.tuned:
            arrays[LAYERS] = np.concatenate(
                [np.asarray(a, dtype=np.float16).ravel() for a in self.tuned.values()])
        return arrays

    def manifest(self) -> dict:
        out = {"label": self.label, "band": [self.low, self.high],
               "encoder": {"package": ENCODER_DISTRIBUTION, "sha256": dict(self.encoder_hashes)},
               "runs_on": "English comments whose fast score is inside the band"}
        if self.tuned:
            out["tuned_layers"] = [[name, list(np.shape(a))] for name, a in self.tuned.items()]
        return out

    @classmethod
    def from_artifact(cls, arrays: Mapping[str, np.ndarray], manifest: Mapping,
                      where: str) -> SecondStage:
        try:
            head, blend = arrays["stage2_head"], arrays["stage2_blend"]
            low, high = (float(v) for v in manifest["band"])
            hashes = dict(manifest["encoder"]["sha256"])
            label = str(manifest["label"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"{where}: second stage incomplete (missing {exc})") from exc
        if head.dtype.kind != "f" or head.ndim != 1 or blend.shape != (3,):
            raise ModelError(f"{where}: second stage arrays have the wrong shape")
        a_fast, a_head, b = (float(v) for v in blend)
        tuned = _unpack_layers(arrays.get(LAYERS), manifest.get("tuned_layers"), where)
        return cls(label, low, high, head[:-1], float(head[-1]), (a_fast, a_head, b), hashes,
                   tuned)

    # -- scoring ------------------------------------------------------------------------
    def load_encoder(self) -> None:
        """Load (and hash-check) the encoder; raises :class:`ModelError` when it cannot."""
        if self.encoder is None:
            self.encoder = load_encoder(expected=self.encoder_hashes, tuned=self.tuned)
            if self.encoder.dim != len(self.weights):
                raise ModelError(f"the encoder gives {self.encoder.dim} numbers, the head "
                                 f"expects {len(self.weights)}")

    def applies(self, text: str, fast_score: float) -> bool:
        """Whether this comment goes to the second stage."""
        return (self.encoder is not None and self.low <= fast_score < self.high
                and is_english(text))

    def head_margins(self, texts: Sequence[str]) -> np.ndarray:
        assert self.encoder is not None
        return self.encoder.encode(texts) @ self.weights + self.bias

    def blended(self, fast_scores: Sequence[float], head_margins: np.ndarray) -> list[float]:
        a_fast, a_head, b = self.blend
        out = []
        for fast, head in zip(fast_scores, head_margins.tolist(), strict=True):
            z = a_fast * logit(fast) + a_head * head + b
            out.append(1.0 / (1.0 + math.exp(-min(max(z, -40.0), 40.0))))
        return out


def _unpack_layers(flat: np.ndarray | None, names: object, where: str) -> dict[str, np.ndarray]:
    """The tuned layers from the artifact's flat array and the manifest's names and shapes."""
    if flat is None and names is None:
        return {}
    if flat is None or not isinstance(names, list) or flat.dtype != np.float16 or flat.ndim != 1:
        raise ModelError(f"{where}: second stage tuned layers incomplete ({LAYERS} and "
                         "tuned_layers go together)")
    tuned, start = {}, 0
    try:
        for name, shape in names:
            size = int(np.prod(shape))
            tuned[str(name)] = flat[start:start + size].reshape([int(n) for n in shape])
            start += size
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{where}: second stage tuned_layers malformed ({exc})") from exc
    if start != flat.size or not np.all(np.isfinite(flat)):
        raise ModelError(f"{where}: {LAYERS} does not match tuned_layers, or is not finite")
    return tuned
