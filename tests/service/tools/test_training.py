"""``moderation model train --from-decisions``: a site retrains on its moderators' verdicts."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import auth
from tests.service.review.test_review import hold, links

NICE = ["Thanks for the clear report on the new library hours",
        "I agree with the council decision on the bus lanes",
        "Good article, the photos of the harbour are lovely"]
SPAM = ["Cheap watches and bags at our shop, best prices online",
        "Earn money from home with this one simple crypto trick"]
NASTY = ["You are a pathetic moron and everyone laughs at you",
         "Shut up you stupid idiot nobody wants you here",
         "What a disgusting worthless loser you are"]


def test_training_on_decisions_separates_them(app: Flask, client: FlaskClient, site_key: str,
                                              moderator_key: str, tmp_path: Path,
                                              policy_dir: Path) -> None:
    from classifier import load_model

    # This site holds spam for its moderators rather than rejecting it outright.
    (policy_dir / "news.yaml").write_text("extends: default.yaml\n"
                                          "thresholds: {spam: {hold: 0.7}}\n")
    for round_ in range(4):
        cases = [*[(t, "approve", "") for t in NICE],
                 *[(t, "reject", "Personal attack") for t in NASTY],
                 *[(t, "reject", "Advertising spam") for t in SPAM]]
        for text, action, reason in cases:
            held = hold(client, site_key, body=f"{text} {round_}. {links(round_)}")["id"]
            response = client.post(f"/v1/review/comments/{held}/decision",
                                   json={"action": action, "reason": reason},
                                   headers=auth(moderator_key))
            assert response.status_code == 200
    out = tmp_path / "model"
    result = app.test_cli_runner().invoke(args=["model", "train", "--from-decisions",
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    from service.tools.training_rows import decision_rows

    with app.app_context():  # one in five decisions is held out for `model promote`
        rows = decision_rows(part="train")
        held_out = decision_rows(part="held_out")
    assert len(rows) + len(held_out) == 32 and 0 < len(held_out) < 16
    assert (f"{len(rows)} moderator decisions (one in five held out for `model promote`: "
            f"{sum(r['abuse'] for r in rows)} abuse, {sum(r['spam'] for r in rows)} spam)"
            ) in result.output
    model = load_model(out)
    nasty = model.score("you pathetic stupid moron").scores["abuse"]
    nice = model.score("thanks for the clear report").scores["abuse"]
    assert nasty > nice


def test_from_decisions_with_none_yet(app: Flask, tmp_path: Path) -> None:
    result = app.test_cli_runner().invoke(args=["model", "train", "--from-decisions",
                                                "--out", str(tmp_path / "m")])
    assert result.exit_code != 0
    assert "no moderator decisions" in result.output


def test_the_libraries_own_commands_stay_free_of_flask(app: Flask, tmp_path: Path) -> None:
    """Creating an app gives its CLI --from-decisions and backtest, but the libraries' own
    command groups (python -m classifier.cli, the policy linter) must not start needing an
    app: they run on machines and in processes where there is none."""
    from click.testing import CliRunner

    from classifier.cli import model
    from policy_engine.cli import policy
    from tests.classifier.conftest import tiny_rows

    app_train = app.cli.commands["model"].commands["train"]
    assert "from_decisions" in {p.name for p in app_train.params}
    assert "backtest" in app.cli.commands["policy"].commands
    assert "from_decisions" not in {p.name for p in model.commands["train"].params}
    assert "backtest" not in policy.commands

    data = tmp_path / "rows.csv"
    data.write_text("text,abuse,spam\n" + "".join(
        f"{text.replace(',', ' ')},{found['abuse']},{found['spam']}\n"
        for text, found in tiny_rows(120)), encoding="utf-8")
    result = CliRunner().invoke(model, ["train", "--data", str(data), "--out",
                                        str(tmp_path / "m"), "--n-bits", "16", "--no-vectors"])
    assert result.exit_code == 0, result.output
