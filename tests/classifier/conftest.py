"""Fixtures for the classifier: a tiny labelled corpus written in code, and a model on it.

Nothing here reads the public data sets; the corpus is built from short word lists so that
training takes well under a second.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from classifier import Model, TrainParams, train_from_rows

INSULTS = ["idiot", "moron", "loser", "scumbag", "imbecile", "clown", "jerk", "fool"]
NEUTRAL = ["article", "council", "budget", "report", "election", "hospital", "teacher", "match"]
SPAM_BITS = ["earn $500 a day from home at www.cash-{n}.com", "free bitcoin at http://coin{n}.xyz",
             "buy cheap pills at www.pills{n}.net", "work from home, visit www.jobs{n}.info"]
# Small and plain: no identity swaps (tests that want them ask), char n-grams up to 5.
TINY_PARAMS = TrainParams(n_bits=16, char_max=5, C=1.0, seed=0, identity_swap=False)


def tiny_rows(n: int = 240, seed: int = 0) -> list[tuple[str, dict[str, int]]]:
    """``n`` short comments: about a third insults, a third neutral, a third spam."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        kind = i % 3
        if kind == 0:
            text = f"you are a {rng.choice(INSULTS)}, {rng.choice(['honestly', 'really', ''])}"
            if rng.random() < 0.25:  # some noise so that the classes overlap a little
                text = f"the {rng.choice(NEUTRAL)} was a {rng.choice(INSULTS)} of a day"
            rows.append((text, {"abuse": 1, "spam": 0}))
        elif kind == 1:
            text = f"the {rng.choice(NEUTRAL)} report on the {rng.choice(NEUTRAL)} is good"
            if rng.random() < 0.3:  # "you" alone must not tell insults apart
                text = f"you should read the {rng.choice(NEUTRAL)} report, it is good"
            rows.append((text, {"abuse": 0, "spam": 0}))
        else:
            text = rng.choice(SPAM_BITS).format(n=rng.randint(1, 99))
            rows.append((text, {"abuse": 0, "spam": 1}))
        if kind < 2 and rng.random() < 0.1:  # label noise keeps calibrated scores off 0 and 1
            rows[-1] = (rows[-1][0], {"abuse": 1 - rows[-1][1]["abuse"], "spam": 0})
    return rows


@pytest.fixture(scope="session")
def tiny_model() -> Model:
    return train_from_rows(tiny_rows(), params=TINY_PARAMS)


@pytest.fixture
def tiny_csv(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "abuse", "spam"])
        for text, labels in tiny_rows(150, seed=1):
            writer.writerow([text, labels["abuse"], labels["spam"]])
    return path


@pytest.fixture(autouse=True)
def _no_judged_fingerprints(monkeypatch, tmp_path_factory):
    """Training in these tests reads no file outside the repository: without this, the
    recipe would drop rows matching ../shared's held-out fingerprints when it is there."""
    from classifier import recipe

    monkeypatch.setattr(recipe, "HOLDOUT_PRINTS",
                        tmp_path_factory.getbasetemp() / "no-holdout-fingerprints.txt")
