"""Hashed features: stable across processes, blind to evasions, equal on both code paths."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from classifier.features import DENSE_NAMES, TERM_WEIGHTINGS, HashedFeaturizer

F = HashedFeaturizer(n_bits=18)


def hashed(text: str) -> np.ndarray:
    row = F.transform([text])
    return row[:, : 1 << F.n_bits].toarray()


@pytest.mark.parametrize("evasion", ["1d10t", "іdіot", "ＩＤＩＯＴ", "i\u200bdiot", "ìdìot",
                                     "i d i o t", "i.d.i.o.t"])
def test_evasions_give_the_hashed_features_of_the_plain_word(evasion):
    assert np.array_equal(hashed(f"you {evasion}"), hashed("you idiot"))


def test_hashing_does_not_depend_on_the_process():
    """Python's hash() is randomised per process; ours must not be."""
    code = ("from classifier.features import HashedFeaturizer as H;"
            "print(H(n_bits=18).features('stable hashing, please').char_index[:20].tolist())")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, env={"PYTHONHASHSEED": seed, "PATH": ""},
                           cwd=str(Path(__file__).parents[2])).stdout
            for seed in ("1", "2")}
    assert len(runs) == 1
    assert runs.pop().strip() == str(F.features("stable hashing, please").char_index[:20].tolist())


@pytest.mark.parametrize("tf", TERM_WEIGHTINGS)
def test_matrix_row_matches_the_single_text_path(tf):
    featurizer = HashedFeaturizer(n_bits=18, tf=tf)
    text = "Visit www.example.com NOW!!! 0800123456 you fool, you fool"
    row = featurizer.transform([text]).toarray()[0]
    f = featurizer.features(text)
    expected = np.zeros(featurizer.n_features)
    np.add.at(expected, f.char_index, f.char_values)
    np.add.at(expected, f.word_index, f.word_values)
    expected[1 << featurizer.n_bits:] = f.dense
    assert np.allclose(row, expected, atol=1e-6)
    assert len(f.dense) == len(DENSE_NAMES)


@pytest.mark.parametrize("text", ["you fool", "  a  bb ccc!! ", "😀 x", "...", "", "one"])
def test_each_character_ngram_is_credited_to_the_word_it_is_centred_on(text):
    """Explanations credit an n-gram to the word around its middle character, else to the
    next word, else to the last one."""
    f = F.features(text)
    expected = []
    for n in f.char_lengths:
        for start in range(len(f.text) - n + 1):
            middle = start + n // 2
            after = [i for i, (_, end) in enumerate(f.word_spans) if end > middle]
            expected.append(after[0] if after else max(len(f.words) - 1, 0))
    assert f.char_owners().tolist() == expected
    assert len(expected) == len(f.char_index)


def test_term_weightings():
    """count: each occurrence adds the same; binary and log: repeats count once or less."""
    text = "fool fool fool fool"
    width = 1 << 18
    rows = {tf: HashedFeaturizer(n_bits=18, tf=tf).transform([text])[:, :width].toarray()[0]
            for tf in TERM_WEIGHTINGS}
    word = HashedFeaturizer(n_bits=18).features(text).word_index[0]
    assert rows["count"][word] > rows["log"][word] > rows["binary"][word] > 0
    for tf in ("binary", "log"):  # the character block has unit length, the word block 0.5
        assert float(rows[tf] @ rows[tf]) == pytest.approx(1.25, rel=1e-5)


@pytest.mark.parametrize("text", ["", " ", "a", "!!", "😀😀😀", "x" * 5000])
def test_any_text_featurises(text):
    matrix = F.transform([text])
    assert matrix.shape == (1, F.n_features)
    assert np.all(np.isfinite(matrix.data))


def test_signals_see_links_and_capitals():
    f = F.features("BUY NOW YOU FOOL at http://www.shop.example.com")
    assert f.dense[0] > 0 and f.dense[1] > 0.3
