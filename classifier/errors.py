"""Errors the classifier raises on purpose, each with a message a person can act on."""

from __future__ import annotations

__all__ = ["DataError", "ModelError"]


class ModelError(Exception):
    """A model artifact is missing, damaged, tampered with or made for another format."""


class DataError(ValueError):
    """Training or evaluation data cannot be read or has no usable labels."""
