"""Reader messages in the reader's language: reasons, validation messages, fail-safe holds,
chosen by Accept-Language among the policy's languages, else by the policy's `language:`.
And the reasons a reader sees agree with the outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_from_dir
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import REPO, auth
from tests.service.intake.test_submit import GOOD, stored
from tests.service.review.test_review import LINKS

MANY_LINKS_RU = "Комментарии с несколькими ссылками публикуются после проверки."
MANY_LINKS_EN = "Comments with several links are reviewed before they appear."


def submit(client: FlaskClient, key: str, data: dict[str, Any],
           language: str | None = None) -> Any:
    headers = auth(key) | ({"Accept-Language": language} if language is not None else {})
    return client.post("/v1/comments", json=data, headers=headers)


def messages(body: dict[str, Any]) -> dict[str, str]:
    return {r["rule"]: r["message"] for r in body["reasons"]}


@pytest.mark.parametrize(("header", "language"), [
    ("ru", "ru"),
    ("ru-RU,ru;q=0.9,en;q=0.8", "ru"),
    ("en;q=0.3, ru;q=0.8", "ru"),        # the q-values decide, not the order
    ("ru;q=0, en;q=0.1", "en"),          # q=0: not Russian
    ("uz, tg;q=0.9", "en"),              # none served: the policy's language (en)
    ("uz, ru;q=0.5", "ru"),
    ("*", "en"),
    (None, "en"),
])
def test_reasons_follow_accept_language(client: FlaskClient, site_key: str,
                                        header: str | None, language: str) -> None:
    response = submit(client, site_key, {**GOOD, "body": LINKS}, header)
    assert response.status_code == 201
    assert response.headers["Content-Language"] == language
    assert "Accept-Language" in response.headers["Vary"]
    expected = MANY_LINKS_RU if language == "ru" else MANY_LINKS_EN
    assert messages(response.get_json())["many-links"] == expected


def test_the_policys_language_is_the_default(client: FlaskClient, site_key: str,
                                             policy_dir: Path) -> None:
    (policy_dir / "news.yaml").write_text("extends: base.yaml\nlanguage: ru\n", encoding="utf-8")
    unnamed = submit(client, site_key, {**GOOD, "body": LINKS}, "uz")
    assert unnamed.headers["Content-Language"] == "ru"
    assert messages(unnamed.get_json())["many-links"] == MANY_LINKS_RU
    asked = submit(client, site_key, {**GOOD, "body": LINKS + " Thanks."}, "en")
    assert messages(asked.get_json())["many-links"] == MANY_LINKS_EN


def test_a_stored_comment_is_read_back_in_the_language_of_the_later_request(
        app: Flask, client: FlaskClient, site_key: str) -> None:
    created = submit(client, site_key, {**GOOD, "body": LINKS}, "en").get_json()
    assert messages(created)["many-links"] == MANY_LINKS_EN
    url = f"/v1/comments/{created['id']}"
    ru = client.get(url, headers=auth(site_key) | {"Accept-Language": "ru"})
    assert ru.status_code == 200 and ru.headers["Content-Language"] == "ru"
    assert messages(ru.get_json())["many-links"] == MANY_LINKS_RU
    en = client.get(url, headers=auth(site_key))
    assert messages(en.get_json())["many-links"] == MANY_LINKS_EN
    # what is stored: every translation, and the policy's language as message
    (record,) = stored(app, created["id"]).reasons
    assert record["message"] == MANY_LINKS_EN
    assert record["messages"] == {"en": MANY_LINKS_EN, "ru": MANY_LINKS_RU}


def test_a_comment_stored_without_translations_reads_back_as_it_was(
        app: Flask, client: FlaskClient, site_key: str) -> None:
    from service.extensions import db
    from service.models import Comment

    created = submit(client, site_key, {**GOOD, "body": LINKS}).get_json()
    with app.app_context():
        comment = db.session.get(Comment, created["id"])
        comment.reasons = [{k: v for k, v in r.items() if k != "messages"}
                           for r in comment.reasons]
        db.session.commit()
    ru = client.get(f"/v1/comments/{created['id']}",
                    headers=auth(site_key) | {"Accept-Language": "ru"}).get_json()
    assert messages(ru)["many-links"] == MANY_LINKS_EN


def test_validation_messages_follow_accept_language(client: FlaskClient,
                                                    site_key: str) -> None:
    bad = {"thread": "a", "name": "Ann", "email": "not-an-email", "body": "x",
           "website": "not a url"}
    ru = submit(client, site_key, bad, "ru,en;q=0.5")
    assert ru.status_code == 422 and ru.headers["Content-Language"] == "ru"
    body = ru.get_json()
    assert body["detail"] == "Некоторые поля комментария не заполнены или заполнены неверно."
    assert body["errors"] == {
        "email": ["Неверный адрес электронной почты."],
        "website": ["Неверный адрес сайта."],
        "body": ["Длина — от 2 до 5000 символов."],
    }
    missing = submit(client, site_key, {"thread": "a"}, "ru").get_json()
    assert missing["errors"]["body"] == ["Это поле обязательно для заполнения."]
    long_name = submit(client, site_key, {**GOOD, "name": "x" * 81}, "ru").get_json()
    assert long_name["errors"]["name"] == ["Длина — от 1 до 80 символов."]
    # English stays what it was
    en = submit(client, site_key, bad, "en").get_json()
    assert en["errors"]["email"] == ["Not a valid email address."]
    assert en["errors"]["body"] == ["Length must be between 2 and 5000."]
    assert submit(client, site_key, {"thread": "a"}).get_json()["errors"]["body"] == [
        "This field is required."]


def test_problems_of_the_submission_itself_follow_accept_language(
        client: FlaskClient, site_key: str) -> None:
    headers = auth(site_key) | {"Accept-Language": "ru"}
    not_json = client.post("/v1/comments", data="{oops", headers=headers,
                           content_type="application/json")
    assert not_json.status_code == 400
    assert not_json.get_json()["detail"] == "Тело запроса — некорректный JSON."
    plain = client.post("/v1/comments", data="hello", headers=headers, content_type="text/plain")
    assert plain.status_code == 415 and plain.get_json()["detail"].startswith("Отправьте")
    orphan = submit(client, site_key, {**GOOD, "parent_id": 999999}, "ru").get_json()
    assert orphan["errors"]["parent_id"] == ["В этом обсуждении нет такого комментария."]


def test_the_browser_endpoint_answers_in_the_readers_language(
        app: Flask, client: FlaskClient) -> None:
    from tests.service.intake.test_browser import ORIGIN

    result = app.test_cli_runner().invoke(args=["sites", "browser", "news", "--origin", ORIGIN])
    public_id = result.stdout.strip()
    headers = {"Origin": ORIGIN, "Accept-Language": "ru"}
    url = f"/v1/public/{public_id}/comments"
    invalid = client.post(url, data={"thread": "a"}, headers=headers)
    assert invalid.status_code == 422, invalid.get_json()
    assert invalid.headers["Content-Language"] == "ru"
    assert invalid.headers["Vary"] == "Origin, Accept-Language"
    assert invalid.get_json()["errors"]["body"] == ["Это поле обязательно для заполнения."]
    bot = client.post(url, data={**GOOD, "url_confirm": "http://spam.example"}, headers=headers)
    assert messages(bot.get_json()) == {"honeypot": "Не удалось принять ваш комментарий."}


def test_the_failsafe_hold_follows_accept_language(app: Flask, client: FlaskClient,
                                                   site_key: str, tmp_path: Path) -> None:
    runtime = app.extensions["moderation.runtime"]
    runtime.model_path = tmp_path / "no-such-model"
    runtime.load_model()
    ru = submit(client, site_key, GOOD, "ru").get_json()
    assert ru["status"] == "pending"
    assert messages(ru) == {
        "model-unavailable": "Ваш комментарий будет опубликован после проверки."}
    en = submit(client, site_key, {**GOOD, "body": "Another good comment, thanks."}).get_json()
    assert messages(en) == {
        "model-unavailable": "Your comment will be reviewed before it appears."}


def test_without_a_policy_the_failsafe_speaks_the_asked_language(
        app: Flask, client: FlaskClient, site_key: str, policy_dir: Path) -> None:
    (policy_dir / "news.yaml").write_text("rules: [oops\n", encoding="utf-8")
    ru = submit(client, site_key, GOOD, "ru")
    assert ru.headers["Content-Language"] == "ru"
    assert messages(ru.get_json()) == {
        "policy-unavailable": "Ваш комментарий будет опубликован после проверки."}


def test_a_rejected_comment_never_says_it_will_appear_after_review(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str) -> None:
    threat = {**GOOD, "body": "I will kill you. " + LINKS}   # a reject rule and a hold rule
    for language in ("en", "ru"):
        response = submit(client, site_key, threat, language)
        body = response.get_json()
        assert body["status"] == "rejected"
        assert list(messages(body)) == ["threat-patterns"]
        for message in messages(body).values():
            assert "review" not in message and "провер" not in message
        read = client.get(f"/v1/comments/{body['id']}",
                          headers=auth(site_key) | {"Accept-Language": language}).get_json()
        assert read["reasons"] == body["reasons"]
    # stored, and shown to moderators: every rule that contributed (the second is a duplicate)
    every = ["threat-patterns", "many-links", "duplicate"]
    assert [r["rule"] for r in stored(app, body["id"]).reasons] == every
    item = client.get(f"/v1/review/comments/{body['id']}", headers=auth(moderator_key))
    assert [r["rule"] for r in item.get_json()["reasons"]] == every


def test_after_a_moderators_decision_the_reader_sees_no_stale_reason(
        client: FlaskClient, site_key: str, moderator_key: str) -> None:
    held = submit(client, site_key, {**GOOD, "body": LINKS}).get_json()
    assert list(messages(held)) == ["many-links"]
    decided = client.post(f"/v1/review/comments/{held['id']}/decision",
                          json={"action": "approve"}, headers=auth(moderator_key))
    assert decided.status_code == 200, decided.get_json()
    read = client.get(f"/v1/comments/{held['id']}", headers=auth(site_key)).get_json()
    assert read["status"] == "published" and read["reasons"] == []


@pytest.mark.parametrize(("package", "domain"), [("policy_engine", "policy_engine"),
                                                 ("service", "service")])
def test_every_reader_message_has_every_translation(package: str, domain: str) -> None:
    """What the code marks (N_, N_plural) is exactly what each .po file translates."""
    from babel.messages.pofile import read_po

    from policy_engine.i18n import languages

    keywords = {"N_": None, "N_plural": (1, 2)}
    marked = {m[2] if isinstance(m[2], str) else m[2][0]
              for m in extract_from_dir(REPO / package, [("**.py", "python")],
                                        keywords=keywords)}
    assert marked
    for language in languages()[1:]:
        po = REPO / package / "locale" / language / "LC_MESSAGES" / f"{domain}.po"
        with po.open("rb") as f:
            catalog = read_po(f, locale=language)
        entries = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
        assert set(entries) == marked, f"{po}: out of step with the code"
        for message in entries.values():
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(strings) and not message.fuzzy, f"{po}: {message.id!r} untranslated"
    service_languages = sorted(p.name for p in (REPO / "service" / "locale").iterdir())
    assert ["en", *service_languages] == list(languages())


@pytest.mark.parametrize(("body", "rule"), [
    ("На суде зачитали его сообщение «убью всех», и приговор был заслуженным.",
     "threat-mentioned"),
    ("Соседа годами называли «чуркой», и только теперь полиция завела дело.", "slur-mentioned"),
])
def test_a_quoted_threat_or_slur_waits_for_a_moderator_and_says_why(
        client: FlaskClient, site_key: str, body: str, rule: str) -> None:
    response = submit(client, site_key, {**GOOD, "body": body}, "ru")
    answer = response.get_json()
    assert response.status_code == 201, answer
    assert answer["status"] == "pending"
    assert list(messages(answer)) == [rule]
    assert "модератор" in messages(answer)[rule]


def test_a_threat_aimed_at_the_reader_is_still_refused(
        client: FlaskClient, site_key: str) -> None:
    answer = submit(client, site_key, {**GOOD, "body": "Сдохни, чурка."}, "ru").get_json()
    assert answer["status"] == "rejected"
    assert {"threats", "slurs"} <= set(messages(answer))
    assert not {"threat-mentioned", "slur-mentioned"} & set(messages(answer))
