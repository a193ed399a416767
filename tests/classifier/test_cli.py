"""The ``model`` command group through click's CliRunner."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner

from classifier.cli import model


def test_train_evaluate_and_score(tiny_csv, tmp_path):
    runner = CliRunner()
    out = tmp_path / "m"
    result = runner.invoke(model, ["train", "--data", str(tiny_csv), "--out", str(out),
                                   "--n-bits", "16"])
    assert result.exit_code == 0, result.output
    assert "featurising" in result.output and (out / "manifest.json").is_file()

    report_dir = tmp_path / "report"
    result = runner.invoke(model, ["evaluate", "--model", str(out), "--data", str(tiny_csv),
                                   "--thresholds", "0.5,0.9", "--out", str(report_dir)])
    assert result.exit_code == 0, result.output
    assert "ROC AUC" in result.output and "calibration error=" in result.output
    for name in ("abuse_roc.png", "abuse_pr.png", "spam_roc.png", "spam_pr.png"):
        assert (report_dir / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = json.loads((report_dir / "report.json").read_text())
    assert set(report["metrics"]["abuse"]["at"]) == {"0.5", "0.9"}

    scored = tmp_path / "scored.csv"
    result = runner.invoke(model, ["score", "--model", str(out), "--input", str(tiny_csv),
                                   "--output", str(scored), "--explain"])
    assert result.exit_code == 0, result.output
    with scored.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {"text", "abuse", "score_abuse", "score_spam", "terms"} <= set(rows[0])
    assert all(0.0 <= float(r["score_abuse"]) <= 1.0 for r in rows)


def test_train_with_label_as(tmp_path):
    data = tmp_path / "generic.csv"
    lines = ["text,label"] + [f"you moron number {i},1" for i in range(12)]
    lines += [f"nice report number {i},0" for i in range(12)]
    data.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(model, ["train", "--data", str(data), "--label-as", "abuse",
                                        "--out", str(tmp_path / "m"), "--n-bits", "12"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["labels"] == ["abuse"]


def test_train_says_clearly_when_public_data_is_absent(tmp_path):
    result = CliRunner().invoke(model, ["train", "--data-dir", str(tmp_path / "absent"),
                                        "--out", str(tmp_path / "m")])
    assert result.exit_code != 0
    assert "public training data not found" in result.output


def test_load_errors_are_messages_not_tracebacks(tiny_csv, tmp_path):
    result = CliRunner().invoke(model, ["score", "--model", str(tmp_path), "--input",
                                        str(tiny_csv), "--output", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert "not a model artifact" in result.output


def test_train_records_feature_options_and_fingerprint(tiny_csv, tmp_path):
    out = tmp_path / "m"
    result = CliRunner().invoke(model, ["train", "--data", str(tiny_csv), "--out", str(out),
                                        "--n-bits", "16", "--char-max", "4",
                                        "--word-weight", "1.0", "--c", "2"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["features"]["char_max"] == 4
    assert manifest["features"]["word_weight"] == 1.0
    assert manifest["training"]["C"] == 2.0
    assert len(manifest["textnorm"]["fingerprint"]) == 64


def test_train_with_vectors_identity_swap_and_a_clear_error_for_a_bad_table(tiny_csv, tmp_path):
    from classifier.word_vectors import save_word_vectors

    from .test_word_vectors import synthetic_table

    table = save_word_vectors(tmp_path / "vectors", synthetic_table(), {"teacher": "synthetic"})
    out = tmp_path / "m"
    result = CliRunner().invoke(model, ["train", "--data", str(tiny_csv), "--out", str(out),
                                        "--n-bits", "16", "--vectors", str(table),
                                        "--vector-weight", "2", "--identity-swap"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["features"]["vector_weight"] == 2.0
    assert manifest["training"]["identity_swap"] is True
    assert "vectors.npy" in manifest["files"]

    # a model that holds a table lends it (an installed package trains with the shipped
    # model's); a model without one is refused with a clear message
    result = CliRunner().invoke(model, ["train", "--data", str(tiny_csv), "--out",
                                        str(tmp_path / "m2"), "--n-bits", "16",
                                        "--vectors", str(out)])
    assert result.exit_code == 0, result.output
    assert "vectors.npy" in json.loads((tmp_path / "m2" / "manifest.json").read_text())["files"]
    result = CliRunner().invoke(model, ["train", "--data", str(tiny_csv), "--out",
                                        str(tmp_path / "m3"), "--n-bits", "16", "--no-vectors"])
    assert result.exit_code == 0, result.output
    assert "vectors.npy" not in json.loads((tmp_path / "m3" / "manifest.json").read_text())["files"]
    result = CliRunner().invoke(model, ["train", "--data", str(tiny_csv), "--out",
                                        str(tmp_path / "m4"), "--vectors", str(tmp_path / "m3")])
    assert result.exit_code == 2
    assert "not a word-vector table, nor a model that holds one" in result.output
    result = CliRunner().invoke(model, ["train", "--data", str(tiny_csv), "--out",
                                        str(tmp_path / "m5"), "--vectors", str(table),
                                        "--no-vectors"])
    assert result.exit_code == 2
    assert "exclude each other" in result.output


def test_train_defaults_are_the_shipped_models_settings(tiny_csv, tmp_path):
    """Without options, training uses the shipped model's settings, its word-vector table
    included, so that a site retraining on its own data gets the same kind of model."""
    from classifier import DEFAULT_MODEL_PATH

    out = tmp_path / "m"
    result = CliRunner().invoke(model, ["train", "--data", str(tiny_csv), "--out", str(out)])
    assert result.exit_code == 0, result.output
    trained = json.loads((out / "manifest.json").read_text())
    shipped = json.loads((DEFAULT_MODEL_PATH / "manifest.json").read_text())
    assert trained["features"] == shipped["features"]
    for name in ("C", "identity_swap", "nb", "idf", "tf", "weight_dtype"):
        assert trained["training"][name] == shipped["training"][name]
    assert trained["files"]["vectors.npy"] == shipped["files"]["vectors.npy"]


def test_train_public_recipe_with_chosen_example_files_and_weight(tmp_path):
    from .conftest import tiny_rows
    from .test_recipe import _fake_data_dir

    data_dir = _fake_data_dir(tmp_path / "data")
    examples = tmp_path / "mine.csv"
    with examples.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "abuse", "spam"])
        rows = [[text, labels["abuse"], labels["spam"]] for text, labels in tiny_rows(60)]
        writer.writerows(rows)
    out = tmp_path / "m"
    result = CliRunner().invoke(model, ["train", "--data-dir", str(data_dir), "--examples",
                                        str(examples), "--examples-weight", "3", "--n-bits", "14",
                                        "--out", str(out)])
    assert result.exit_code == 0, result.output
    sources = json.loads((out / "manifest.json").read_text())["data"]["sources"]
    assert sources[-1] == f"mine.csv: {len(rows)} rows, weight 3.0"


def test_examples_options_without_the_public_recipe_are_refused(tiny_csv, tmp_path):
    result = CliRunner().invoke(model, ["train", "--data", str(tiny_csv), "--examples",
                                        str(tiny_csv), "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert "--examples and --examples-weight go with --public-data" in result.output
    result = CliRunner().invoke(model, ["train", "--data-dir", str(tmp_path), "--examples-weight",
                                        "-1", "--out", str(tmp_path / "m")])
    assert result.exit_code == 2 and "examples-weight" in result.output


def test_train_without_the_projects_data_folder_takes_the_shipped_models_table(
        tiny_csv, tmp_path, monkeypatch):
    """An installed package has no data/ folder: training takes the word vectors inside the
    shipped model, or, if that model has none (an older one restored), trains without and
    says so, instead of failing on a path the user never gave."""
    import shutil

    from classifier import DEFAULT_MODEL_PATH, cli, recipe

    monkeypatch.setattr(recipe, "VECTORS_PATH", tmp_path / "no-data" / "word_vectors")
    result = CliRunner().invoke(model, ["train", "--data", str(tiny_csv), "--out",
                                        str(tmp_path / "m"), "--n-bits", "16"])
    assert result.exit_code == 0, result.output
    assert f"word vectors: {cli._shown(DEFAULT_MODEL_PATH)}" in result.output
    assert "vectors.npy" in json.loads((tmp_path / "m" / "manifest.json").read_text())["files"]

    older = tmp_path / "older"
    shutil.copytree(DEFAULT_MODEL_PATH, older, ignore=shutil.ignore_patterns("vector*.npy"))
    monkeypatch.setattr(cli, "_default_model_path", lambda: older)
    result = CliRunner().invoke(model, ["train", "--data", str(tiny_csv), "--out",
                                        str(tmp_path / "m2"), "--n-bits", "16"])
    assert result.exit_code == 0, result.output
    assert "word vectors: none" in result.output
    assert "vectors.npy" not in json.loads((tmp_path / "m2" / "manifest.json").read_text())["files"]


def test_compare_says_whether_a_model_is_better_on_the_sites_own_data(tiny_csv, tmp_path):
    """A data person retrains and asks: better than what we run? The answer comes with an
    interval, so luck in which rows were labelled is not mistaken for progress."""
    import random

    from .conftest import tiny_rows

    def write(path, rows):
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["text", "abuse", "spam"])
            writer.writerows([text, found["abuse"], found["spam"]] for text, found in rows)
        return path

    rows = tiny_rows(150, seed=1)
    labels = [found for _, found in rows]
    random.Random(0).shuffle(labels)
    noise = write(tmp_path / "noise.csv", [(text, found) for (text, _), found
                                           in zip(rows, labels, strict=True)])
    fresh = write(tmp_path / "fresh.csv", tiny_rows(200, seed=7))
    for name, data in (("good", tiny_csv), ("bad", noise)):
        result = CliRunner().invoke(model, ["train", "--data", str(data), "--out",
                                            str(tmp_path / name), "--n-bits", "16",
                                            "--no-vectors"])
        assert result.exit_code == 0, result.output

    good, bad = str(tmp_path / "good"), str(tmp_path / "bad")
    result = CliRunner().invoke(model, ["compare", "--model", good, "--model", bad,
                                        "--data", str(fresh), "--rounds", "300"])
    assert result.exit_code == 0, result.output
    assert "abuse: n=" in result.output and "): better" in result.output
    result = CliRunner().invoke(model, ["compare", "--model", bad, "--model", good,
                                        "--data", str(fresh), "--rounds", "300"])
    assert "): worse" in result.output
    result = CliRunner().invoke(model, ["compare", "--model", good, "--model", good,
                                        "--data", str(fresh), "--rounds", "300"])
    assert "difference +0.0000" in result.output and "no clear difference" in result.output
    result = CliRunner().invoke(model, ["compare", "--model", good, "--data", str(fresh)])
    assert result.exit_code == 2 and "give --model twice" in result.output


def test_default_names_the_shipped_model_in_every_command(tiny_csv, tmp_path):
    from classifier import DEFAULT_MODEL_PATH, load_model

    shipped = load_model(DEFAULT_MODEL_PATH).version
    result = CliRunner().invoke(model, ["evaluate", "--model", "default", "--data",
                                        str(tiny_csv), "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    assert f"model {shipped} on" in result.output
    result = CliRunner().invoke(model, ["score", "--model", "default", "--input", str(tiny_csv),
                                        "--output", str(tmp_path / "scored.csv")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "scored.csv").read_text(encoding="utf-8").startswith("text,")
    result = CliRunner().invoke(model, ["calibrate", "--model", "default", "--data",
                                        str(tiny_csv), "--out", str(tmp_path / "cal")])
    assert result.exit_code == 0, result.output
    assert f"wrote model {shipped}-cal-" in result.output
