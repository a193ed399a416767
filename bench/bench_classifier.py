"""Benchmark the abuse and spam classifier against peers and a reference model.

    .venv/bin/python bench/bench_classifier.py [--data-dir ../shared/data] [--model DIR]
    .venv/bin/python bench/bench_classifier.py --select '{"n_bits": [20, 21], "C": [4, 8]}'

Side by side on the evaluation splits of the default recipe (``classifier.recipe``):
our model; ``alt-profanity-check`` and ``hatesonar`` (benchmark-only packages, skipped with
a message when they cannot be imported or run); and a reference model (TF-IDF word 1-2 and
char 2-5 grams + logistic regression) trained on the same training rows as ours.  Prints
ROC AUC, average precision and F1 at 0.5 per split, the median time of a single call on a
~100-character comment (the systems take turns, three rounds, so that a machine whose
speed drifts slows them alike), comments per second in batches of 1,000, and our accuracy per
HateCheck functionality.  Exits 2 when the public data folder is absent.

``--select GRID`` chooses training settings without looking at any evaluation split: it
keeps back a seeded 15% of the default recipe's *training* rows (not the project's
examples), fits the abuse model on the rest for every combination in the grid (a JSON
object of ``TrainParams`` field -> list of values) and prints the validation ROC AUC per
source and their mean.  With ``--news-val FILE`` (a CSV or JSONL of labelled comments
that training does not read, such as ``data/news_validation.csv``) it also prints the
ROC AUC on those rows (``news``) and ``score``, the average of ``mean`` and ``news``: the
criterion when news-like text that no training source resembles should count as much as the
training sources together.

``--project-file FILE`` (repeatable) adds a labelled file of the project's own, such as
``data/news_validation.csv``, as one more split per label it holds, scored by every system:
news-site comments, the text the model is for, which no public set resembles.  Give
``data/news_test.csv`` only to measure a decision already taken (see docs/model.md).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import sys
import time
import warnings
import zlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_speed import medians_in_turns  # noqa: E402  (beside this script)

from classifier import DEFAULT_MODEL_PATH, load_model, recipe  # noqa: E402
from classifier.augment import counterfactuals  # noqa: E402
from classifier.data import read_rows  # noqa: E402
from classifier.errors import DataError  # noqa: E402
from classifier.evaluation import binary_metrics, compare_auc  # noqa: E402
from classifier.training import TrainParams, build_pipeline, fit_weights, idf_factors  # noqa: E402

Batch = Callable[[Sequence[str]], dict[str, np.ndarray]]
Single = Callable[[str], object]


class System:
    """A scorer under test: a batch function returning {label: scores} and a single call."""

    def __init__(self, name: str, batch: Batch, single: Single, labels: Sequence[str]):
        self.name, self.batch, self.single, self.labels = name, batch, single, tuple(labels)


def ours(model_dir: Path) -> System:
    model = load_model(model_dir)

    def batch(texts):
        scores = model.score_batch(list(texts))
        return {label: np.array([s[label] for s in scores]) for label in model.labels}

    return System(f"ours ({model.version})", batch, model.score, model.labels)


def profanity_check() -> System:
    from profanity_check import predict_prob

    return System("alt-profanity-check", lambda t: {"abuse": predict_prob(list(t))},
                  lambda t: predict_prob([t]), ["abuse"])


def hatesonar() -> System:
    from hatesonar import Sonar

    sonar = Sonar()

    def one(text: str) -> float:
        result = sonar.ping(text=text)
        return 1.0 - next(c["confidence"] for c in result["classes"]
                          if c["class_name"] == "neither")

    return System("hatesonar (1 - P(neither))",
                  lambda texts: {"abuse": np.array([one(t) for t in texts])}, one, ["abuse"])


def reference(rows, weights) -> System:
    """TF-IDF word 1-2 + char 2-5 + logistic regression, per label, on our training rows."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, make_pipeline

    pipes = {}
    weights = np.asarray(weights)
    for label in ("abuse", "spam"):
        keep = [i for i, (_, found) in enumerate(rows) if label in found]
        texts = [rows[i][0] for i in keep]
        y = np.array([rows[i][1][label] for i in keep])
        features = FeatureUnion([
            ("word", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True,
                                     dtype=np.float32)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                                     sublinear_tf=True, dtype=np.float32)),
        ])
        pipe = make_pipeline(features, LogisticRegression(C=4.0, solver="liblinear"))
        pipe.fit(texts, y, logisticregression__sample_weight=weights[keep])
        pipes[label] = pipe

    def batch(texts):
        return {label: p.predict_proba(list(texts))[:, 1] for label, p in pipes.items()}

    return System("reference tfidf+LR", batch,
                  lambda t: [p.predict_proba([t]) for p in pipes.values()], list(pipes))


def by_language(file: str, rows: Sequence) -> list[tuple[str, list]]:
    """The rows of ``file`` per value of its ``lang`` column (none when it has none)."""
    with open(file, encoding="utf-8", newline="") as fh:
        langs = [record.get("lang") or "" for record in csv.DictReader(fh)]
    if not any(langs) or len(langs) != len(rows):
        return []
    return [(lang, [row for row, of in zip(rows, langs, strict=True) if of == lang])
            for lang in sorted(set(langs)) if lang]


def single_call_medians(systems: Sequence[System], short: Sequence[str],
                        rounds: int = 3) -> list[float]:
    """Median ms of one single call per system. Each system scores all of ``short`` in a
    block (its caches warm, as when it serves alone), and the blocks take turns, ``rounds``
    times, so that a machine whose speed drifts during the run slows all of them alike.
    (Taking turns call by call instead lets each system evict the others' data from the CPU
    caches: in a trial run our model and hatesonar came out 2.0 and 2.8 times slower than an
    hour before, while the machine itself had slowed by at most 1.7 times.)"""
    for system in systems:
        for text in short[:20]:
            system.single(text)
    return medians_in_turns([system.single for system in systems], [short] * rounds)


def batch_rate(system: System, many: Sequence[str]) -> float:
    """Comments per second in batches of 1,000 (three batches)."""
    batches = [many[i:i + 1000] for i in range(0, len(many), 1000)][:3]
    start = time.perf_counter()
    for chunk in batches:
        system.batch(chunk)
    return sum(map(len, batches)) / (time.perf_counter() - start)


def hatecheck_functionalities(system: System, data_dir: Path) -> dict[str, tuple[float, int]]:
    """Accuracy at 0.5 per HateCheck functionality (the last part of ``source_label``)."""
    with open(data_dir / "hatecheck/test_suite_cases.csv", encoding="utf-8", newline="") as fh:
        records = list(csv.DictReader(fh))
    scores = system.batch([r["text"] for r in records])["abuse"]
    groups: dict[str, list[bool]] = defaultdict(list)
    for record, score in zip(records, scores, strict=True):
        right = (score >= 0.5) == (record["label"] == "1")
        groups[record["source_label"].split("|")[-1]].append(right)
    return {k: (float(np.mean(v)), len(v)) for k, v in sorted(groups.items())}


SELECT_SEED = 777
SELECT_SHARE = 0.15


def select(data_dir: Path, grid: dict[str, list], news: Path | None = None,
           examples: dict | None = None) -> list[dict]:
    """Validation ROC AUC of the abuse model per setting, on rows carved out of training.

    ``news``: a labelled file that training does not read, validated on as well;
    ``examples``: ``training_rows`` arguments for the project's examples.
    """
    from sklearn.metrics import roc_auc_score

    news_rows = [r for r in read_rows(news) if "abuse" in r[1]] if news else []
    news_texts = [t for t, _ in news_rows]
    news_y = np.array([found["abuse"] for _, found in news_rows])

    rows, weights, described = recipe.training_rows(data_dir, **(examples or {}))
    sources = [d.split(":")[0] for d in described]
    counts = [int(d.split(": ")[1].split()[0]) for d in described]
    origin = np.repeat(np.arange(len(sources)), counts)
    keep = np.array([i for i, (_, found) in enumerate(rows) if "abuse" in found])
    texts = [rows[i][0] for i in keep]
    y = np.array([rows[i][1]["abuse"] for i in keep])
    w, src = np.asarray(weights)[keep], origin[keep]
    val = np.array([  # the public sets come first; the project's examples are never validated on
        zlib.crc32(f"val{SELECT_SEED}:{t}".encode("utf-8", "surrogatepass")) % 10_000
        < SELECT_SHARE * 10_000 for t in texts]) & (src < len(recipe.SOURCES))
    print(f"fitting on {(~val).sum():,} training rows, validating on {val.sum():,}")
    out, matrices = [], {}
    feature_keys = [k for k in grid
                    if k not in {"C", "max_iter", "idf", "nb", "nb_alpha", "nb_mix",
                                 "identity_swap"}]
    for combo in itertools.product(*grid.values()):
        setting = dict(zip(grid, combo, strict=True))
        params = TrainParams(**setting)
        key = tuple(setting[k] for k in feature_keys)
        if key not in matrices:
            featurizer = build_pipeline(params).named_steps["features"]
            matrices = {key: (featurizer, featurizer.transform(texts),
                              featurizer.transform(news_texts) if news_rows else None)}
        featurizer, x, x_news = matrices[key]
        x_fit, y_fit, w_fit = x[~val], y[~val], w[~val]
        if params.identity_swap:  # as in training: copies of the fit rows only
            of, copies = counterfactuals([texts[i] for i in np.flatnonzero(~val)], params.seed)
            x_fit = sp.vstack([x_fit, featurizer.transform(copies)]).tocsr()
            y_fit, w_fit = np.concatenate([y_fit, y_fit[of]]), np.concatenate([w_fit, w_fit[of]])
        # fitted as in training (IDF over all rows, copies excluded; naive-Bayes ratios and
        # the NB mix on the fit rows only)
        idf = idf_factors(x, params.n_bits) if params.idf else None
        learnt, _ = fit_weights(x_fit, y_fit, w_fit, params, params.n_bits, idf)
        stored = learnt.astype(params.weight_dtype).astype(np.float32)
        margins = np.asarray(x[val] @ stored).ravel()
        per = {sources[s].split("/")[0]: float(roc_auc_score(y[val][src[val] == s],
                                                             margins[src[val] == s]))
               for s in np.unique(src[val])}
        result = {**setting, "mean": float(np.mean(list(per.values())))}
        if news_rows:
            result["news"] = float(roc_auc_score(news_y, np.asarray(x_news @ stored).ravel()))
            result["score"] = (result["mean"] + result["news"]) / 2
        result.update(per)
        out.append(result)
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v
                          for k, v in result.items()}), flush=True)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--model", default=str(DEFAULT_MODEL_PATH))
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--json", dest="json_out", default=None, help="Also write results here.")
    parser.add_argument("--select", default=None, metavar="GRID",
                        help="Choose settings on a validation part of the training rows.")
    parser.add_argument("--news-val", default=None, metavar="FILE",
                        help="With --select: also validate on this file, which training "
                             "does not read.")
    parser.add_argument("--examples", action="append", default=None, metavar="FILE",
                        help="The project's example files for --select and the reference "
                             "(repeatable; default: data/news_examples.csv).")
    parser.add_argument("--examples-weight", type=float, default=recipe.EXAMPLES_WEIGHT)
    parser.add_argument("--project-file", action="append", default=[], metavar="FILE",
                        help="Also evaluate every system on this labelled file of the "
                             "project's (repeatable).")
    args = parser.parse_args(argv)
    if not args.examples_weight >= 0:
        parser.error("--examples-weight must be 0 or more")
    if args.select and args.project_file:
        parser.error("--project-file is for the benchmark; with --select, use --news-val")
    examples = {"examples": args.examples or recipe.EXAMPLES_PATHS,
                "examples_weight": args.examples_weight}
    try:
        data_dir = recipe.check_data_dir(args.data_dir)
    except DataError as exc:
        print(f"bench_classifier: {exc}", file=sys.stderr)
        return 2
    if args.select:
        news = Path(args.news_val) if args.news_val else None
        try:
            results = select(data_dir, json.loads(args.select), news, examples)
        except DataError as exc:  # e.g. an unreadable --news-val file
            print(f"bench_classifier: {exc}", file=sys.stderr)
            return 2
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(results, indent=2) + "\n")
        return 0

    # name -> (label, rows)
    splits = {name: (recipe.EVAL_SPLITS[name][1], recipe.eval_rows(name, data_dir))
              for name in recipe.EVAL_SPLITS}
    try:
        for file in args.project_file:
            all_rows = read_rows(file)
            # a file with a ``lang`` column is also measured language by language
            for lang, rows in [("", all_rows), *by_language(file, all_rows)]:
                for label in ("abuse", "spam"):
                    labelled = [(text, found) for text, found in rows if label in found]
                    stem = f"{Path(file).stem} [{lang}]" if lang else Path(file).stem
                    name = f"{stem} ({label})"
                    if name in splits:  # two files of one name: tell them apart by their path
                        name = f"{file}{f' [{lang}]' if lang else ''} ({label})"
                    if len({found[label] for _, found in labelled}) == 2:
                        splits[name] = (label, labelled)
                    elif labelled and not lang:
                        print(f"{file}: {label} left out, it needs rows of both classes")
    except DataError as exc:
        print(f"bench_classifier: {exc}", file=sys.stderr)
        return 2
    systems = [ours(Path(args.model))]
    if not args.skip_peers:
        for factory in (profanity_check, hatesonar):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    system = factory()
                    system.single("warm up")
                systems.append(system)
            except Exception as exc:  # noqa: BLE001 - report any failure of a peer and go on
                print(f"peer {factory.__name__} unavailable: {type(exc).__name__}: {exc}")
    if not args.skip_reference:
        print("training the reference model on our training rows (takes a few minutes)...")
        rows, weights, _ = recipe.training_rows(data_dir, **examples)
        start = time.perf_counter()
        systems.append(reference(rows, weights))
        print(f"  trained in {time.perf_counter() - start:.0f} s")

    results: dict = {"splits": {}, "timing": {}}
    print(f"\n{'split':<24} {'label':<6} {'n':>6} {'pos':>5}  "
          f"{'system':<34} {'ROC AUC':>8} {'AP':>7} {'F1@0.5':>7} {'ECE':>6}")
    for name, (label, rows) in splits.items():
        texts = [t for t, _ in rows]
        y = [found[label] for _, found in rows]
        scored = {}
        for system in systems:
            if label not in system.labels:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                probs = scored[system.name] = system.batch(texts)[label]
            m = binary_metrics(y, probs, (0.5,))
            results["splits"].setdefault(name, {})[system.name] = m
            f1 = m["at"]["0.5"]["f1"]
            print(f"{name:<24} {label:<6} {len(y):>6} {sum(y):>5}  {system.name:<34} "
                  f"{m['roc_auc']:>8.4f} {m['average_precision']:>7.4f} {f1:>7.4f} "
                  f"{m['calibration_error']:>6.3f}")
        # Is a lead a lead? Paired bootstrap of ROC AUC, ours minus each other system.
        ours_name, *others = scored
        for other in others:
            c = compare_auc(y, scored[ours_name], scored[other], rounds=1000)
            results["splits"][name][other]["ours_minus_this"] = c
            low, high = c["interval_95"]
            print(f"{'':<24} {'':<6} {'':>6} {'':>5}  ours - {other:<27} {c['difference']:+8.4f} "
                  f"[{low:+.4f}, {high:+.4f}] {c['verdict']}")
        print()

    pool = [t for name, (_, rows) in splits.items() if name in recipe.EVAL_SPLITS
            for t, _ in rows]
    short = [t for t in pool if 80 <= len(t) <= 120][:500]
    many = (pool * 2)[:3000]
    print(f"timing: single calls on {len(short)} comments of 80-120 characters, the "
          f"systems taking turns, three rounds; batches of 1,000 from the evaluation texts")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        medians = single_call_medians(systems, short)
        rates = [batch_rate(system, many) for system in systems]
    for system, median_ms, rate in zip(systems, medians, rates, strict=True):
        results["timing"][system.name] = {"single_median_ms": median_ms, "batch_per_s": rate}
        print(f"  {system.name:<34} single median {median_ms:8.3f} ms   "
              f"batch {rate:10,.0f} comments/s")

    print("\nHateCheck accuracy at 0.5 per functionality (ours):")
    per_function = hatecheck_functionalities(systems[0], data_dir)
    results["hatecheck_functionalities"] = per_function
    for func, (acc, n) in per_function.items():
        print(f"  {func:<28} {acc:6.3f}  (n={n})")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
