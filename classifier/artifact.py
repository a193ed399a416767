"""Saving and loading model artifacts: ``.npy`` arrays plus a JSON manifest, no pickle.

An artifact is a directory holding ``manifest.json`` and one ``.npy`` file per array.
Arrays are read with ``allow_pickle=False``, so loading cannot run code; the manifest
records the format version and the sha256 of every array file, and loading refuses an
artifact whose version it does not know or whose files do not match their hashes.

Changing the format: add fields in a backward-compatible way when possible; otherwise bump
:data:`FORMAT_VERSION`, and teach :func:`load_artifact` to read the old version or refuse it
with a message that says to retrain.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np

from classifier.errors import ModelError

__all__ = ["FORMAT_VERSION", "MANIFEST", "load_artifact", "save_artifact", "sha256_of"]

# 2: the manifest must carry a ``textnorm`` fingerprint (``classifier.fingerprint``).
# Version 1 artifacts lack it, so nothing can tell whether their normalisation still holds.
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
_ARRAY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,40}$")


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_artifact(directory: str | Path, arrays: dict[str, np.ndarray], manifest: dict) -> Path:
    """Write ``arrays`` as ``.npy`` files and ``manifest`` (plus hashes) to ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for name, array in arrays.items():
        if not _ARRAY_NAME.match(name) or array.dtype == object:
            raise ValueError(f"array {name!r}: bad name or object dtype")
        path = directory / f"{name}.npy"
        np.save(path, array, allow_pickle=False)
        hashes[f"{name}.npy"] = sha256_of(path)
    full = {"format_version": FORMAT_VERSION, **manifest, "files": hashes}
    (directory / MANIFEST).write_text(json.dumps(full, indent=2, sort_keys=True) + "\n")
    return directory


def load_artifact(directory: str | Path) -> tuple[dict[str, np.ndarray], dict]:
    """Read and verify an artifact; raise :class:`ModelError` saying what is wrong."""
    directory = Path(directory)
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise ModelError(f"{directory}: not a model artifact (no {MANIFEST})")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{manifest_path}: manifest is not valid JSON ({exc})") from exc
    if not isinstance(manifest, dict):
        raise ModelError(f"{manifest_path}: manifest must be a JSON object")
    version = manifest.get("format_version")
    if version == 1:
        raise ModelError(
            f"{directory}: artifact format version 1 predates the textnorm fingerprint that "
            f"this library (format version {FORMAT_VERSION}) requires; retrain the model"
        )
    if version != FORMAT_VERSION:
        raise ModelError(
            f"{directory}: artifact format version {version!r} is not supported by this "
            f"library (it reads version {FORMAT_VERSION}); retrain the model with this version"
        )
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise ModelError(f"{manifest_path}: no 'files' with sha256 hashes")
    arrays = {}
    for filename, expected in files.items():
        name = filename.removesuffix(".npy")
        if not filename.endswith(".npy") or not _ARRAY_NAME.match(name):
            raise ModelError(f"{manifest_path}: unexpected file name {filename!r}")
        path = directory / filename
        if not path.is_file():
            raise ModelError(f"{directory}: array file {filename} is missing")
        if sha256_of(path) != expected:
            raise ModelError(
                f"{path}: sha256 does not match the manifest; the file was changed or damaged, "
                "refusing to load it"
            )
        try:
            arrays[name] = np.load(path, allow_pickle=False)
        except ValueError as exc:
            raise ModelError(f"{path}: not a plain numeric array ({exc})") from exc
    return arrays, manifest
