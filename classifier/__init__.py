"""Abuse and spam scores for comments, with the terms that drove them.

A library: it never imports Flask, SQLAlchemy or ``service``.

    from classifier import load_model, DEFAULT_MODEL_PATH
    model = load_model(DEFAULT_MODEL_PATH)
    result = model.score("some comment")   # ScoreResult(scores={...}, terms={...})
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from classifier.errors import DataError, ModelError
from classifier.model import Model, ScoreResult, load_model

if TYPE_CHECKING:
    from classifier.training import TrainParams, train_from_rows

__all__ = [
    "DEFAULT_MODEL_PATH", "DataError", "Model", "ModelError", "ScoreResult", "TrainParams",
    "load_model", "train_from_rows",
]

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent / "default_model"


def __getattr__(name: str):
    # Training pulls in more of scikit-learn; load it only when asked for.
    if name in {"TrainParams", "train_from_rows"}:
        from classifier import training

        return getattr(training, name)
    raise AttributeError(f"module 'classifier' has no attribute {name!r}")
