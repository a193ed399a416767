"""Training: hashed features, one logistic regression per label, Platt calibration.

With ``idf=True`` the regression is fitted on IDF-scaled columns (rare n-grams count more,
as in TF-IDF); with ``nb=True`` each label's regression is fitted on columns scaled by their
naive-Bayes log-count ratio for that label (NB-LR, after Wang and Manning's NB-SVM, 2012).
Either way the factors are then folded into the stored weights, so serving is unchanged.
With ``nb=True`` and ``nb_mix`` below 1, a plain regression is fitted as well and the stored
weights interpolate between the two (as NB-SVM interpolates between naive Bayes and the
SVM): still one weight vector, so serving costs the same.

Each label's model learns from the rows that carry that label.  A fixed, seeded,
stratified share of those rows is kept back; the calibration (probability = sigmoid of an
affine function of the margin) is fitted on it and the manifest's metrics are measured on
it.  With ``refit`` (the default) the weights are then fitted again on all the rows, so that
no labelled row is wasted; the calibration and the held-out metrics stay those of the first
fit.  The same seed and data give the same weights; the manifest records a hash of the data
and every parameter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import platform
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from classifier.augment import counterfactuals
from classifier.calibration import platt
from classifier.data import Row, rows_digest
from classifier.errors import DataError
from classifier.evaluation import binary_metrics, calibration_error
from classifier.features import HashedFeaturizer
from classifier.fingerprint import PROBES, textnorm_fingerprint
from classifier.model import FEATURE_PARAMS, MAX_BLOCK_WEIGHT, SCRIPTS, Model
from classifier.word_vectors import load_word_vectors
from textnorm import script_of

__all__ = ["TrainParams", "build_classifier", "build_pipeline", "column_scale", "fit_weights",
           "idf_factors", "nb_ratio", "train_from_rows"]

Progress = Callable[[str], None]
# A script's own calibration needs this many held-back rows of each class.
MIN_CALIBRATION_PER_CLASS = 20


@dataclass(frozen=True)
class TrainParams:
    """Everything that decides the trained weights, recorded in the manifest."""

    n_bits: int = 21
    char_min: int = 2
    char_max: int = 6
    word_bigrams: bool = True
    max_chars: int = 2000
    word_weight: float = 0.5
    tf: str = "count"
    C: float = 4.0  # noqa: N815 - scikit-learn's name for inverse regularisation
    max_iter: int = 200
    calibration_share: float = 0.15
    seed: int = 0
    thresholds: tuple[float, ...] = (0.5, 0.95)
    weight_dtype: str = "float16"
    idf: bool = False
    nb: bool = False
    nb_alpha: float = 1.0
    nb_mix: float = 1.0  # with nb: share of the NB-LR weights, the rest from a plain fit
    # a word-vector table (directory, or a model holding one), see classifier.word_vectors;
    # the command line defaults to the project's table
    vectors: str | None = None
    vector_weight: float = 0.5
    identity_swap: bool = True  # fit also on copies with the groups named swapped
    # after calibrating on the held-back share, fit the weights again on all rows
    refit: bool = True


def build_classifier(params: TrainParams) -> LogisticRegression:
    """The (unfitted) regression for one label."""
    return LogisticRegression(C=params.C, solver="liblinear", max_iter=params.max_iter,
                              random_state=params.seed)


def build_pipeline(params: TrainParams) -> Pipeline:
    """Features and classifier as one scikit-learn Pipeline, for one label (reads the word
    vector table, if any, from disk)."""
    vectors = load_word_vectors(params.vectors) if params.vectors else None
    featurizer = HashedFeaturizer(**{p: getattr(params, p) for p in FEATURE_PARAMS},
                                  vectors=vectors)
    return Pipeline([("features", featurizer), ("classifier", build_classifier(params))])


def _split(n: int, y: np.ndarray, params: TrainParams) -> tuple[np.ndarray, np.ndarray]:
    """Fit and calibration indices: stratified and seeded, or no split when too small."""
    idx = np.arange(n)
    n_calib = int(round(n * params.calibration_share))
    if min(np.bincount(y, minlength=2)) < 4 or n_calib < 4:
        return idx, idx
    return train_test_split(idx, test_size=n_calib, stratify=y, random_state=params.seed)


def idf_factors(matrix: sp.csr_matrix, n_bits: int) -> np.ndarray:
    """Smoothed inverse document frequency of each hashed column (1 for the signals)."""
    df = np.bincount(matrix.indices, minlength=matrix.shape[1])
    idf = np.log((1 + matrix.shape[0]) / (1 + df)) + 1.0
    idf[1 << n_bits:] = 1.0
    return idf


def nb_ratio(matrix: sp.csr_matrix, y: np.ndarray, sample_weight: np.ndarray, n_bits: int,
             alpha: float = 1.0) -> np.ndarray:
    """Naive-Bayes log-count ratio of each hashed column for a 0/1 label (1 for the signals).

    ``r = log((p / |p|) / (q / |q|))`` where ``p`` (``q``) is ``alpha`` plus the weighted
    number of positive (negative) rows in which the column occurs (Wang and Manning, 2012).
    Columns that occur as often in both classes get a factor near 0, telling ones a large
    one; fitting on ``x * r`` makes the regression's prior favour naive Bayes's weights.
    """
    hashed = 1 << n_bits
    present = matrix.copy()
    present.data = (present.data != 0).astype(np.float64)
    sample_weight = np.asarray(sample_weight, dtype=np.float64)
    pos = y == 1
    p = alpha + np.asarray(present[pos].T @ sample_weight[pos]).ravel()[:hashed]
    q = alpha + np.asarray(present[~pos].T @ sample_weight[~pos]).ravel()[:hashed]
    ratio = np.ones(matrix.shape[1])
    ratio[:hashed] = np.log(p / p.sum()) - np.log(q / q.sum())
    return ratio


def column_scale(matrix: sp.csr_matrix, y: np.ndarray, sample_weight: np.ndarray,
                 params: TrainParams, n_bits: int, idf: np.ndarray | None = None) -> np.ndarray:
    """The factor each column is multiplied by before the fit (and folded in after it).

    ``matrix``, ``y`` and ``sample_weight`` are the rows the regression is fitted on;
    ``idf`` may pass IDF factors computed on a larger set of rows.
    """
    scale = np.ones(matrix.shape[1])
    if params.idf:
        scale *= idf_factors(matrix, n_bits) if idf is None else idf
    if params.nb:
        scale *= nb_ratio(matrix, y, sample_weight, n_bits, params.nb_alpha)
    return scale


def fit_weights(matrix: sp.csr_matrix, y: np.ndarray, sample_weight: np.ndarray,
                params: TrainParams, n_bits: int,
                idf: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Fit one label's regression on ``matrix``; its weights for the raw columns and bias.

    The column scaling (IDF, naive-Bayes ratios) is folded into the weights.  With ``nb``
    and ``nb_mix < 1`` the result is ``nb_mix`` times the NB-LR weights plus ``1 - nb_mix``
    times those of a plain fit (same IDF), each first divided by the spread of its margins
    on ``matrix`` so that the mix means what it says whatever the two scales are.
    """
    def fit(p: TrainParams) -> tuple[np.ndarray, float]:
        scale = column_scale(matrix, y, sample_weight, p, n_bits, idf)
        x = (matrix @ sp.diags(scale.astype(np.float32))).tocsr() if p.idf or p.nb else matrix
        clf = build_classifier(p).fit(x, y, sample_weight=sample_weight)
        return clf.coef_[0] * scale, float(clf.intercept_[0])

    weights, bias = fit(params)
    if not params.nb or params.nb_mix >= 1.0:
        return weights, bias
    plain, plain_bias = fit(replace(params, nb=False))
    mixed, mixed_bias = np.zeros_like(weights), 0.0
    for share, (w, b) in ((params.nb_mix, (weights, bias)),
                          (1 - params.nb_mix, (plain, plain_bias))):
        spread = float(np.std(np.asarray(matrix @ w.astype(np.float32)).ravel())) or 1.0
        mixed += share * w / spread
        mixed_bias += share * b / spread
    return mixed, mixed_bias


def _fit_on(idx: np.ndarray, x_all: sp.csr_matrix, y_all: np.ndarray, sw_all: np.ndarray,
            copy_origin: np.ndarray, params: TrainParams, n_bits: int,
            idf: np.ndarray | None) -> tuple[np.ndarray, float]:
    """One label's weights (in the stored dtype) and bias, fitted on its rows ``idx`` and
    the copies of those rows.  ``x_all`` holds the label's rows, then its copies;
    ``copy_origin`` gives the row each copy was made from."""
    n_rows = x_all.shape[0] - len(copy_origin)
    if len(idx) == n_rows:  # every row, in order: no need to copy the matrix
        learnt, bias = fit_weights(x_all, y_all, sw_all, params, n_bits, idf)
        return learnt.astype(params.weight_dtype), bias
    chosen = np.concatenate([idx, n_rows + np.flatnonzero(np.isin(copy_origin, idx))])
    learnt, bias = fit_weights(x_all[chosen], y_all[chosen], sw_all[chosen], params, n_bits,
                               idf)
    return learnt.astype(params.weight_dtype), bias


def _versions() -> dict[str, str]:
    return {"python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "scikit-learn": sklearn.__version__}


def train_from_rows(rows: Iterable[Row], *, labels: Sequence[str] | None = None,
                    weights: Sequence[float] | None = None, params: TrainParams | None = None,
                    progress: Progress | None = None, sources: Sequence[str] = ()) -> Model:
    """Train a :class:`Model` from ``(text, {label: 0 or 1})`` rows.

    ``labels`` defaults to every label seen in the rows; each label needs both classes.
    ``weights`` (one per row) weight the fit; ``sources`` is a free description of the data
    recorded in the manifest.  ``progress`` receives one line per stage.
    """
    params = params or TrainParams()
    say = progress or (lambda _msg: None)
    rows = list(rows)
    weight_arr = np.ones(len(rows)) if weights is None else np.asarray(weights, dtype=np.float64)
    if len(weight_arr) != len(rows):
        raise DataError("weights must have one value per row")
    labels = tuple(labels or sorted({name for _, found in rows for name in found}))
    if not rows or not labels:
        raise DataError("no labelled rows to train on")

    if not 0.0 <= params.nb_mix <= 1.0:
        raise DataError(f"nb_mix must be between 0 and 1, not {params.nb_mix}")
    if not 0.0 <= params.vector_weight <= MAX_BLOCK_WEIGHT:  # also refuses NaN
        raise DataError(f"vector_weight must be between 0 and {MAX_BLOCK_WEIGHT:g}, not "
                        f"{params.vector_weight}")
    featurizer = build_pipeline(params).named_steps["features"]
    # Recorded before featurising: the fingerprint of the textnorm the weights are learnt on.
    fingerprint = {"fingerprint": textnorm_fingerprint(), "probes": len(PROBES)}
    say(f"featurising {len(rows):,} texts ({featurizer.n_features:,} hashed columns)")
    matrix = featurizer.transform([text for text, _ in rows])
    # The fit sees scaled columns (IDF, naive-Bayes ratios); multiplying the learnt weights
    # by the same factors gives weights for the raw columns, so serving needs no table.
    idf = idf_factors(matrix, featurizer.n_bits) if params.idf else None
    # Counterfactual copies (classifier.augment) join the fit, never the calibration rows.
    copy_of, copies = counterfactuals([t for t, _ in rows], params.seed) if params.identity_swap \
        else ([], [])
    if copies:
        say(f"identity swap: {len(copies):,} counterfactual copies")
    copy_of_arr = np.array(copy_of, dtype=np.int64)
    copy_matrix = featurizer.transform(copies) if copies else None

    n_features = featurizer.n_features
    w_all = np.zeros((len(labels), n_features), dtype=params.weight_dtype)
    bias = np.zeros(len(labels))
    calibration = np.zeros((len(labels), 2))
    # Scores mean the same in every script: each script with enough held-back rows gets a
    # calibration of its own, and the default one is fitted on the other rows.
    row_scripts = np.array([script_of(text) for text, _ in rows])
    by_script = {script: np.zeros((len(labels), 2)) for script in SCRIPTS}
    metrics: dict[str, dict] = {}
    for i, label in enumerate(labels):
        have = np.array([label in found for _, found in rows])
        y = np.array([found.get(label, 0) for _, found in rows], dtype=np.int64)[have]
        counts = np.bincount(y, minlength=2)
        if len(y) < 4 or min(counts) < 2:
            raise DataError(f"label {label!r}: need at least 2 rows of each class, got "
                            f"{counts[0]} negative and {counts[1]} positive")
        x, sw = matrix[have], weight_arr[have]
        fit_idx, cal_idx = _split(len(y), y, params)
        held_out = len(cal_idx) < len(y)  # else too few rows: calibrated on the fitting rows
        say(f"{label}: fitting on {len(fit_idx):,} rows ({int(y[fit_idx].sum()):,} positive), "
            f"calibrating on {len(cal_idx):,}")
        # The label's rows, then the counterfactual copies of them (same label and weight).
        x_all, y_all, sw_all, copy_origin = x, y, sw, np.zeros(0, dtype=np.int64)
        if copy_matrix is not None:
            position = np.full(len(rows), -1)
            position[have] = np.arange(len(y))
            chosen = np.flatnonzero(position[copy_of_arr] >= 0)
            copy_origin = position[copy_of_arr[chosen]]
            x_all = sp.vstack([x, copy_matrix[chosen]]).tocsr()
            y_all = np.concatenate([y, y[copy_origin]])
            sw_all = np.concatenate([sw, sw[copy_origin]])
        w_all[i], bias[i] = _fit_on(fit_idx, x_all, y_all, sw_all, copy_origin, params,
                                    featurizer.n_bits, idf)
        margins = np.asarray(x[cal_idx] @ w_all[i].astype(np.float32)).ravel() + bias[i]
        cal_scripts = row_scripts[have][cal_idx]
        own = [script for script in SCRIPTS if _enough(y[cal_idx][cal_scripts == script])]
        rest = ~np.isin(cal_scripts, own)
        calibration[i] = platt(margins[rest], y[cal_idx][rest]) if _enough(
            y[cal_idx][rest]) else platt(margins, y[cal_idx])
        for script in SCRIPTS:
            part = cal_scripts == script
            by_script[script][i] = (platt(margins[part], y[cal_idx][part]) if script in own
                                    else calibration[i])
        a_b = np.where((cal_scripts == "cyrillic")[:, None], by_script["cyrillic"][i],
                       calibration[i])
        probs = expit(margins * a_b[:, 0] + a_b[:, 1])
        per_script = {script: {"rows": int((cal_scripts == script).sum()),
                               "own_calibration": script in own,
                               **({"calibration_error": calibration_error(
                                   y[cal_idx][cal_scripts == script],
                                   probs[cal_scripts == script])}
                                  if (cal_scripts == script).any() else {})}
                      for script in ("latin", *SCRIPTS)}
        metrics[label] = {
            "scripts": per_script,
            "rows": int(len(y)), "positive": int(counts[1]),
            "calibration_rows": int(len(cal_idx)),
            "calibration_is_heldout": held_out,
            # the stored weights were fitted again on all rows after these were measured
            "refit_on_all_rows": params.refit and held_out,
            **binary_metrics(y[cal_idx], probs, params.thresholds),
        }
        say(f"{label}: held-out ROC AUC {metrics[label]['roc_auc']:.4f}, "
            f"average precision {metrics[label]['average_precision']:.4f}")
        if params.refit and held_out:
            # The calibration and the metrics above are those of the fit on the rest; the
            # stored weights learn from every row (as CalibratedClassifierCV(ensemble=False)).
            say(f"{label}: fitting again on all {len(y):,} rows")
            w_all[i], bias[i] = _fit_on(np.arange(len(y)), x_all, y_all, sw_all, copy_origin,
                                        params, featurizer.n_bits, idf)

    digest = hashlib.sha256(np.ascontiguousarray(w_all).tobytes()).hexdigest()
    today = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
    lo, hi = min(params.thresholds), max(params.thresholds)
    manifest = {
        "model_version": f"{today}-{digest[:10]}",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "libraries": _versions(),
        "data": {"sha256": rows_digest(rows, weight_arr), "rows": len(rows),
                 "sources": list(sources)},
        "training": asdict(params),
        "textnorm": fingerprint,
        "metrics": metrics,
        "thresholds": {label: {"hold": lo, "reject": hi} for label in labels},
    }
    say("done")
    script_calibration = {script: pairs for script, pairs in by_script.items()
                          if not np.array_equal(pairs, calibration)}
    return Model(featurizer, labels, w_all, bias, calibration, manifest, script_calibration)


def _enough(y: np.ndarray) -> bool:
    """Whether held-back labels ``y`` can fit a calibration of their own."""
    return len(y) > 0 and min(int(y.sum()), int(len(y) - y.sum())) >= MIN_CALIBRATION_PER_CLASS
