"""Command line: ``model train``, ``evaluate``, ``compare``, ``calibrate`` and ``score``.

``model`` is a ``click.Group``; the service mounts it as ``moderation model ...``, and it
also runs alone as ``python -m classifier.cli``.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import click

from classifier.calibration import MIN_PER_CLASS, recalibrate
from classifier.data import read_rows
from classifier.errors import DataError, ModelError
from classifier.evaluation import compare_auc, evaluate_rows, write_report
from classifier.model import MAX_BLOCK_WEIGHT, Model, load_model
from classifier.training import TrainParams, train_from_rows
from classifier.word_vectors import VECTOR_ARRAYS

__all__ = ["model"]


def _default_model_path() -> Path:
    from classifier import DEFAULT_MODEL_PATH

    return DEFAULT_MODEL_PATH


def _load(model_dir: str | None, **options: bool) -> Model:
    """The model in ``model_dir``; the shipped one for none or ``default``."""
    return load_model(_default_model_path() if model_dir in (None, "default") else model_dir,
                      **options)


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is under it (so that a manifest
    records ``data/word_vectors`` wherever the checkout is), else absolute."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):  # elsewhere, or the working directory is gone
        return str(path)


def _default_vectors() -> str | None:
    """The shipped model's word-vector table: the project's in a checkout, else the copy in
    the shipped model (an installed package has no ``data/`` folder); None if neither
    exists (a shipped model without vectors)."""
    from classifier import recipe

    if recipe.VECTORS_PATH.is_dir():
        return _shown(recipe.VECTORS_PATH)
    shipped = _default_model_path()
    if all((shipped / f"{name}.npy").is_file() for name in VECTOR_ARRAYS):
        return _shown(shipped)
    return None


def _thresholds(value: str) -> tuple[float, ...]:
    try:
        out = tuple(float(v) for v in value.split(",") if v.strip())
    except ValueError as exc:
        raise click.BadParameter(f"not a comma-separated list of numbers: {value!r}") from exc
    if not out or any(not 0.0 <= t <= 1.0 for t in out):
        raise click.BadParameter("thresholds must be between 0 and 1")
    return out


@click.group(name="model")
def model() -> None:
    """Train, evaluate and run the abuse and spam classifier."""


@model.command()
@click.option("--data", "data_files", multiple=True, type=click.Path(dir_okay=False),
              help="CSV or JSONL with 'text' and 0/1 columns per label (repeatable).")
@click.option("--label-as", default=None, help="Read a generic 'label' column as this label.")
@click.option("--public-data", is_flag=True,
              help="Add the default recipe: the public sets in --data-dir plus the examples.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Folder of the public sets (default: ../shared/data next to the repo).")
@click.option("--examples", multiple=True, type=click.Path(dir_okay=False),
              help="Project-written examples for --public-data (repeatable; default: "
                   "the data/news_examples*.csv files of the recipe).")
@click.option("--examples-weight", default=None, type=click.FloatRange(min=0),
              help="Weight of each example row for --public-data (default: the recipe's, "
                   "classifier.recipe.EXAMPLES_WEIGHT).")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory to write the model artifact to.")
@click.option("--n-bits", default=TrainParams.n_bits, show_default=True,
              help="log2 of the number of hashed feature columns.")
@click.option("--char-max", default=TrainParams.char_max, show_default=True,
              help="Longest character n-gram.")
@click.option("--word-weight", default=TrainParams.word_weight, show_default=True,
              help="Weight of the word and word-pair block against the character block.")
@click.option("--tf", type=click.Choice(["count", "binary", "log"]), default=TrainParams.tf,
              show_default=True, help="Term weighting of the n-grams within a comment.")
@click.option("--c", "c_value", default=TrainParams.C, show_default=True,
              help="Inverse regularisation strength of the logistic regression.")
@click.option("--idf/--no-idf", default=TrainParams.idf, show_default=True,
              help="Fit on IDF-scaled columns (folded into the stored weights).")
@click.option("--nb/--no-nb", default=TrainParams.nb, show_default=True,
              help="Fit on columns scaled by their naive-Bayes log-count ratio (NB-LR; "
                   "folded into the stored weights).")
@click.option("--nb-mix", default=TrainParams.nb_mix, show_default=True,
              help="With --nb: share of the NB-LR weights in the stored ones; the rest come "
                   "from a plain fit (NB-SVM's interpolation). Serving cost is the same.")
@click.option("--vectors", "vectors_dir", type=click.Path(file_okay=False), default=None,
              help="Word-vector table to add as features (default: the project's, "
                   "data/word_vectors, built by scripts/build_word_vectors.py; where there is "
                   "no data/ folder, the copy inside the shipped model).")
@click.option("--no-vectors", is_flag=True, help="Train without word vectors.")
@click.option("--vector-weight", default=TrainParams.vector_weight, show_default=True,
              type=click.FloatRange(0, MAX_BLOCK_WEIGHT),
              help="With --vectors: weight of the word-vector block.")
@click.option("--identity-swap/--no-identity-swap", default=TrainParams.identity_swap,
              show_default=True,
              help="Fit also on copies of the texts that name a group, with the group swapped "
                   "for another (counterfactual augmentation), so a group's name alone does "
                   "not decide the score.")
@click.option("--refit/--no-refit", default=TrainParams.refit, show_default=True,
              help="After calibrating on the held-back 15%, fit the weights again on all rows "
                   "(the calibration and held-out metrics stay those of the first fit).")
@click.option("--seed", default=TrainParams.seed, show_default=True)
def train(data_files, label_as, public_data, data_dir, examples, examples_weight, out_dir,
          n_bits, char_max, word_weight, tf, c_value, idf, nb, nb_mix, vectors_dir, no_vectors,
          vector_weight, identity_swap, refit, seed):
    """Train a model and write it as an artifact directory.

    The defaults are the settings of the shipped model; with --public-data and no other
    option this reproduces it.
    """
    from classifier import recipe

    if vectors_dir and no_vectors:
        click.echo("error: --vectors and --no-vectors exclude each other", err=True)
        sys.exit(2)
    if not no_vectors and not vectors_dir:
        vectors_dir = _default_vectors()
        click.echo(f"word vectors: {vectors_dir}" if vectors_dir else
                   "word vectors: none (no table in data/word_vectors nor in the shipped "
                   "model; pass --vectors DIR to use one)")
    rows, weights, sources = [], [], []
    if (examples or examples_weight is not None) and not (public_data or data_dir):
        click.echo("error: --examples and --examples-weight go with --public-data (or "
                   "--data-dir); add your own files with --data", err=True)
        sys.exit(2)
    try:
        if public_data or data_dir:
            click.echo("reading the public data sets and the project's examples")
            rows, weights, sources = recipe.training_rows(
                data_dir, examples or recipe.EXAMPLES_PATHS,
                recipe.EXAMPLES_WEIGHT if examples_weight is None else examples_weight)
            for line in sources:
                click.echo(f"  {line}")
        for file in data_files:
            extra = read_rows(file, label_as=label_as)
            rows += extra
            weights += [1.0] * len(extra)
            sources.append(f"{Path(file).name}: {len(extra)} rows")
            click.echo(f"read {len(extra):,} rows from {file}")
        if not rows:
            raise DataError("no training data: pass --data FILE and/or --public-data")
        params = TrainParams(n_bits=n_bits, char_max=char_max, word_weight=word_weight, tf=tf,
                             C=c_value, seed=seed, idf=idf, nb=nb, nb_mix=nb_mix,
                             vectors=vectors_dir, vector_weight=vector_weight,
                             identity_swap=identity_swap, refit=refit)
        trained = train_from_rows(rows, weights=weights, params=params, sources=sources,
                                  progress=lambda msg: click.echo(f"- {msg}"))
    except (DataError, ModelError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    trained.save(out_dir)
    click.echo(f"wrote model {trained.version} to {out_dir}")


@model.command("second-stage")
@click.option("--model", "model_dir", type=click.Path(file_okay=False), default=None,
              help="The fast model to add a second stage to (default: the shipped model).")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Folder of the public sets, for the recipe's sample (default: "
                   "../shared/data next to the repo).")
@click.option("--calibrate-on", type=click.Path(dir_okay=False, exists=True), default=None,
              help="Labelled rows to fit the blend on (default: data/news_validation.csv).")
@click.option("--band", nargs=2, type=click.FloatRange(0, 1), default=(0.05, 0.95),
              show_default=True, help="Fast abuse scores that go to the second stage.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory to write the model with its second stage to.")
def second_stage(model_dir, data_dir, calibrate_on, band, out_dir):
    """Add a sentence-embedding second stage that re-scores the uncertain band of English
    comments (needs scripts/install-encoder)."""
    from classifier import recipe
    from classifier.second_stage_training import fit_second_stage

    try:
        loaded = _load(model_dir, second_stage=False)
        rows, weights = recipe.second_stage_rows(data_dir)
        calibration = read_rows(calibrate_on or recipe.SECOND_STAGE_CALIBRATION)
        stage = fit_second_stage(loaded, rows, weights, calibration, band=tuple(band),
                                 log=click.echo)
    except (ModelError, DataError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    with_stage = loaded.with_second_stage(stage)
    with_stage.save(out_dir)
    click.echo(f"wrote model {with_stage.version} with a second stage to {out_dir}")


@model.command()
@click.option("--model", "model_dir", type=click.Path(file_okay=False), default=None,
              help="Model artifact directory (default, or 'default': the shipped model).")
@click.option("--data", "data_files", multiple=True, required=True,
              type=click.Path(dir_okay=False), help="Labelled CSV or JSONL (repeatable).")
@click.option("--label-as", default=None, help="Read a generic 'label' column as this label.")
@click.option("--thresholds", default="0.5,0.95", show_default=True, callback=lambda c, p, v:
              _thresholds(v))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory for report.json and the ROC / precision-recall PNGs.")
def evaluate(model_dir, data_files, label_as, thresholds, out_dir):
    """Measure a model on labelled data: metrics, plots and a JSON report."""
    try:
        loaded = _load(model_dir)
        rows = [row for file in data_files for row in read_rows(file, label_as=label_as)]
    except (ModelError, DataError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    report = evaluate_rows(loaded, rows, thresholds)
    labels = [k for k in report if k != "_curves"]
    if not labels:
        click.echo("error: the data has none of the model's labels "
                   f"({', '.join(loaded.labels)}); try --label-as", err=True)
        sys.exit(2)
    click.echo(f"model {loaded.version} on {len(rows):,} rows")
    for label in labels:
        m = report[label]
        auc = "n/a" if m["roc_auc"] is None else f"{m['roc_auc']:.4f}"
        ap = "n/a" if m["average_precision"] is None else f"{m['average_precision']:.4f}"
        click.echo(f"{label}: n={m['n']} positive={m['positive']} ROC AUC={auc} AP={ap} "
                   f"calibration error={m['calibration_error']:.3f} Brier={m['brier']:.4f}")
        for t, at in m["at"].items():
            click.echo(f"  at {t}: precision={at['precision']:.3f} recall={at['recall']:.3f} "
                       f"F1={at['f1']:.3f} flagged={at['flagged']}")
    meta = {"model_version": loaded.version, "data": [str(f) for f in data_files],
            "thresholds": list(thresholds)}
    written = write_report(report, out_dir, meta)
    click.echo("wrote " + ", ".join(str(p) for p in written))


@model.command()
@click.option("--model", "model_dirs", multiple=True, required=True,
              type=click.Path(file_okay=False),
              help="Two model artifact directories: the candidate first, then the one to "
                   "compare it with ('default' for the shipped model).")
@click.option("--data", "data_files", multiple=True, required=True,
              type=click.Path(dir_okay=False), help="Labelled CSV or JSONL (repeatable).")
@click.option("--label-as", default=None, help="Read a generic 'label' column as this label.")
@click.option("--rounds", default=2000, show_default=True, type=click.IntRange(100, 100_000),
              help="Bootstrap draws for the interval.")
def compare(model_dirs, data_files, label_as, rounds):
    """Is one model better than another on your labelled data? ROC AUC of both, the
    difference and its 95% interval (paired bootstrap), per label."""
    if len(model_dirs) != 2:
        click.echo("error: give --model twice: the candidate, then the model to compare it "
                   "with", err=True)
        sys.exit(2)
    try:
        models = [_load(d) for d in model_dirs]
        rows = [row for file in data_files for row in read_rows(file, label_as=label_as)]
    except (ModelError, DataError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    texts = [text for text, _ in rows]
    scores = [m.score_batch(texts) for m in models]
    click.echo(f"{models[0].version} against {models[1].version} on {len(rows):,} rows")
    compared = 0
    for label in models[0].labels:
        if label not in models[1].labels:
            continue
        keep = [i for i, (_, found) in enumerate(rows) if label in found]
        y = [rows[i][1][label] for i in keep]
        if len(set(y)) != 2:
            continue
        result = compare_auc(y, [scores[0][i][label] for i in keep],
                             [scores[1][i][label] for i in keep], rounds=rounds)
        low, high = result["interval_95"]
        click.echo(f"{label}: n={result['n']} positive={result['positive']} ROC AUC "
                   f"{result['roc_auc'][0]:.4f} against {result['roc_auc'][1]:.4f}, difference "
                   f"{result['difference']:+.4f} (95% interval {low:+.4f} to {high:+.4f}): "
                   f"{result['verdict']}")
        compared += 1
    if not compared:
        click.echo("error: no label that both models score has positive and negative rows "
                   "in the data; try --label-as", err=True)
        sys.exit(2)


@model.command()
@click.option("--model", "model_dir", type=click.Path(file_okay=False), default=None,
              help="Model artifact directory (default, or 'default': the shipped model).")
@click.option("--data", "data_files", multiple=True, required=True,
              type=click.Path(dir_okay=False),
              help="Your comments, labelled by your moderators: CSV or JSONL with 'text' and "
                   "0/1 columns per label (repeatable). A random sample of what readers "
                   "submit, not the review queue.")
@click.option("--label-as", default=None, help="Read a generic 'label' column as this label.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Directory to write the recalibrated model to.")
def calibrate(model_dir, data_files, label_as, out_dir):
    """Make the scores mean what they say on your own comments: fit the calibration again
    on labelled rows, keeping the weights (the ranking and ROC AUC do not change)."""
    try:
        loaded = _load(model_dir)
        rows = [row for file in data_files for row in read_rows(file, label_as=label_as)]
        recalibrated, report = recalibrate(
            loaded, rows, source=", ".join(Path(f).name for f in data_files))
    except (ModelError, DataError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"model {loaded.version} on {len(rows):,} rows (at least {MIN_PER_CLASS} of "
               "each class per label)")
    for label, entry in report.items():
        if not entry["recalibrated"]:
            click.echo(f"{label}: left as it was: {entry['reason']}")
            continue
        before, after = entry["before"], entry["after"]
        click.echo(f"{label}: n={entry['rows']} positive={entry['positive']} calibration error "
                   f"{before['calibration_error']:.3f} -> {after['calibration_error']:.3f}, "
                   f"Brier {before['brier']:.4f} -> {after['brier']:.4f} (after: each half of "
                   "the rows scored by a calibration fitted on the other half)")
    recalibrated.save(out_dir)
    click.echo(f"wrote model {recalibrated.version} to {out_dir}")


@model.command()
@click.option("--model", "model_dir", type=click.Path(file_okay=False), default=None,
              help="Model artifact directory (default, or 'default': the shipped model).")
@click.option("--input", "input_file", required=True, type=click.Path(dir_okay=False, exists=True),
              help="CSV with a 'text' column.")
@click.option("--output", "output_file", required=True, type=click.Path(dir_okay=False),
              help="CSV to write: the input columns plus one score column per label.")
@click.option("--explain", is_flag=True, help="Add a JSON column with each label's top terms.")
def score(model_dir, input_file, output_file, explain):
    """Add score columns to a CSV that has a 'text' column."""
    try:
        loaded = _load(model_dir)
    except ModelError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    with open(input_file, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        records = list(reader)
    if "text" not in fields:
        click.echo(f"error: {input_file} has no 'text' column", err=True)
        sys.exit(2)
    texts = [r["text"] or "" for r in records]
    scores = loaded.score_batch(texts)
    new = [f"score_{label}" for label in loaded.labels] + (["terms"] if explain else [])
    with open(output_file, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields + [c for c in new if c not in fields])
        writer.writeheader()
        for record, text, s in zip(records, texts, scores, strict=True):
            record.update({f"score_{k}": f"{v:.6f}" for k, v in s.items()})
            if explain:
                record["terms"] = json.dumps(loaded.score(text).terms)
            writer.writerow(record)
    click.echo(f"scored {len(records):,} rows with model {loaded.version} into {output_file}")


if __name__ == "__main__":
    model()
