"""Decisions on Russian comments through the API, with the default policy and shipped model:
civil news discussion is published, abuse is not, and what is stored says why in the
reader's own words."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import auth

CIVIL = [
    "Пожизненное заключение для главаря террористической ячейки — справедливый приговор.",
    "Суд должен был быть открытым. Непонятно, почему журналистов не пустили на заседание.",
    "Вы не правы: закон о свободе совести защищает и верующих, и неверующих.",
    "Спасибо автору за подробный разбор цен на газ, наконец-то всё понятно.",
    "Эти террористы хотели убить невинных людей, и хорошо, что их остановили.",
]
ABUSIVE = [
    "сдохни, мразь",
    "Автор статьи — тупой идиот и урод, пошёл вон отсюда",
    "Я тебя убью, сука.",
    "ты д3бил и уpoд",  # a digit and Latin look-alike letters
]


def submit(client: FlaskClient, key: str, body: str, n: int) -> dict:
    response = client.post("/v1/comments", headers=auth(key), json={
        "thread": "sentencing-article", "name": f"Читатель {n}", "email": f"r{n}@example.org",
        "body": body, "ip": f"198.51.100.{n}"})
    assert response.status_code in (201, 202, 200), response.get_json()
    return response.get_json()


@pytest.mark.parametrize("body", CIVIL)
def test_civil_russian_news_discussion_is_published(client, site_key, body):
    result = submit(client, site_key, body, CIVIL.index(body) + 1)
    assert result["status"] == "published", result


@pytest.mark.parametrize("body", ABUSIVE)
def test_russian_abuse_is_not_published(client, site_key, body):
    result = submit(client, site_key, body, ABUSIVE.index(body) + 50)
    assert result["status"] in ("pending", "rejected"), result


def test_the_moderator_sees_the_readers_own_cyrillic_words(client, site_key, moderator_key):
    result = submit(client, site_key, "Автор статьи — тупой идиoт и урод", 99)
    detail = client.get(f"/v1/review/comments/{result['id']}", headers=auth(moderator_key))
    assert detail.status_code == 200
    terms = [t["term"] if isinstance(t, dict) else t[0]
             for t in detail.get_json()["terms"]["abuse"]]
    assert terms and {"идиот", "урод", "тупой"} & set(terms), terms
    assert all(any("\u0400" <= ch <= "\u04ff" for ch in term) for term in terms), terms
