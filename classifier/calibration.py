"""Calibration: turning a model's margins into probabilities, and doing it again on a site's
own comments.

A model's scores are calibrated on held-back training rows, so a threshold of 0.9 means "9
in 10 such comments were abusive" *in the training mix* (about 40% abusive). A site whose
comments are 5% abusive, or written unlike tweets and Wikipedia talk pages, sees fewer of
them be abusive at the same score. :func:`recalibrate` fits the calibration again on rows
labelled by the site's moderators, keeping the weights: the order of comments by score does
not change (nor ROC AUC), only what a score means.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

import numpy as np
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss

from classifier.data import Row, rows_digest
from classifier.errors import DataError
from classifier.evaluation import calibration_error
from classifier.model import Model
from textnorm import script_of

__all__ = ["MIN_PER_CLASS", "platt", "recalibrate"]

# Fewer labelled rows of either class than this give a calibration that luck decides.
MIN_PER_CLASS = 20


def platt(margins: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling: ``(a, b)`` such that ``sigmoid(a * margin + b)`` fits the labels."""
    fit = LogisticRegression(C=1e4, max_iter=1000).fit(np.reshape(margins, (-1, 1)), y)
    return float(fit.coef_[0, 0]), float(fit.intercept_[0])


def _quality(y: np.ndarray, probs: np.ndarray) -> dict[str, float]:
    return {"calibration_error": calibration_error(y, probs),
            "brier": float(brier_score_loss(y, probs))}


def _cross_fitted(margins: np.ndarray, y: np.ndarray, seed: int = 0) -> np.ndarray:
    """Each row's probability from a calibration fitted on the other half of the rows, so
    that the quality reported after recalibrating is not measured on the rows it was fitted
    on."""
    rng = np.random.default_rng(seed)
    half = np.zeros(len(y), dtype=bool)
    for cls in (0, 1):  # stratified: both halves get both classes
        rows = rng.permutation(np.flatnonzero(y == cls))
        half[rows[: len(rows) // 2]] = True
    out = np.empty(len(y))
    for part in (half, ~half):
        a, b = platt(margins[~part], y[~part])
        out[part] = expit(a * margins[part] + b)
    return out


def recalibrate(model: Model, rows: Sequence[Row], source: str = "") -> tuple[Model, dict]:
    """The model with its calibration fitted again on ``rows`` (``(text, {label: 0/1})``),
    and a report per label: rows, calibration error and Brier score before and after.

    A label is recalibrated when the rows hold at least :data:`MIN_PER_CLASS` of each of its
    classes and agree with the model's order (a calibration never reverses it), and left as
    it was otherwise (the report says why); a :class:`DataError` when no label can be.
    The "after" figures are cross-fitted (each half of the rows scored by a calibration
    fitted on the other half); the stored calibration is fitted on all rows.
    The new model's version is the original's with ``-cal-`` and a hash of the calibration.
    """
    rows = list(rows)
    if not rows:
        raise DataError("no labelled rows to recalibrate on")
    margins = model.batch_margins([text for text, _ in rows])
    calibration = model.calibration
    by_script = model.script_calibration
    # A script with a calibration of its own is recalibrated on its own rows (when there
    # are enough of them); the default calibration on the rest.
    scripts = np.array([script_of(text) if by_script else "" for text, _ in rows])
    report: dict[str, dict] = {}
    for i, label in enumerate(model.labels):
        have = np.array([label in found for _, found in rows], dtype=bool)
        values = [found[label] for _, found in rows if label in found]
        if any(v not in (0, 1) for v in values):
            raise DataError(f"label {label!r} must be 0 or 1 in every row")
        entry = _recalibrate_rows(model, margins, np.array(
            [found.get(label, -1) for _, found in rows]), have & ~np.isin(scripts, list(by_script)),
            i, label, calibration)
        report[label] = entry
        for script, pairs in by_script.items():
            part = _recalibrate_rows(model, margins, np.array(
                [found.get(label, -1) for _, found in rows]), have & (scripts == script), i,
                label, pairs, script)
            entry.setdefault("scripts", {})[script] = part
            entry["recalibrated"] = entry["recalibrated"] or part["recalibrated"]
    if not any(entry["recalibrated"] for entry in report.values()):
        reasons = "; ".join(f"{label}: {entry['reason']}" for label, entry in report.items())
        raise DataError(f"nothing to recalibrate ({reasons})")

    earlier = model.manifest.get("recalibrated")
    base = earlier["from_version"] if earlier else model.version
    digest = hashlib.sha256(np.ascontiguousarray(calibration).tobytes()).hexdigest()
    manifest = {
        **model.manifest,
        "model_version": f"{base}-cal-{digest[:8]}",
        "recalibrated": {
            "from_version": base,
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "data": {"sha256": rows_digest(rows), "rows": len(rows),
                     "source": source},
            "labels": report,
            # a recalibrated model recalibrated again: what was done to it before
            "previous": earlier,
        },
    }
    digest_scripts = "".join(f"{k}:{v.tobytes().hex()}" for k, v in sorted(by_script.items()))
    if digest_scripts:
        manifest["model_version"] = f"{base}-cal-" + hashlib.sha256(
            np.ascontiguousarray(calibration).tobytes() + digest_scripts.encode()).hexdigest()[:8]
    return model.with_calibration(calibration, manifest, by_script), report


def _recalibrate_rows(model: Model, margins: np.ndarray, labels: np.ndarray, rows: np.ndarray,
                      i: int, label: str, calibration: np.ndarray,
                      script: str | None = None) -> dict:
    """Fit label ``i``'s calibration on ``rows`` into ``calibration`` (in place) when there
    are enough of them and they agree with the model's order; the report entry says."""
    y = labels[rows].astype(np.int64)
    positive, negative = int(y.sum()), int(len(y) - y.sum())
    entry: dict = {"recalibrated": False, "rows": len(y), "positive": positive}
    if min(positive, negative) < MIN_PER_CLASS:
        entry["reason"] = (f"needs at least {MIN_PER_CLASS} rows of each class, has "
                           f"{positive} positive and {negative} negative")
        return entry
    m = margins[rows, i]
    a, b = platt(m, y)
    if a <= 0:
        # A calibration cannot reverse the model: the labels rank the comments the other
        # way round from the scores (an inverted column, or a different meaning of 1).
        entry["reason"] = ("the labels disagree with the model's order of the comments "
                           "(the higher the score, the fewer labelled 1); check that 1 "
                           f"means {label}")
        return entry
    scripts = [script] * int(rows.sum()) if script else None
    before = model.probabilities(margins[rows], scripts)[:, i]
    calibration[i] = (a, b)
    entry.update(recalibrated=True, before=_quality(y, before),
                 after=_quality(y, _cross_fitted(m, y)))
    return entry
