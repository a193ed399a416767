"""The default recipe's fixed held-out split, and clear failures when the data is absent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from classifier import DataError, recipe

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
