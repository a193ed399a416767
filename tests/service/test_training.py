"""``moderation model train --from-decisions``: a site retrains on its moderators' verdicts."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import auth
from tests.service.test_review import hold

NICE = ["Thanks for the clear report on the new library hours",
        "I agree with the council decision on the bus lanes",
        "Good article, the photos of the harbour are lovely"]
NASTY = ["You are a pathetic moron and everyone laughs at you",
         "Shut up you stupid idiot nobody wants you here",
         "What a disgusting worthless loser you are"]


def test_training_on_decisions_separates_them(app: Flask, client: FlaskClient, site_key: str,
                                              moderator_key: str, tmp_path: Path) -> None:
    from classifier import load_model

    links = " http://a.example http://b.example http://c.example"
    for round_ in range(4):
        for text, action in [*[(t, "approve") for t in NICE], *[(t, "reject") for t in NASTY]]:
            held = hold(client, site_key, body=f"{text} {round_}{links}")["id"]
            response = client.post(f"/v1/review/comments/{held}/decision",
                                   json={"action": action}, headers=auth(moderator_key))
            assert response.status_code == 200
    out = tmp_path / "model"
    result = app.test_cli_runner().invoke(args=["model", "train", "--from-decisions",
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "24 moderator decisions (12 abuse, 0 spam)" in result.output
    model = load_model(out)
    nasty = model.score("you pathetic stupid moron").scores["abuse"]
    nice = model.score("thanks for the clear report").scores["abuse"]
    assert nasty > nice


def test_from_decisions_with_none_yet(app: Flask, tmp_path: Path) -> None:
    result = app.test_cli_runner().invoke(args=["model", "train", "--from-decisions",
                                                "--out", str(tmp_path / "m")])
    assert result.exit_code != 0
    assert "no moderator decisions" in result.output
