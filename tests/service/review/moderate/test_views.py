"""The moderators' page through the test client: sessions, CSRF, the queue, the forms."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import auth
from tests.service.intake.test_submit import GOOD, post
from tests.service.review.moderate.conftest import csrf_of
from tests.service.review.test_review import hold


def test_a_page_without_a_session_redirects_to_sign_in(client: FlaskClient) -> None:
    for path in ("/moderate/", "/moderate/comments/1", "/moderate/?queue=rejected"):
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert answer.headers["Location"].startswith("/moderate/sign-in?next=/moderate/")
    posted = client.post("/moderate/comments/1/decision", data={"action": "approve"})
    assert posted.status_code == 303 and "/moderate/sign-in" in posted.headers["Location"]


def test_a_site_key_cannot_sign_in_and_a_wrong_key_neither(client: FlaskClient,
                                                           site_key: str) -> None:
    token = csrf_of(client.get("/moderate/sign-in").get_data(as_text=True))
    refused = client.post("/moderate/sign-in", data={"key": site_key, "csrf_token": token})
    assert refused.status_code == 403
    assert "Only moderator and admin keys" in refused.get_data(as_text=True)
    assert "moderate_session" not in refused.headers.get("Set-Cookie", "")
    wrong = client.post("/moderate/sign-in", data={"key": "cm_000000000000_nope",
                                                   "csrf_token": token})
    assert wrong.status_code == 401
    assert client.get("/moderate/").status_code == 302


def test_sign_in_sets_a_session_cookie_and_never_the_key(client: FlaskClient,
                                                         moderator_key: str) -> None:
    token = csrf_of(client.get("/moderate/sign-in").get_data(as_text=True))
    answer = client.post("/moderate/sign-in", data={"key": moderator_key, "csrf_token": token,
                                                    "next": "/moderate/?queue=reported"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/moderate/?queue=reported"
    cookie = next(c for c in answer.headers.getlist("Set-Cookie")
                  if c.startswith("moderate_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/moderate" in cookie
    assert "Secure" not in cookie  # plain HTTP here; behind TLS it is (next test)
    assert moderator_key not in cookie
    page = client.get("/moderate/")
    assert page.status_code == 200 and "Sign out" in page.get_data(as_text=True)
    assert moderator_key not in page.get_data(as_text=True)


def test_the_cookie_is_secure_behind_tls(app: Flask, moderator_key: str) -> None:
    client = app.test_client()
    base = "https://moderation.example"
    token = csrf_of(client.get("/moderate/sign-in", base_url=base).get_data(as_text=True))
    answer = client.post("/moderate/sign-in", base_url=base,
                         data={"key": moderator_key, "csrf_token": token})
    assert answer.status_code == 303
    cookie = next(c for c in answer.headers.getlist("Set-Cookie")
                  if c.startswith("moderate_session="))
    assert "Secure" in cookie


def test_sign_in_without_its_token_is_refused(client: FlaskClient, moderator_key: str) -> None:
    answer = client.post("/moderate/sign-in", data={"key": moderator_key})
    assert answer.status_code == 403
    assert client.get("/moderate/").status_code == 302


def test_the_queue_shows_held_comments_with_matched_words_marked(
        client: FlaskClient, site_key: str, signed_in: Callable[[str], FlaskClient],
        moderator_key: str) -> None:
    held = hold(client, site_key)
    page = signed_in(moderator_key).get("/moderate/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'id="item-{held["id"]}"' in html
    assert "many-links" in html
    assert page.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


def test_a_post_without_the_csrf_token_is_refused(client: FlaskClient, site_key: str,
                                                  signed_in: Callable[[str], FlaskClient],
                                                  moderator_key: str) -> None:
    held = hold(client, site_key)["id"]
    browser = signed_in(moderator_key)
    refused = browser.post(f"/moderate/comments/{held}/decision", data={"action": "approve"})
    assert refused.status_code == 403
    wrong = browser.post(f"/moderate/comments/{held}/decision",
                         data={"action": "approve", "csrf_token": "forged"})
    assert wrong.status_code == 403
    status = client.get(f"/v1/comments/{held}", headers=auth(site_key)).get_json()
    assert status["status"] == "pending"


def test_approve_reject_and_remove_through_the_forms(client: FlaskClient, site_key: str,
                                                      signed_in: Callable[[str], FlaskClient],
                                                      moderator_key: str) -> None:
    a = hold(client, site_key)["id"]
    b = hold(client, site_key, body=GOOD["body"] + " https://a.example https://b.example "
             "https://c.example")["id"]
    browser = signed_in(moderator_key)
    token = csrf_of(browser.get("/moderate/").get_data(as_text=True))
    approved = browser.post(f"/moderate/comments/{a}/decision",
                            data={"action": "approve", "csrf_token": token,
                                  "next": "/moderate/?sort=age"})
    assert approved.status_code == 303
    assert approved.headers["Location"] == f"/moderate/?sort=age&done={a}&did=approve"
    rejected = browser.post(f"/moderate/comments/{b}/decision",
                            data={"action": "reject", "reason": "Off topic", "csrf_token": token})
    assert rejected.status_code == 303
    queue = browser.get("/moderate/").get_data(as_text=True)
    assert f'id="item-{a}"' not in queue and f'id="item-{b}"' not in queue
    assert client.get(f"/v1/comments/{a}", headers=auth(site_key)).get_json()[
        "status"] == "published"
    removed = browser.post(f"/moderate/comments/{a}/remove",
                           data={"reason": "Court order", "csrf_token": token})
    assert removed.status_code == 303
    item = browser.get(f"/moderate/comments/{a}").get_data(as_text=True)
    assert "Court order" in item and "remove" in item
    again = browser.post(f"/moderate/comments/{a}/remove", data={"csrf_token": token})
    assert again.status_code == 409
    bad = browser.post(f"/moderate/comments/{b}/decision",
                       data={"action": "delete", "csrf_token": token})
    assert bad.status_code == 422 and "action" in bad.get_data(as_text=True)


def test_opening_an_item_claims_it_and_a_second_moderator_sees_the_claim(
        client: FlaskClient, site_key: str, signed_in: Callable[[str], FlaskClient],
        moderator_key: str, second_moderator: str) -> None:
    held = hold(client, site_key)["id"]
    first = signed_in(moderator_key)
    assert "You hold this comment" in first.get(f"/moderate/comments/{held}").get_data(
        as_text=True)
    second = signed_in(second_moderator)
    queue = second.get("/moderate/").get_data(as_text=True)
    assert "claimed by test moderator#" in queue
    item = second.get(f"/moderate/comments/{held}").get_data(as_text=True)
    assert "Claimed by test moderator#" in item
    assert 'id="approve"' not in item


def test_sign_out_ends_the_session_for_a_copied_cookie_too(
        client: FlaskClient, signed_in: Callable[[str], FlaskClient],
        moderator_key: str) -> None:
    browser = signed_in(moderator_key)
    cookie = browser.get_cookie("moderate_session", path="/moderate")
    assert cookie is not None
    token = csrf_of(browser.get("/moderate/").get_data(as_text=True))
    assert browser.post("/moderate/sign-out", data={"csrf_token": token}).status_code == 303
    assert browser.get("/moderate/").status_code == 302
    client.set_cookie("moderate_session", cookie.value, path="/moderate")
    assert client.get("/moderate/").status_code == 302
    # ended sessions are forgotten at the next sign-in
    from service.extensions import db
    from service.models import ModeratorSession

    signed_in(moderator_key)
    with client.application.app_context():
        rows = db.session.execute(db.select(ModeratorSession)).scalars().all()
        assert len(rows) == 1 and rows[0].ended_at is None


def test_a_revoked_key_ends_its_sessions(app: Flask, signed_in: Callable[[str], FlaskClient],
                                         moderator_key: str) -> None:
    from service.keys import revoke

    browser = signed_in(moderator_key)
    with app.app_context():
        assert revoke(moderator_key.split("_")[1])
    assert browser.get("/moderate/").status_code == 302


def test_the_page_speaks_russian(signed_in: Callable[[str], FlaskClient],
                                 moderator_key: str) -> None:
    browser = signed_in(moderator_key)
    page = browser.get("/moderate/?lang=ru")
    assert page.headers["Content-Language"] == "ru"
    assert "Модерация" in page.get_data(as_text=True)
    # remembered: the next page is in Russian too, whatever the browser asks for
    again = browser.get("/moderate/", headers={"Accept-Language": "en"})
    assert "Ждут проверки" in again.get_data(as_text=True)
    english = signed_in(moderator_key).get("/moderate/", headers={"Accept-Language": "ru"})
    assert english.headers["Content-Language"] == "ru"


def test_bad_filters_name_the_field(signed_in: Callable[[str], FlaskClient],
                                    moderator_key: str) -> None:
    page = signed_in(moderator_key).get("/moderate/?min_score=2&queue=pending")
    assert page.status_code == 422
    assert "min_score" in page.get_data(as_text=True)
    assert signed_in(moderator_key).get("/moderate/?cursor=zzz").status_code == 400


def test_bulk_decisions_from_the_page(client: FlaskClient, site_key: str,
                                      signed_in: Callable[[str], FlaskClient],
                                      moderator_key: str) -> None:
    ids = [hold(client, site_key, body=f"{GOOD['body']} {i} https://a.example "
                "https://b.example https://c.example")["id"] for i in range(3)]
    browser = signed_in(moderator_key)
    token = csrf_of(browser.get("/moderate/").get_data(as_text=True))
    answer = browser.post("/moderate/decisions", data={"ids": ids[:2], "action": "approve",
                                                        "csrf_token": token})
    assert answer.status_code == 303
    queue = browser.get("/moderate/").get_data(as_text=True)
    assert f'id="item-{ids[2]}"' in queue
    assert all(f'id="item-{i}"' not in queue for i in ids[:2])


def test_the_page_assets_are_served_locally(client: FlaskClient) -> None:
    for asset in ("moderate.css", "moderate.js"):
        answer = client.get(f"/moderate/static/{asset}")
        assert answer.status_code == 200
        answer.close()


def test_published_comments_are_listed(client: FlaskClient, site_key: str,
                                       signed_in: Callable[[str], FlaskClient],
                                       moderator_key: str) -> None:
    held = hold(client, site_key)["id"]
    client.post(f"/v1/review/comments/{held}/decision", json={"action": "approve"},
                headers=auth(moderator_key))
    page = signed_in(moderator_key).get("/moderate/?queue=published").get_data(as_text=True)
    assert f'id="item-{held}"' in page
    assert post  # the submit helper is shared with the API tests


def test_an_item_links_to_its_neighbours_in_the_queue_it_came_from(
        client: FlaskClient, site_key: str, signed_in: Callable[[str], FlaskClient],
        moderator_key: str) -> None:
    from urllib.parse import quote

    ids = [hold(client, site_key, body=f"{GOOD['body']} {i} https://a.example "
                "https://b.example https://c.example")["id"] for i in range(3)]
    back = "/moderate/?sort=age"
    page = signed_in(moderator_key).get(f"/moderate/comments/{ids[1]}?back={quote(back)}")
    html = page.get_data(as_text=True)
    assert f'/moderate/comments/{ids[0]}?back=' in html and 'data-shortcut="k"' in html
    assert f'/moderate/comments/{ids[2]}?back=' in html and 'data-shortcut="j"' in html


def test_a_moderator_grades_the_qa_sample_on_the_page(
        client: FlaskClient, site_key: str, signed_in: Callable[[str], FlaskClient],
        moderator_key: str, policy_dir) -> None:  # noqa: ANN001
    default = policy_dir / "default.yaml"
    default.write_text(default.read_text() + "\nqa_sample: 1\n")
    published = post(client, site_key, GOOD).get_json()
    assert published["status"] == "published"
    browser = signed_in(moderator_key)
    queue = browser.get("/moderate/?queue=qa").get_data(as_text=True)
    assert f'id="item-{published["id"]}"' in queue and "QA sample" in queue
    item = browser.get(f"/moderate/comments/{published['id']}").get_data(as_text=True)
    assert 'id="qa-hold"' in item
    graded = browser.post(f"/moderate/comments/{published['id']}/qa",
                          data={"grade": "hold", "note": "insinuation",
                                "csrf_token": csrf_of(item)})
    assert graded.status_code == 303
    after = browser.get(f"/moderate/comments/{published['id']}").get_data(as_text=True)
    assert "should have been held" in after and 'id="qa-hold"' not in after
    assert f'id="item-{published["id"]}"' not in browser.get(
        "/moderate/?queue=qa").get_data(as_text=True)
    assert client.get(f"/v1/comments/{published['id']}", headers=auth(site_key)).get_json()[
        "status"] == "published"


def test_an_item_shows_the_versions_before_the_authors_edits(
        client: FlaskClient, site_key: str, signed_in: Callable[[str], FlaskClient],
        moderator_key: str) -> None:
    first = post(client, site_key, GOOD).get_json()["id"]
    edited = client.patch(f"/v1/comments/{first}", json={"body": "The new text of it."},
                          headers=auth(site_key))
    assert edited.status_code == 200
    page = signed_in(moderator_key).get(f"/moderate/comments/{first}").get_data(as_text=True)
    assert "Earlier versions" in page and "Version 1: published" in page
    assert f'<blockquote class="version">{GOOD["body"]}</blockquote>' in page
