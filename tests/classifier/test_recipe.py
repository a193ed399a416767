"""The default recipe's fixed held-out split, and clear failures when the data is absent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from classifier import DataError, recipe
from classifier.data import read_rows

REPO = Path(__file__).parents[2]


def test_held_out_share_is_fixed_and_about_right():
    texts = [f"comment number {i}" for i in range(4000)]
    picked = [t for t in texts if recipe.is_held_out(t, 0.15)]
    assert picked == [t for t in texts if recipe.is_held_out(t, 0.15)]
    assert 0.12 < len(picked) / len(texts) < 0.18
    assert not any(recipe.is_held_out(t, 0.0) for t in texts)


def test_hatecheck_is_never_a_training_source():
    assert not any("hatecheck" in source.path for source in recipe.SOURCES)
    assert not any(source.path.endswith("val.csv") for source in recipe.SOURCES)


def test_absent_data_dir_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="public training data not found"):
        recipe.training_rows(tmp_path / "absent")


def test_shipped_examples_file_is_readable():
    from classifier.data import read_rows

    rows = read_rows(recipe.EXAMPLES_PATH)
    assert len(rows) > 300
    assert {label for _, found in rows for label in found} == {"abuse", "spam"}


def test_bench_says_so_and_exits_non_zero_without_data(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench_classifier.py"), "--data-dir",
         str(tmp_path / "absent")], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 2
    assert "public training data not found" in result.stderr


def _fake_data_dir(root: Path) -> Path:
    """Every public file the recipe and the benchmark read, so that they run without the
    shared data: comments of about 100 characters, both classes on each side of every
    held-out split."""
    files = {source.path: source.holdout for source in recipe.SOURCES}
    for file, _, _ in recipe.EVAL_SPLITS.values():
        files.setdefault(file, 0.0)
    for i, (file, share) in enumerate(sorted(files.items())):
        need = {(held, label): 2 for held in ({False, True} if share else {False})
                for label in (0, 1)}
        lines, k = ["text,label,source_label"], 0
        while any(need.values()):
            label = k % 2
            text = f"file {i} comment {k} " + ("you are a worthless idiot " if label
                                                else "the council met on tuesday ") * 3
            key = (recipe.is_held_out(text, share), label)
            if need.get(key, 0) > 0:
                need[key] -= 1
                lines.append(f"{text},{label},{'hateful' if label else 'non-hateful'}|case_{k % 3}")
            k += 1
        path = root / file
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_example_files_are_read_in_order_with_their_weight(tmp_path):
    data_dir = _fake_data_dir(tmp_path / "data")
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("text,abuse,spam\nfirst,1,0\n", encoding="utf-8")
    second.write_text("text,abuse,spam\nsecond,0,1\nthird,0,0\n", encoding="utf-8")
    rows, weights, described = recipe.training_rows(data_dir, [first, second], 7.5)
    public = len(rows) - 3
    assert [text for text, _ in rows[-3:]] == ["first", "second", "third"]
    assert weights[-3:] == [7.5] * 3
    assert described[-2:] == ["a.csv: 1 rows, weight 7.5", "b.csv: 2 rows, weight 7.5"]
    # the default: the project's examples file at the recipe's weight
    rows, weights, _ = recipe.training_rows(data_dir)
    assert weights[-1] == recipe.EXAMPLES_WEIGHT
    assert len(rows) == public + sum(len(read_rows(p)) for p in recipe.EXAMPLES_PATHS)


def test_bench_scores_every_split_and_the_project_files(tmp_path):
    data_dir = _fake_data_dir(tmp_path / "data")
    project = tmp_path / "news.csv"
    project.write_text("text,abuse,spam\nyou are a worthless idiot,1,0\nthanks for the report,0,0\n"
                       "buy pills at www.pills1.net,0,1\nwhat a moron you are,1,0\n"
                       "the mayor spoke well,0,0\nearn $500 a day at www.cash2.com,0,1\n",
                       encoding="utf-8")
    (tmp_path / "other").mkdir()
    same_name = tmp_path / "other" / "news.csv"  # kept apart from news.csv by its path
    same_name.write_text(project.read_text(encoding="utf-8"), encoding="utf-8")
    only_abuse = tmp_path / "insults.csv"  # one class only: no ROC AUC, so left out
    only_abuse.write_text("text,abuse\nyou idiot,1\nyou moron,1\n", encoding="utf-8")
    out = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench_classifier.py"), "--data-dir",
         str(data_dir), "--skip-peers", "--skip-reference", "--project-file", str(project),
         "--project-file", str(same_name), "--project-file", str(only_abuse),
         "--json", str(out)],
        capture_output=True, text=True, cwd=REPO, timeout=600)
    assert result.returncode == 0, result.stderr
    results = json.loads(out.read_text())
    assert set(results["splits"]) == {*recipe.EVAL_SPLITS, "news (abuse)", "news (spam)",
                                      f"{same_name} (abuse)", f"{same_name} (spam)"}
    news = next(iter(results["splits"]["news (abuse)"].values()))
    assert news["n"] == 6 and news["positive"] == 2
    (timing,) = results["timing"].values()
    assert timing["single_median_ms"] > 0 and timing["batch_per_s"] > 0
    assert "news (spam)" in result.stdout
    assert "insults.csv: abuse left out, it needs rows of both classes" in result.stdout


def test_training_drops_texts_the_project_is_judged_on():
    judged = "Somebody should teach that reporter a lesson, tonight."
    prints = frozenset({recipe._judged_fingerprint(judged.upper().replace(",", ""))})
    rows = [(judged, {"abuse": 1}), ("A fair report on the trial.", {"abuse": 0}),
            ("ok then", {"abuse": 0})]
    kept, dropped = recipe.drop_judged(rows, prints)
    # the fingerprint ignores case and punctuation, as holdout_check.py does
    assert dropped == 1 and [t for t, _ in kept] == ["A fair report on the trial.", "ok then"]
