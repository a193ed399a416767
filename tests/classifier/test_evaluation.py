"""Evaluation measures: calibration error and Brier score say whether 0.9 means 9 in 10."""

from __future__ import annotations

import numpy as np
import pytest

from classifier.evaluation import binary_metrics, calibration_error


def test_calibrated_scores_have_a_small_calibration_error():
    rng = np.random.default_rng(0)
    probs = rng.uniform(size=20_000)
    labels = (rng.uniform(size=probs.size) < probs).astype(int)  # right as often as it says
    assert calibration_error(labels, probs) < 0.02


def test_overconfident_scores_have_a_large_calibration_error():
    labels = [1, 0] * 500          # half are abusive...
    probs = [0.9] * 1000           # ...but every one is scored 0.9
    assert calibration_error(labels, probs) == pytest.approx(0.4)
    assert calibration_error(labels, [0.5] * 1000) == pytest.approx(0.0)


def test_binary_metrics_report_calibration_with_the_ranking_measures():
    m = binary_metrics([0, 0, 1, 1], [0.1, 0.2, 0.8, 1.0], (0.5,))
    assert m["roc_auc"] == 1.0
    assert m["brier"] == pytest.approx((0.01 + 0.04 + 0.04 + 0.0) / 4)
    # bins: 0.1 and 0.2 (none positive), 0.8 (positive), 1.0 in the top bin (positive)
    assert m["calibration_error"] == pytest.approx((0.1 + 0.2 + 0.2 + 0.0) / 4)
