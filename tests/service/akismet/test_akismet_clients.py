"""Real Akismet clients against the service: the ``akismet`` package from PyPI (25.10.1, by
James Bennett) unchanged under gunicorn, and the exact requests of WordPress's Akismet
plugin (class.akismet.php: ``auto_check_comment``, ``submit_spam_comment``, ``http_post``,
``build_query``), replayed byte for byte."""

from __future__ import annotations

import contextlib
from pathlib import Path
from urllib.parse import quote_plus

import akismet
import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.server import gunicorn
from tests.service.akismet.test_akismet import ABUSIVE, CLEAN, SPAM, counts
from tests.service.intake.test_submit import stored
from tests.service.review.test_review import LINKS

BLOG = "https://news.example"


class ToTheService(httpx.HTTPTransport):
    """The one change to the client: what it sends to rest.akismet.com goes to the service
    (through ``http_client``, which the client documents for custom HTTP behaviour)."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = httpx.URL(base)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert request.url.host == "rest.akismet.com"
        request.url = request.url.copy_with(scheme=self.base.scheme, host=self.base.host,
                                            port=self.base.port)
        return super().handle_request(request)


def akismet_client(server: str, key: str) -> akismet.SyncClient:
    http = httpx.Client(transport=ToTheService(server), timeout=10,
                        headers={"User-Agent": akismet.USER_AGENT})
    return akismet.SyncClient(config=akismet.Config(key=key, url=BLOG), http_client=http)


def comment_by_body(app: Flask, body: str):  # noqa: ANN201 - a detached Comment
    from service.extensions import db
    from service.models import Comment

    with app.app_context():
        comment = db.session.execute(select(Comment).where(Comment.body == body)).scalar_one()
        db.session.expunge(comment)
        return comment


@pytest.mark.slow
def test_the_akismet_package_unchanged_under_gunicorn(app: Flask, _migrated: str,
                                                      policy_dir: Path, tmp_path: Path,
                                                      site_key: str) -> None:
    reader = {"user_agent": "Mozilla/5.0 Firefox/140.0", "comment_type": "comment",
              "comment_author": "Ann Reader", "comment_author_email": "ann@example.org",
              "permalink": BLOG + "/2026/council-budget"}
    with gunicorn(_migrated, policy_dir, tmp_path / "gunicorn.log") as (server, _), \
            contextlib.ExitStack() as connections:
        client = akismet.SyncClient.validated_client(  # verify-key, or APIKeyError
            config=akismet.Config(key=site_key, url=BLOG),
            http_client=akismet_client(server, site_key)._http_client)
        wrong = akismet_client(server, "cm_000000000000_wrong")
        # The server keeps connections alive: close them before the server goes.
        connections.callback(client._http_client.close)
        connections.callback(wrong._http_client.close)
        assert client.verify_key() is True
        assert wrong.verify_key() is False
        with pytest.raises(akismet.APIKeyError):
            wrong.comment_check("198.51.100.7", comment_content=CLEAN, **reader)

        answers = {body: client.comment_check("198.51.100.7", comment_content=body, **reader)
                   for body in (CLEAN, ABUSIVE, SPAM, LINKS)}
        assert answers == {CLEAN: akismet.CheckResponse.HAM,
                           ABUSIVE: akismet.CheckResponse.DISCARD,
                           SPAM: akismet.CheckResponse.DISCARD,
                           LINKS: akismet.CheckResponse.SPAM}
        assert client.comment_check("198.51.100.7", comment_content="Test only.",
                                    is_test=True, **reader) == akismet.CheckResponse.HAM

        assert client.submit_spam("198.51.100.7", comment_content=CLEAN, **reader) is True
        assert client.submit_ham("198.51.100.7", comment_content=SPAM, **reader) is True
        assert client.usage_limit() == {"limit": "none", "usage": 4, "percentage": "0.00",
                                        "throttled": False}

    statuses = {body: comment_by_body(app, body) for body in answers}
    assert {b: c.status for b, c in statuses.items()} == {
        CLEAN: "rejected", ABUSIVE: "rejected", SPAM: "published", LINKS: "pending"}
    for body in (CLEAN, SPAM):  # the site's verdicts, by its key
        assert statuses[body].decided_by.startswith("test site#")
    assert statuses[CLEAN].thread == BLOG + "/2026/council-budget"
    assert counts(app)[0] == 4  # the is_test check stored nothing


def php_urlencode(value: str) -> str:
    """PHP's urlencode(), which WordPress's _http_build_query() applies to keys and values:
    like quote_plus with nothing safe, but "~" is encoded too."""
    return quote_plus(value, safe="").replace("~", "%7E")


def build_query(pairs: list[tuple[str, str]]) -> bytes:
    return "&".join(f"{php_urlencode(k)}={php_urlencode(v)}" for k, v in pairs).encode()


# What auto_check_comment() sends for a reader's comment on a post (WordPress 6.8, Akismet
# 5.x), in the plugin's order: the $commentdata WordPress passes to preprocess_comment, the
# fields the plugin adds, every string in $_POST as POST_*, the $_SERVER variables it keeps
# (HTTP_* but cookies, REMOTE_ADDR, REQUEST_URI), the post's date and its tags and
# categories as comment_context[], the webhook callback, and api_key, which http_post()
# appends.
def wordpress_comment_check(key: str, content: str, **changes: str) -> bytes:
    post = BLOG + "/2026/12/council-budget/"
    fields = {
        "comment_post_ID": "42", "comment_author": "Ann Reader",
        "comment_author_email": "ann@example.org", "comment_author_url": "https://ann.example",
        "comment_content": content, "comment_type": "comment", "comment_parent": "0",
        "user_ID": "0", "user_id": "0", "comment_author_IP": "198.51.100.7",
        "comment_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko Firefox/140.0",
        "user_ip": "198.51.100.7",
        "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko Firefox/140.0",
        "referrer": post, "blog": BLOG, "blog_lang": "en_GB", "blog_charset": "UTF-8",
        "permalink": post, "akismet_comment_nonce": "passed",
        "POST_author": "Ann Reader", "POST_email": "ann@example.org",
        "POST_url": "https://ann.example", "POST_comment": content,
        "POST_submit": "Post Comment", "POST_comment_post_ID": "42",
        "POST_comment_parent": "0", "POST_akismet_comment_nonce": "5c0ffee123",
        "POST_ak_hp_textarea": "", "POST_ak_js": "1764806400123",
        "HTTP_HOST": "news.example", "HTTP_USER_AGENT": "Mozilla/5.0 (Windows NT 10.0; Win64; "
        "x64; rv:140.0) Gecko Firefox/140.0", "HTTP_ACCEPT": "text/html,application/xhtml+xml",
        "HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8", "HTTP_ACCEPT_ENCODING": "gzip, deflate, br",
        "HTTP_REFERER": post, "HTTP_ORIGIN": BLOG, "REMOTE_ADDR": "198.51.100.7",
        "REQUEST_URI": "/wp-comments-post.php",
        "comment_post_modified_gmt": "2026-12-03 18:20:11",
        "comment_context[0]": "council", "comment_context[1]": "Local news",
        "callback": BLOG + "/wp-json/akismet/v1/webhook", **changes, "api_key": key,
    }
    return build_query(list(fields.items()))


# What submit_spam_comment() sends when a moderator marks it spam in wp-admin: the comment's
# row, what was sent at the check (akismet_as_submitted), the blog's fields, the reporter.
def wordpress_submit_spam(key: str, content: str) -> bytes:
    post = BLOG + "/2026/12/council-budget/"
    return build_query([
        ("comment_ID", "17"), ("comment_post_ID", "42"), ("comment_author", "Ann Reader"),
        ("comment_author_email", "ann@example.org"), ("comment_author_url", "https://ann.example"),
        ("comment_author_IP", "198.51.100.7"), ("comment_date", "2026-12-04 01:00:00"),
        ("comment_date_gmt", "2026-12-04 01:00:00"), ("comment_content", content),
        ("comment_karma", "0"), ("comment_approved", "spam"),
        ("comment_agent", "Mozilla/5.0 Firefox/140.0"), ("comment_type", "comment"),
        ("comment_parent", "0"), ("user_id", "0"), ("blog", BLOG), ("blog_charset", "UTF-8"),
        ("blog_lang", "en_GB"), ("user_agent", "Mozilla/5.0 Firefox/140.0"),
        ("user_ip", "198.51.100.7"), ("permalink", post), ("POST_ak_js", "1764806400123"),
        ("reporter", "editor"), ("user_role", ""),
        ("comment_post_modified_gmt", "2026-12-03 18:20:11"), ("api_key", key),
    ])


WORDPRESS_HEADERS = {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
                     "Host": "rest.akismet.com", "User-Agent": "WordPress/6.8.1 | Akismet/5.5"}


def test_wordpress_plugin_requests_replayed(app: Flask, client: FlaskClient,
                                            site_key: str) -> None:
    def send(path: str, body: bytes):  # noqa: ANN202 - a test response
        return client.post(path, data=body, headers=WORDPRESS_HEADERS)

    verify = send("/1.1/verify-key", build_query([("key", site_key), ("blog", BLOG),
                                                  ("api_key", site_key)]))
    assert verify.text == "valid"
    clean = send("/1.1/comment-check", wordpress_comment_check(site_key, CLEAN))
    assert clean.text == "false" and "X-akismet-pro-tip" not in clean.headers
    comment = stored(app, int(clean.headers["X-akismet-guid"]))
    assert (comment.thread, comment.author_name, comment.author_email, comment.ip) == (
        BLOG + "/2026/12/council-budget/", "Ann Reader", "ann@example.org", "198.51.100.7")
    assert (comment.body, comment.author_website, comment.status) == (
        CLEAN, "https://ann.example", "published")

    abusive = send("/1.1/comment-check", wordpress_comment_check(site_key, ABUSIVE))
    assert (abusive.text, abusive.headers["X-akismet-pro-tip"]) == ("true", "discard")
    bot = send("/1.1/comment-check", wordpress_comment_check(
        site_key, "Nice post.", POST_ak_hp_textarea="http://pills.example"))
    assert bot.text == "true" and stored(app, int(bot.headers["X-akismet-guid"])).rule_ids == (
        " honeypot ")
    test_mode = send("/1.1/comment-check", wordpress_comment_check(site_key, "A test.",
                                                                   is_test="true"))
    assert test_mode.text == "false" and "X-akismet-guid" not in test_mode.headers

    marked = send("/1.1/submit-spam", wordpress_submit_spam(site_key, CLEAN))
    assert marked.text == "Thanks for making the web a better place."
    comment = stored(app, comment.id)
    assert comment.status == "rejected" and comment.decided_by.startswith("test site#")
    assert counts(app)[0] == 3
