"""Decisions on English news comments through the API, with the default policy and shipped
model: comments on a terrorism trial that use violent words but insult nobody are published
(the issue's own example among them), swearing at a ruling is published with its label, and
insults aimed at a person are not published."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import auth

CIVIL = [
    "Life for the leader of the terrorist cell is justice. These terrorists wanted to kill "
    "innocent people",
    "The cell planned to bomb a bus station; the court heard every detail and the sentence "
    "fits.",
    "Twenty years for recruiting children to kill is, if anything, too little.",
    "The prosecutor showed the weapons they had hidden in the flat. Frightening stuff.",
]
ABUSIVE = [
    "You are a pathetic idiot, go away",
    "The author is a moron who should be fired",
    "Shut up, nobody cares what a loser like you thinks",
]


def submit(client: FlaskClient, key: str, body: str, n: int) -> dict:
    response = client.post("/v1/comments", headers=auth(key), json={
        "thread": "sentencing-article", "name": f"Reader {n}", "email": f"e{n}@example.org",
        "body": body, "ip": f"198.51.100.{n}"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("body", CIVIL)
def test_civil_news_comments_with_violent_words_are_published(client, site_key, body):
    result = submit(client, site_key, body, CIVIL.index(body) + 1)
    assert result["status"] == "published", result


def test_swearing_at_a_ruling_is_published_with_its_label(client, site_key):
    result = submit(client, site_key, "This ruling is bullshit.", 20)
    assert result["status"] == "published", result
    assert [r["rule"] for r in result["reasons"]] == ["profanity"]


@pytest.mark.parametrize("body", ABUSIVE)
def test_insults_aimed_at_a_person_are_not_published(client, site_key, body):
    result = submit(client, site_key, body, ABUSIVE.index(body) + 30)
    assert result["status"] in ("rejected", "pending"), result
    assert "score:abuse" in [r["rule"] for r in result["reasons"]]
