"""Per-story settings: a desk pre-moderates, closes or holds links on one article."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import auth
from tests.service.intake.test_submit import GOOD, post


def settings(client: FlaskClient, key: str, thread: str, **body: object):  # noqa: ANN201
    return client.put(f"/v1/threads/{thread}/settings", json=body, headers=auth(key))


def test_a_pre_moderated_story_holds_a_clean_comment(client: FlaskClient, site_key: str,
                                                     other_site_key: str) -> None:
    assert settings(client, site_key, "trial-verdict", moderation="pre").get_json()[
        "moderation"] == "pre"
    held = post(client, site_key, {**GOOD, "thread": "trial-verdict",
                                   "body": "Life for the leader of the cell is justice."}
                ).get_json()
    assert held["status"] == "pending"
    assert [r["rule"] for r in held["reasons"]] == ["thread:pre"]
    assert "reviewed before" in held["reasons"][0]["message"]
    # other stories, and the same story name on another site, are not touched
    assert post(client, site_key, GOOD).get_json()["status"] == "published"
    assert post(client, other_site_key, {**GOOD, "thread": "trial-verdict",
                                         "body": "A fair and careful verdict, it seems."}
                ).get_json()["status"] == "published"


def test_a_closed_story_refuses_a_comment_in_the_readers_language(
        client: FlaskClient, site_key: str) -> None:
    settings(client, site_key, "old-story", moderation="closed")
    refused = client.post("/v1/comments", json={**GOOD, "thread": "old-story"},
                          headers={**auth(site_key), "Accept-Language": "ru"})
    assert refused.status_code == 403
    problem = refused.get_json()
    assert problem["type"].endswith("thread-closed") and problem["thread"] == "old-story"
    assert problem["detail"] == "Комментирование этой статьи закрыто."
    settings(client, site_key, "old-story", moderation="post")
    assert post(client, site_key, {**GOOD, "thread": "old-story", "body": "Open again, good."}
                ).get_json()["status"] == "published"


def test_links_hold_on_one_story_and_the_settings_read_back(client: FlaskClient,
                                                            site_key: str) -> None:
    assert client.get("/v1/threads/live-blog/settings", headers=auth(site_key)).get_json()[
        "moderation"] == "post"
    settings(client, site_key, "live-blog", links="hold")
    linked = post(client, site_key, {**GOOD, "thread": "live-blog",
                                     "body": "The full ruling is at https://court.example/r"})
    assert linked.get_json()["status"] == "pending"
    assert post(client, site_key, {**GOOD, "thread": "live-blog",
                                   "body": "Thanks for keeping this blog up to date."}
                ).get_json()["status"] == "published"
    read = client.get("/v1/threads/live-blog/settings", headers=auth(site_key)).get_json()
    assert read["links"] == "hold" and read["moderation"] == "post"


def test_bad_settings_name_the_field(client: FlaskClient, site_key: str,
                                     moderator_key: str) -> None:
    bad = settings(client, site_key, "x", moderation="sometimes")
    assert bad.status_code == 422 and "moderation" in bad.get_json()["errors"]
    assert settings(client, site_key, "x", color="red").status_code == 422
    assert settings(client, moderator_key, "x", moderation="pre").status_code == 403


PRE_STORY_RULE = """
rules:
  - id: pre-story-links
    when: {thread: {moderation: pre}, body: {links: {more_than: 0}}}
    action: reject
    reason:
      en: Links are not accepted on this article.
      ru: Ссылки к этой статье не принимаются.
"""


def test_rules_read_the_storys_moderation(client: FlaskClient, site_key: str,
                                          policy_dir) -> None:  # noqa: ANN001
    default = policy_dir / "default.yaml"
    default.write_text(default.read_text() + PRE_STORY_RULE)
    link = {**GOOD, "thread": "cell-trial", "body": "The verdict is at https://court.example/v"}
    assert post(client, site_key, link).get_json()["status"] == "published"
    settings(client, site_key, "cell-trial", moderation="pre")
    refused = post(client, site_key, link).get_json()
    assert refused["status"] == "rejected", refused
    assert [r["rule"] for r in refused["reasons"]] == ["pre-story-links"]
    plain = post(client, site_key, {**GOOD, "thread": "cell-trial"}).get_json()
    assert plain["status"] == "pending" and [r["rule"] for r in plain["reasons"]] == [
        "thread:pre"]
