"""Training: separates a small labelled set, calibrates sensibly, is reproducible."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from classifier import DataError, train_from_rows
from classifier.data import read_rows
from classifier.features import HashedFeaturizer
from classifier.training import _split

from .conftest import TINY_PARAMS, tiny_rows


def test_trained_model_separates_unseen_rows(tiny_model):
    unseen = tiny_rows(120, seed=7)
    scores = tiny_model.score_batch([text for text, _ in unseen])
    for label in ("abuse", "spam"):
        y = [labels[label] for _, labels in unseen]
        assert roc_auc_score(y, [s[label] for s in scores]) > 0.9


def test_held_out_scores_are_not_all_pushed_to_zero_or_one(tiny_model):
    unseen = tiny_rows(120, seed=8)
    abuse = np.array([s["abuse"] for s in tiny_model.score_batch([t for t, _ in unseen])])
    assert 0.05 < abuse.mean() < 0.95
    assert np.mean((abuse > 0.02) & (abuse < 0.98)) > 0.1
    metrics = tiny_model.manifest["metrics"]["abuse"]
    assert metrics["calibration_is_heldout"]
    assert metrics["share_below_0.01"] + metrics["share_above_0.99"] < 1.0


def test_training_is_reproducible():
    a = train_from_rows(tiny_rows(90), params=TINY_PARAMS)
    b = train_from_rows(tiny_rows(90), params=TINY_PARAMS)
    assert a.version == b.version
    assert a.manifest["data"]["sha256"] == b.manifest["data"]["sha256"]


def test_refit_learns_from_the_calibration_rows_and_keeps_their_calibration(tmp_path):
    rows = tiny_rows(240)
    y = np.array([labels["abuse"] for _, labels in rows])
    _, calibration_rows = _split(len(y), y, TINY_PARAMS)
    # A word that only the held-back abusive rows contain: only a refit can learn it.
    rows = [(f"{text} grumbleweasel" if i in set(calibration_rows) and y[i] else text, labels)
            for i, (text, labels) in enumerate(rows)]
    refit = train_from_rows(rows, params=TINY_PARAMS)
    first_fit = train_from_rows(rows, params=replace(TINY_PARAMS, refit=False))

    word = "grumbleweasel"
    assert refit.score(word).scores["abuse"] > first_fit.score(word).scores["abuse"] + 0.2
    assert word in [term for term, _ in refit.score(f"you {word}").terms["abuse"]]
    refit.save(tmp_path / "refit")
    first_fit.save(tmp_path / "first")
    np.testing.assert_array_equal(np.load(tmp_path / "refit" / "calibration.npy"),
                                  np.load(tmp_path / "first" / "calibration.npy"))
    assert refit.manifest["metrics"] == {
        label: {**metrics, "refit_on_all_rows": True}
        for label, metrics in first_fit.manifest["metrics"].items()}
    assert refit.manifest["training"]["refit"] is True


def test_progress_is_reported():
    stages = []
    train_from_rows(tiny_rows(60), params=TINY_PARAMS, progress=stages.append)
    assert stages[0].startswith("featurising") and stages[-1] == "done"


def test_rows_missing_a_label_only_train_the_others():
    rows = [(t, {"abuse": y["abuse"]}) for t, y in tiny_rows(60)]
    model = train_from_rows(rows, params=TINY_PARAMS)
    assert model.labels == ("abuse",)


def test_one_class_label_is_a_clear_error():
    rows = [(t, {"abuse": 1}) for t, _ in tiny_rows(30)]
    with pytest.raises(DataError, match="2 rows of each class"):
        train_from_rows(rows, params=TINY_PARAMS)


def test_read_rows_csv_jsonl_and_label_as(tmp_path):
    (tmp_path / "a.csv").write_text('text,label\n"hi, there",0\nidiot,1\n', encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"text": "x", "spam": 1, "abuse": null}\n\n')
    assert read_rows(tmp_path / "a.csv", label_as="abuse") == [("hi, there", {"abuse": 0}),
                                                              ("idiot", {"abuse": 1})]
    assert read_rows(tmp_path / "b.jsonl") == [("x", {"spam": 1})]
    with pytest.raises(DataError, match="--label-as"):
        read_rows(tmp_path / "a.csv")
    (tmp_path / "c.csv").write_text("text,abuse\nx,maybe\n")
    with pytest.raises(DataError, match="0 or 1"):
        read_rows(tmp_path / "c.csv")


def test_idf_option_trains_a_model_that_separates():
    from dataclasses import replace

    model = train_from_rows(tiny_rows(), params=replace(TINY_PARAMS, idf=True))
    unseen = tiny_rows(90, seed=9)
    scores = model.score_batch([text for text, _ in unseen])
    y = [labels["spam"] for _, labels in unseen]
    assert roc_auc_score(y, [s["spam"] for s in scores]) > 0.9
    assert model.manifest["training"]["idf"] is True


def test_nb_option_folds_the_ratios_into_weights_and_separates():
    from dataclasses import replace

    model = train_from_rows(tiny_rows(), params=replace(TINY_PARAMS, nb=True))
    unseen = tiny_rows(90, seed=9)
    scores = model.score_batch([text for text, _ in unseen])
    for label in ("abuse", "spam"):
        y = [labels[label] for _, labels in unseen]
        assert roc_auc_score(y, [s[label] for s in scores]) > 0.9
    assert model.manifest["training"]["nb"] is True
    # serving is unchanged: the single-text path agrees with the batch path
    assert model.score(unseen[0][0]).scores == pytest.approx(scores[0], rel=1e-4)


def test_nb_mix_interpolates_between_the_plain_and_the_nb_weights():
    from dataclasses import replace

    from classifier.training import fit_weights

    rows = tiny_rows()
    featurizer = HashedFeaturizer(n_bits=TINY_PARAMS.n_bits)
    x = featurizer.transform([text for text, _ in rows])
    y = np.array([labels["abuse"] for _, labels in rows])
    sw = np.ones(len(y))

    def weights(**changes: object) -> np.ndarray:
        found, _ = fit_weights(x, y, sw, replace(TINY_PARAMS, **changes), TINY_PARAMS.n_bits)
        return found / np.std(np.asarray(x @ found.astype(np.float32)).ravel())

    plain, nb = weights(nb=False), weights(nb=True)
    assert not np.allclose(plain, nb)
    assert np.allclose(weights(nb=True, nb_mix=1.0), nb)
    assert np.corrcoef(weights(nb=True, nb_mix=0.0), plain)[0, 1] > 0.999
    half = weights(nb=True, nb_mix=0.5)
    # halfway between the two (each measured in units of its own margin spread)
    assert np.corrcoef(half, (plain + nb) / 2)[0, 1] > 0.999


def test_nb_mix_is_recorded_and_checked():
    from dataclasses import replace

    model = train_from_rows(tiny_rows(), params=replace(TINY_PARAMS, nb=True, nb_mix=0.5))
    unseen = tiny_rows(90, seed=9)
    scores = model.score_batch([text for text, _ in unseen])
    y = [labels["abuse"] for _, labels in unseen]
    assert roc_auc_score(y, [s["abuse"] for s in scores]) > 0.9
    assert model.manifest["training"]["nb_mix"] == 0.5
    with pytest.raises(DataError, match="nb_mix"):
        train_from_rows(tiny_rows(), params=replace(TINY_PARAMS, nb=True, nb_mix=1.5))


def test_nb_ratio_is_signed_by_class_and_leaves_the_signals_alone():
    import scipy.sparse as sp

    from classifier.training import nb_ratio

    # column 0 only in positives, column 1 only in negatives, column 2 in both; 2 signals
    x = sp.csr_matrix(np.array([[1, 0, 1, 5, 0], [1, 0, 1, 0, 0], [0, 1, 1, 0, 0],
                                [0, 2, 1, 0, 3]], dtype=np.float32))
    r = nb_ratio(x, np.array([1, 1, 0, 0]), np.ones(4), n_bits=2, alpha=1.0)
    assert r.shape == (5,)
    assert r[0] > 0 > r[1]
    assert abs(r[2]) < min(r[0], -r[1])
    assert r[4] == 1.0


@pytest.mark.parametrize("tf", ["binary", "log"])
def test_term_weighting_options_train_and_load(tf, tmp_path):
    from dataclasses import replace

    from classifier import load_model

    model = train_from_rows(tiny_rows(), params=replace(TINY_PARAMS, tf=tf))
    unseen = tiny_rows(60, seed=10)
    scores = model.score_batch([text for text, _ in unseen])
    y = [labels["abuse"] for _, labels in unseen]
    assert roc_auc_score(y, [s["abuse"] for s in scores]) > 0.9
    loaded = load_model(model.save(tmp_path / "m"))
    assert loaded.featurizer.tf == tf
    text = "you you you are a moron moron"
    assert loaded.score(text).scores == pytest.approx(model.score_batch([text])[0], rel=1e-4)
