"""Evaluation: ROC AUC, average precision, precision/recall/F1 at thresholds, and plots."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)

__all__ = ["binary_metrics", "calibration_error", "compare_auc", "evaluate_rows", "write_report"]


def binary_metrics(y: Sequence[int] | np.ndarray, probs: Sequence[float] | np.ndarray,
                   thresholds: Sequence[float] = (0.5,)) -> dict:
    """ROC AUC, average precision and, per threshold, precision, recall and F1.

    Also the share of scores at the extremes (below 0.01, above 0.99), which shows whether
    calibration pushes everything to 0 or 1, and two measures of calibration itself: the
    Brier score and the expected calibration error (:func:`calibration_error`).  AUC and AP
    are ``None`` with one class only.
    """
    labels = np.asarray(y, dtype=np.int64)
    p = np.asarray(probs, dtype=np.float64)
    both = len(set(labels.tolist())) == 2
    out: dict = {
        "n": int(len(labels)), "positive": int(labels.sum()),
        "roc_auc": float(roc_auc_score(labels, p)) if both else None,
        "average_precision": float(average_precision_score(labels, p)) if both else None,
        "share_below_0.01": float(np.mean(p < 0.01)) if len(p) else None,
        "share_above_0.99": float(np.mean(p > 0.99)) if len(p) else None,
        "brier": float(brier_score_loss(labels, p)) if len(p) else None,
        "calibration_error": calibration_error(labels, p) if len(p) else None,
        "at": {},
    }
    for t in thresholds:
        pred = p >= t
        tp = int(np.sum(pred & (labels == 1)))
        fp = int(np.sum(pred & (labels == 0)))
        fn = int(np.sum(~pred & (labels == 1)))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out["at"][f"{t:g}"] = {"precision": precision, "recall": recall, "f1": f1,
                               "flagged": int(pred.sum())}
    return out


def calibration_error(y: Sequence[int] | np.ndarray, probs: Sequence[float] | np.ndarray,
                      bins: int = 10) -> float:
    """Expected calibration error: the scores cut into ``bins`` equal-width bins, the gap
    between each bin's mean score and its share of positives, weighted by the bin's size.
    0 means a score of 0.9 is right 9 times in 10 (on this data's mix of classes)."""
    labels = np.asarray(y, dtype=np.float64)
    p = np.asarray(probs, dtype=np.float64)
    which = np.minimum((p * bins).astype(np.int64), bins - 1)
    gap = np.abs(np.bincount(which, weights=p, minlength=bins)
                 - np.bincount(which, weights=labels, minlength=bins))
    return float(gap.sum() / max(len(p), 1))


def compare_auc(y: Sequence[int], first: Sequence[float], second: Sequence[float],
                rounds: int = 2000, seed: int = 0) -> dict:
    """ROC AUC of two models' scores on the same rows, their difference (``first`` minus
    ``second``) and a 95% interval for it from a paired bootstrap: the rows are drawn again
    with replacement ``rounds`` times and both models measured on each draw, so that the
    interval says whether the difference is larger than the luck of which rows were
    labelled; ``verdict`` says "better" or "worse" when the interval excludes 0.
    ``share_not_better``: the share of draws in which ``first`` did not win."""
    labels = np.asarray(y, dtype=np.int64)
    a = np.asarray(first, dtype=np.float64)
    b = np.asarray(second, dtype=np.float64)
    if len(set(labels.tolist())) != 2:
        raise ValueError("comparing ROC AUC needs both positive and negative rows")
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(rounds):
        i = rng.integers(0, len(labels), len(labels))
        if labels[i].min() != labels[i].max():
            diffs.append(roc_auc_score(labels[i], a[i]) - roc_auc_score(labels[i], b[i]))
    d = np.asarray(diffs)
    auc_a, auc_b = float(roc_auc_score(labels, a)), float(roc_auc_score(labels, b))
    low, high = float(np.percentile(d, 2.5)), float(np.percentile(d, 97.5))
    return {"n": int(len(labels)), "positive": int(labels.sum()), "roc_auc": [auc_a, auc_b],
            "difference": auc_a - auc_b, "interval_95": [low, high],
            "verdict": "better" if low > 0 else "worse" if high < 0 else "no clear difference",
            "share_not_better": float(np.mean(d <= 0))}


def evaluate_rows(model, rows, thresholds: Sequence[float] = (0.5, 0.95)) -> dict:
    """Score ``rows`` with ``model`` and measure each label the rows carry.

    Returns ``{label: metrics}`` (see :func:`binary_metrics`) plus, under ``"_curves"``, the
    labels and scores used to draw plots.
    """
    scores = model.score_batch([text for text, _ in rows])
    report: dict = {"_curves": {}}
    for label in model.labels:
        pairs = [(found[label], s[label])
                 for (_, found), s in zip(rows, scores, strict=True) if label in found]
        if not pairs:
            continue
        y, p = (list(v) for v in zip(*pairs, strict=True))
        report[label] = binary_metrics(y, p, thresholds)
        report["_curves"][label] = (y, p)
    return report


def write_report(report: dict, out_dir: str | Path, meta: dict) -> list[Path]:
    """Write ``report.json`` and, per label, ROC and precision-recall PNG plots."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for label, (y, p) in report["_curves"].items():
        if len(set(y)) < 2:
            continue
        fpr, tpr, _ = roc_curve(y, p)
        precision, recall, _ = precision_recall_curve(y, p)
        for kind, xs, ys, xl, yl in (("roc", fpr, tpr, "false positive rate", "true positive rate"),
                                     ("pr", recall, precision, "recall", "precision")):
            fig, ax = plt.subplots(figsize=(5, 4))
            ax.plot(xs, ys)
            if kind == "roc":
                ax.plot([0, 1], [0, 1], linestyle=":", color="grey")
                ax.set_title(f"{label}: ROC (AUC {report[label]['roc_auc']:.3f})")
            else:
                ax.set_title(f"{label}: precision-recall (AP "
                             f"{report[label]['average_precision']:.3f})")
            ax.set_xlabel(xl)
            ax.set_ylabel(yl)
            fig.tight_layout()
            path = out / f"{label}_{kind}.png"
            fig.savefig(path, dpi=80)
            plt.close(fig)
            written.append(path)
    body = {**meta, "metrics": {k: v for k, v in report.items() if k != "_curves"}}
    path = out / "report.json"
    path.write_text(json.dumps(body, indent=2) + "\n")
    written.append(path)
    return written
