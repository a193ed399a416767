"""A shadow rule on live traffic: no outcome changes; moderators and metrics see its hits."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from tests.conftest import auth
from tests.service.intake.test_submit import GOOD, post

SHADOW_RULE = """
rules:
  - id: trial-words
    mode: shadow
    when: {body: {has_word: [blatherskite]}}
    action: hold
    reason:
      en: Held for a word on trial.
      ru: Задержан из-за проверяемого слова.
"""


def test_a_shadow_rule_changes_no_outcome_and_shows_only_to_moderators(
        client: FlaskClient, site_key: str, moderator_key: str, policy_dir: Path) -> None:
    default = policy_dir / "default.yaml"
    default.write_text(default.read_text() + SHADOW_RULE)
    body_text = "The word blatherskite appears in the council minutes."
    answer = post(client, site_key, {**GOOD, "body": body_text})
    body = answer.get_json()
    assert answer.status_code == 201 and body["status"] == "published"
    assert "trial-words" not in [r["rule"] for r in body["reasons"]]
    item = client.get(f"/v1/review/comments/{body['id']}", headers=auth(moderator_key))
    shadow = [r for r in item.get_json()["reasons"] if r["rule"] == "trial-words"]
    assert shadow == [{**shadow[0], "shadow": True, "action": "hold"}]
    # the reader reading it back is not told either
    read = client.get(f"/v1/comments/{body['id']}", headers=auth(site_key)).get_json()
    assert "trial-words" not in [r["rule"] for r in read["reasons"]]
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'moderation_shadow_matches_total{action="hold",rule="trial-words"} 1.0' in metrics


def test_a_shadow_rules_hit_is_not_in_the_sites_events(app, client: FlaskClient,  # noqa: ANN001
                                                       site_key: str, policy_dir: Path) -> None:
    from tests.service.review.test_review import LINKS

    app.config["EVENTS_FEED_LAG_SECONDS"] = 0
    default = policy_dir / "default.yaml"
    default.write_text(default.read_text() + SHADOW_RULE)
    held = post(client, site_key, {**GOOD, "body": LINKS + " What a blatherskite."}).get_json()
    assert held["status"] == "pending"
    feed = client.get("/v1/events", headers=auth(site_key)).get_json()["items"]
    sent = [e["comment"]["reasons"] for e in feed if e["comment"]["id"] == held["id"]]
    assert sent and all("trial-words" not in [r["rule"] for r in reasons] for reasons in sent)
    assert [r["rule"] for r in sent[0]] == ["many-links"]
