"""A site's own retrained model: promoted only when it beats the current one on the
site's held-out decisions, served without a restart, and rolled back in one step."""

from __future__ import annotations

import itertools
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from service.extensions import db
from service.models import Comment, Status, utcnow
from service.site_models import is_held_out
from tests.conftest import auth
from tests.service.intake.test_submit import GOOD

# The site's moderators reject insults in a local slang the shipped model has never seen,
# written like any other remark: only the site's own decisions can teach it.
SLANG = ["zorblat", "krundle", "feskwit", "blorgan", "snivmuk", "drazzle"]
PLAIN = ["useful", "clear", "detailed", "fair", "careful", "thorough"]
NEUTRAL = ["budget", "library", "harbour", "tram", "council", "school", "market", "bridge"]


def _decided(app: Flask, n: int = 320) -> None:
    """Moderator-decided comments on site news: half slang insults rejected, half approved."""
    pairs = itertools.cycle(itertools.product(SLANG, NEUTRAL))
    with app.app_context():
        for i in range(n):
            slang, topic = next(pairs)
            rejected = i % 2 == 0
            word = slang if rejected else PLAIN[i % len(PLAIN)]
            body = f"the {topic} story is {word} today"
            db.session.add(Comment(
                site="news", thread="t", author_name="A", author_email=f"a{i}@example.org",
                body=f"{body} #{i}", body_fingerprint=f"f{i}",
                status=(Status.REJECTED if rejected else Status.PUBLISHED).value,
                decided_action="hold", reasons=[], scores={}, terms={}, labels=[],
                policy_version="p", model_version="m", created_at=utcnow(),
                decided_at=utcnow(), decided_by="moderator#x"))
        db.session.commit()


def _train(app: Flask, out: Path, *extra: str) -> None:
    result = app.test_cli_runner().invoke(args=[
        "model", "train", "--out", str(out), "--n-bits", "16", "--no-vectors", *extra])
    assert result.exit_code == 0, result.output


def _model_of(client: FlaskClient, key: str, body: str) -> dict:
    answer = client.post("/v1/comments", json={**GOOD, "body": body}, headers=auth(key))
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_promote_refuses_a_worse_model_and_serves_a_better_one(
        app: Flask, client: FlaskClient, site_key: str, other_site_key: str,
        tmp_path: Path) -> None:
    _decided(app)
    with app.app_context():
        held_out = sum(is_held_out(c.id) for c in db.session.query(Comment).all())
    assert held_out >= 30  # one in five of 320 by id hash: about 64, never near 30
    shipped = _model_of(client, site_key, "the tram story is zorblat today")["model_version"]

    # A candidate trained on the opposite of what the moderators decided loses.
    flipped = tmp_path / "flipped.csv"
    lines = ["text,abuse"]
    with app.app_context():
        from service.tools.training_rows import decision_rows

        rows = decision_rows("news", part="train")
    lines += [f"{r['text'].replace(',', ' ')},{1 - r['abuse']}" for r in rows]
    flipped.write_text("\n".join(lines) + "\n", encoding="utf-8")
    worse = tmp_path / "worse"
    _train(app, worse, "--data", str(flipped))
    refused = app.test_cli_runner().invoke(args=["model", "promote", "--site", "news",
                                                 "--candidate", str(worse), "--rounds", "300"])
    assert refused.exit_code != 0
    assert "not promoted" in refused.output and "difference of -" in refused.output
    assert _model_of(client, site_key, "the tram story is krundle")["model_version"] == shipped

    # One trained on the site's decisions (never the held-out ones) wins and is served.
    better = tmp_path / "better"
    _train(app, better, "--from-decisions", "--site", "news")
    promoted = app.test_cli_runner().invoke(args=["model", "promote", "--site", "news",
                                                  "--candidate", str(better),
                                                  "--rounds", "300"])
    assert promoted.exit_code == 0, promoted.output
    assert "news: promoted" in promoted.output
    answer = _model_of(client, site_key, "the harbour story is feskwit today")
    assert answer["model_version"] != shipped
    assert answer["status"] != "published", answer  # the site's own notion of abuse
    # other sites keep the shipped model
    assert _model_of(client, other_site_key, "a plain comment on the budget")[
        "model_version"] == shipped

    back = app.test_cli_runner().invoke(args=["model", "rollback", "--site", "news"])
    assert back.exit_code == 0 and "to the shipped model" in back.output
    assert _model_of(client, site_key, "the market story is drazzle")["model_version"] == shipped
    again = app.test_cli_runner().invoke(args=["model", "rollback", "--site", "news"])
    assert again.exit_code != 0 and "nothing to roll back" in again.output


def test_promote_needs_enough_held_out_decisions(app: Flask, tmp_path: Path) -> None:
    _decided(app, n=20)
    out = tmp_path / "m"
    _train(app, out, "--from-decisions", "--site", "news")
    refused = app.test_cli_runner().invoke(args=["model", "promote", "--site", "news",
                                                 "--candidate", str(out)])
    assert refused.exit_code != 0 and "too few to judge" in refused.output


def test_a_broken_candidate_is_refused(app: Flask, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{}")
    refused = app.test_cli_runner().invoke(args=["model", "promote", "--site", "news",
                                                 "--candidate", str(broken)])
    assert refused.exit_code != 0 and "Traceback" not in refused.output


def test_a_broken_site_model_falls_back_to_the_shipped_one_and_says_so(
        app: Flask, client: FlaskClient, site_key: str, policy_dir: Path) -> None:
    import json

    shipped = _model_of(client, site_key, "the tram story is fine")["model_version"]
    folder = policy_dir.parent / "site-models" / "news"
    (folder / "v1").mkdir(parents=True)
    (folder / "v1" / "manifest.json").write_text("{}")
    (folder / "current.json").write_text(json.dumps({"current": "v1", "previous": None}))
    app.extensions["moderation.runtime"].request_reload()
    assert _model_of(client, site_key, "the tram story is fine")["model_version"] == shipped
    ready = client.get("/readyz").get_json()
    assert "news" in ready["checks"]["model"]["site_models"]
