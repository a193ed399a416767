"""Fitting the second stage (:mod:`classifier.second_stage`) onto a trained fast model.

1. The head: logistic regression on sentence embeddings of English training rows (the
   project's examples and a seeded sample of the public sets, :data:`recipe.SECOND_STAGE_SAMPLE`).
2. The blend: logistic regression of the label on ``logit(fast score)`` and the head's
   margin, over the calibration rows whose fast score is inside the band, so that the
   blended score is a probability on comments like those.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.linear_model import LogisticRegression

from classifier.data import Row
from classifier.encoder import SentenceEncoder, encoder_directory, file_hashes, load_encoder
from classifier.errors import DataError
from classifier.model import Model
from classifier.second_stage import SecondStage, is_english, logit

__all__ = ["fit_blend", "fit_second_stage"]

HEAD_C = 1.0
MIN_BAND_ROWS = 20  # per class, among the calibration rows inside the band


def fit_second_stage(model: Model, rows: Sequence[Row], weights: Sequence[float],
                     calibration_rows: Sequence[Row], *, label: str = "abuse",
                     band: tuple[float, float] = (0.05, 0.95),
                     encoder: SentenceEncoder | None = None,
                     log=print) -> SecondStage:  # noqa: ANN001
    """A :class:`SecondStage` for ``model``'s ``label``, trained on ``rows`` (English ones
    are kept) and blended on ``calibration_rows``."""
    if encoder is None:
        encoder = load_encoder()
    hashes = file_hashes(encoder_directory())
    train = [(text, labels[label], w) for (text, labels), w in zip(rows, weights, strict=True)
             if label in labels and is_english(text)]
    y = np.array([t[1] for t in train])
    if len(set(y.tolist())) < 2:
        raise DataError(f"second stage: the English training rows need both classes of {label}")
    log(f"- second stage: embedding {len(train):,} English training rows")
    embedded = encoder.encode([t[0] for t in train])
    head = LogisticRegression(C=HEAD_C, max_iter=5000)
    head.fit(embedded, y, sample_weight=np.array([t[2] for t in train]))
    stage = SecondStage(label, band[0], band[1], head.coef_[0], float(head.intercept_[0]),
                        (1.0, 1.0, 0.0), hashes, encoder=encoder)
    return fit_blend(model, stage, calibration_rows, log=log)


def fit_blend(model: Model, stage: SecondStage, calibration_rows: Sequence[Row],
              log=print) -> SecondStage:  # noqa: ANN001
    """Fit ``stage``'s blend on the ``calibration_rows`` whose fast score is inside its band
    (``stage`` has its head and a loaded encoder); returns ``stage``, blend set."""
    label, band = stage.label, (stage.low, stage.high)
    fast_model = model.with_second_stage(None)
    cal = [(text, labels[label]) for text, labels in calibration_rows
           if label in labels and is_english(text)]
    fast = [s[label] for s in fast_model.score_batch([c[0] for c in cal])]
    inside = [i for i, f in enumerate(fast) if band[0] <= f < band[1]]
    cy = np.array([cal[i][1] for i in inside])
    if min(int(cy.sum()), len(cy) - int(cy.sum())) < MIN_BAND_ROWS:
        raise DataError(f"second stage: the calibration rows inside the band [{band[0]}, "
                        f"{band[1]}) need at least {MIN_BAND_ROWS} of each class of {label} "
                        f"(have {int(cy.sum())} positive of {len(cy)})")
    margins = stage.head_margins([cal[i][0] for i in inside])
    x = np.column_stack([[logit(fast[i]) for i in inside], margins])
    blend = LogisticRegression(C=100.0, max_iter=5000).fit(x, cy)
    a_fast, a_head = (float(v) for v in blend.coef_[0])
    stage.blend = (a_fast, a_head, float(blend.intercept_[0]))
    log(f"- second stage: blend on {len(inside)} calibration rows inside the band "
        f"({int(cy.sum())} {label}): {a_fast:.3f} * logit(fast) + {a_head:.3f} * head "
        f"+ {stage.blend[2]:.3f}")
    return stage
