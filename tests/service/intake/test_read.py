"""What a site reads back: one comment's status, a thread's published comments."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import auth
from tests.service.intake.test_submit import GOOD, post
from tests.service.review.test_review import LINKS


def test_site_reads_a_comments_status(client: FlaskClient, site_key: str) -> None:
    created = post(client, site_key, GOOD).get_json()
    response = client.get(f"/v1/comments/{created['id']}", headers=auth(site_key))
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == created["id"]
    assert body["status"] == "published"
    assert body["thread"] == GOOD["thread"]
    assert body["reasons"] == created["reasons"]


def test_another_sites_comment_is_404(client: FlaskClient, site_key: str,
                                      other_site_key: str) -> None:
    created = post(client, site_key, GOOD).get_json()
    assert client.get(f"/v1/comments/{created['id']}",
                      headers=auth(other_site_key)).status_code == 404
    assert client.get("/v1/comments/999999", headers=auth(site_key)).status_code == 404


def test_thread_lists_published_comments_oldest_first_in_pages(client: FlaskClient,
                                                               site_key: str) -> None:
    ids = []
    for i in range(5):
        ids.append(post(client, site_key, {**GOOD, "body": f"Point {i} about the budget."}
                        ).get_json()["id"])
    held = post(client, site_key, {**GOOD, "body": LINKS}).get_json()
    assert held["status"] == "pending"
    other_thread = post(client, site_key, {**GOOD, "thread": "other"}).get_json()

    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"/v1/threads/{GOOD['thread']}/comments", query_string=query,
                          headers=auth(site_key)).get_json()
        assert len(page["items"]) <= 2
        seen.extend(item["id"] for item in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    assert held["id"] not in seen and other_thread["id"] not in seen
    first = client.get(f"/v1/threads/{GOOD['thread']}/comments", headers=auth(site_key)
                       ).get_json()["items"][0]
    assert set(first) == {"id", "thread", "parent_id", "name", "website", "body", "body_html",
                          "created_at"}
    assert "email" not in first


def test_thread_of_another_site_is_empty(client: FlaskClient, site_key: str,
                                         other_site_key: str) -> None:
    post(client, site_key, GOOD)
    page = client.get(f"/v1/threads/{GOOD['thread']}/comments", headers=auth(other_site_key))
    assert page.get_json() == {"items": [], "next_cursor": None}


def test_bad_cursor_and_limit_are_client_errors(client: FlaskClient, site_key: str) -> None:
    # not in the format the document gives: a validation error, as for any parameter
    bad = client.get("/v1/threads/a/comments", query_string={"cursor": "!!!"},
                     headers=auth(site_key))
    assert bad.status_code == 422
    assert "cursor" in bad.get_json()["errors"]
    # in the format but not a token of ours: 400, also documented
    foreign = client.get("/v1/threads/a/comments", query_string={"cursor": "abc"},
                         headers=auth(site_key))
    assert foreign.status_code == 400
    assert "cursor" in foreign.get_json()["errors"]
    big = client.get("/v1/threads/a/comments", query_string={"limit": 10_000},
                     headers=auth(site_key))
    assert big.status_code == 422
    assert "limit" in big.get_json()["errors"]


def test_markup_in_a_comment_is_text_never_html(client: FlaskClient, site_key: str) -> None:
    text = 'Nice <script>alert("x")</script> <b onclick=x>bold</b>\n\nSecond & last'
    created = post(client, site_key, {**GOOD, "body": text}).get_json()
    assert created["status"] == "published", created
    (item,) = client.get(f"/v1/threads/{GOOD['thread']}/comments",
                         headers=auth(site_key)).get_json()["items"]
    assert item["body"] == text  # stored and returned as the reader typed it
    html = item["body_html"]
    assert "<script" not in html and "<b" not in html
    assert html == ('<p>Nice &lt;script&gt;alert("x")&lt;/script&gt; '
                    "&lt;b onclick=x&gt;bold&lt;/b&gt;</p><p>Second &amp; last</p>")
