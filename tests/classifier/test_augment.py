"""Counterfactual identity swaps: what they change in a text, and what they teach a model."""

from __future__ import annotations

import random
from dataclasses import replace

from classifier import train_from_rows
from classifier.augment import counterfactuals, swap_identities

from .conftest import TINY_PARAMS


def test_groups_are_swapped_consistently_and_in_the_same_case():
    swapped = swap_identities("Muslims say MUSLIMS are welcome; muslims agree", random.Random(1))
    assert swapped is not None
    first, second, third = (swapped.split(" say ")[0], swapped.split(" say ")[1].split(" are")[0],
                            swapped.split("; ")[1].removesuffix(" agree"))
    assert first.lower() == second.lower() == third.lower() != "muslims"
    assert first[0].isupper() and second.isupper() and third.islower()


def test_only_names_of_groups_are_swapped():
    rng = random.Random(0)
    for text in ("a black car and a white van", "oh man, the boys in blue", "what an idiot",
                 "Muslimsville is a town", "telephone poles", "polish your shoes",
                 "I disabled the alarm", "trans fats in the Indian Ocean"):
        assert swap_identities(text, rng) is None, text
    swapped = swap_identities("I hate black people, you idiot", rng)
    assert swapped is not None and swapped.endswith(", you idiot")
    assert "black people" not in swapped


def test_two_groups_stay_two_different_groups():
    for seed in range(30):
        swapped = swap_identities("muslims and christians", random.Random(seed))
        assert swapped is not None
        first, second = swapped.split(" and ")
        assert first != second and {first, second}.isdisjoint({"muslims", "christians"})


def test_counterfactuals_are_seeded():
    texts = ["women in sport", "nothing", "gay people and immigrants", "the jew said"]
    first = counterfactuals(texts, seed=3)
    assert first == counterfactuals(texts, seed=3)
    assert first[0] == [0, 2, 3]


def _group_rows():
    """Abuse names Muslims only; acceptable text names Christians only."""
    rng = random.Random(0)
    bad = ["are vermin", "are scum", "should be thrown out", "are filth", "disgust me"]
    good = ["held a bake sale", "opened a food bank", "met the mayor", "ran a marathon",
            "sang at the fair"]
    rows = []
    for _ in range(120):
        rows.append((f"the muslims {rng.choice(bad)}", {"abuse": 1}))
        rows.append((f"the christians {rng.choice(good)}", {"abuse": 0}))
        rows.append((f"my neighbours {rng.choice(good)}", {"abuse": 0}))
        rows.append((f"those people {rng.choice(bad)}", {"abuse": 1}))
    return rows


def test_swapping_stops_a_group_name_from_deciding_the_score():
    def scores(params):
        model = train_from_rows(_group_rows(), params=params)
        return [model.score(text).scores["abuse"] for text in (
            "the muslims met the mayor", "the christians met the mayor",
            "the christians are vermin")]

    plain = scores(TINY_PARAMS)
    swapped = scores(replace(TINY_PARAMS, identity_swap=True))
    # without copies the name alone decides: harmless news about Muslims is held, and
    # calling Christians vermin passes
    assert plain[0] - plain[1] > 0.5 and plain[2] < 0.5
    # with them, what is said decides
    assert swapped[0] - swapped[1] < 0.1 and swapped[2] > 0.5
