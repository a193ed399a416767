"""Recalibrating on a site's own labelled comments: the scores come to mean what they say
there, the ranking stays, and the new model says what it was recalibrated from."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.metrics import roc_auc_score

from classifier import DataError, load_model
from classifier.calibration import MIN_PER_CLASS, recalibrate
from classifier.cli import model as model_cli
from classifier.evaluation import calibration_error

from .conftest import tiny_rows


def site_rows(n: int = 400, seed: int = 11) -> list[tuple[str, dict[str, int]]]:
    """Comments like the training rows, but the site's moderators disagree with a quarter
    of the abuse labels: the model's confident scores overstate what it knows here."""
    rng = random.Random(seed)
    rows = []
    for text, labels in tiny_rows(n, seed=seed):
        if rng.random() < 0.25:
            labels = {**labels, "abuse": 1 - labels["abuse"]}
        rows.append((text, labels))
    return rows


def abuse_of(model, rows) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    scores = model.score_batch([text for text, _ in rows])
    return (np.array([labels["abuse"] for _, labels in rows]),
            np.array([s["abuse"] for s in scores]))


def test_recalibrated_scores_mean_what_they_say_on_the_sites_comments(tiny_model):
    fitting, unseen = site_rows(seed=11), site_rows(seed=12)
    recalibrated, report = recalibrate(tiny_model, fitting, source="site.csv")

    y, before = abuse_of(tiny_model, unseen)
    _, after = abuse_of(recalibrated, unseen)
    assert calibration_error(y, after) < calibration_error(y, before) - 0.05
    # Only the meaning of a score changes, not the order of the comments.
    assert roc_auc_score(y, after) == pytest.approx(roc_auc_score(y, before))
    assert report["abuse"]["recalibrated"]
    assert report["abuse"]["after"]["calibration_error"] < \
        report["abuse"]["before"]["calibration_error"]


def test_recalibrated_model_is_a_new_version_that_says_where_it_came_from(tiny_model, tmp_path):
    rows = site_rows()
    recalibrated, _ = recalibrate(tiny_model, rows, source="site.csv")
    assert recalibrated.version.startswith(f"{tiny_model.version}-cal-")
    record = recalibrated.manifest["recalibrated"]
    assert record["from_version"] == tiny_model.version
    assert record["data"]["rows"] == len(rows) and record["data"]["source"] == "site.csv"

    recalibrated.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    text = "you are a clown, honestly"
    assert loaded.version == recalibrated.version
    assert loaded.score(text).scores == recalibrated.score(text).scores
    # Recalibrating again starts from the original version, not a chain of suffixes.
    again, _ = recalibrate(loaded, site_rows(seed=13))
    assert again.version.startswith(f"{tiny_model.version}-cal-")
    assert again.version.count("-cal-") == 1
    assert again.manifest["recalibrated"]["previous"] == record  # what was done before


def test_a_label_without_enough_rows_of_each_class_is_left_as_it_was(tiny_model):
    rows = [(text, {"abuse": labels["abuse"]}) for text, labels in site_rows()]  # no spam
    recalibrated, report = recalibrate(tiny_model, rows)
    assert not report["spam"]["recalibrated"]
    assert "needs at least" in report["spam"]["reason"]
    np.testing.assert_array_equal(recalibrated.calibration[1], tiny_model.calibration[1])
    assert not np.array_equal(recalibrated.calibration[0], tiny_model.calibration[0])


def rows_of_each_class(positive: int, negative: int) -> list[tuple[str, dict[str, int]]]:
    rows = site_rows(800)
    return ([r for r in rows if r[1]["abuse"]][:positive]
            + [r for r in rows if not r[1]["abuse"]][:negative])


def test_twenty_rows_of_each_class_are_enough_nineteen_are_not(tiny_model):
    _, report = recalibrate(tiny_model, [(t, {"abuse": y["abuse"]})
                                         for t, y in rows_of_each_class(MIN_PER_CLASS, 60)])
    assert report["abuse"]["recalibrated"]
    with pytest.raises(DataError, match="nothing to recalibrate.*needs at least 20 rows of each "
                                        "class, has 19 positive"):
        recalibrate(tiny_model, [(t, {"abuse": y["abuse"]})
                                 for t, y in rows_of_each_class(MIN_PER_CLASS - 1, 60)])
    with pytest.raises(DataError, match="no labelled rows"):
        recalibrate(tiny_model, [])


def test_labels_that_contradict_the_model_never_reverse_its_scores(tiny_model):
    """An inverted label column fits a negative slope, which would turn every score round
    (and its explanations with it): the label is left as it was, with the reason."""
    inverted = [(text, {"abuse": 1 - labels["abuse"]}) for text, labels in site_rows()]
    with pytest.raises(DataError, match="disagree with the model's order"):
        recalibrate(tiny_model, inverted)
    mixed = [(text, {"abuse": 1 - labels["abuse"], "spam": labels["spam"]})
             for text, labels in site_rows()]
    recalibrated, report = recalibrate(tiny_model, mixed)
    assert not report["abuse"]["recalibrated"] and report["spam"]["recalibrated"]
    text = "you are a clown, honestly"
    assert recalibrated.score(text).scores["abuse"] == tiny_model.score(text).scores["abuse"]


def test_labels_must_be_zero_or_one(tiny_model):
    rows = [(text, {"abuse": 2 * labels["abuse"]}) for text, labels in site_rows()]
    with pytest.raises(DataError, match="0 or 1"):
        recalibrate(tiny_model, rows)


def test_calibrate_command(tiny_model, tmp_path):
    tiny_model.save(tmp_path / "base")
    data = tmp_path / "site.jsonl"
    rows = site_rows()
    data.write_text("".join(json.dumps({"text": t, **labels}) + "\n" for t, labels in rows),
                    encoding="utf-8")
    result = CliRunner().invoke(model_cli, ["calibrate", "--model", str(tmp_path / "base"),
                                            "--data", str(data), "--out", str(tmp_path / "cal")])
    assert result.exit_code == 0, result.output
    assert f"abuse: n={len(rows)}" in result.output and "calibration error" in result.output
    assert load_model(tmp_path / "cal").version.startswith(f"{tiny_model.version}-cal-")

    small = tmp_path / "small.jsonl"
    small.write_text(json.dumps({"text": "hello", "abuse": 0, "spam": 0}) + "\n")
    result = CliRunner().invoke(model_cli, ["calibrate", "--model", str(tmp_path / "base"),
                                            "--data", str(small), "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "nothing to recalibrate" in result.output
    assert not (tmp_path / "x").exists()
