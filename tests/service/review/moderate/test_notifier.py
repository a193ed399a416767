"""The chat notifier: escalations and a queue that waits too long, posted as {"text": ...}
to a real HTTP receiver on loopback; and the queue-age metric."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import auth
from tests.service.review.test_review import hold, links


class Chat:
    """An incoming-webhook receiver: records each text, answers ``status``."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.status = 200
        chat = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if chat.status == 200:
                    chat.texts.append(json.loads(body)["text"])
                self.send_response(chat.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/abc"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def chat(app: Flask) -> Iterator[Chat]:
    receiver = Chat()
    app.config.update(NOTIFY_CHAT_URL=receiver.url, NOTIFY_PAGE_URL="https://mod.example/",
                      NOTIFY_QUEUE_AGE_MINUTES=30, NOTIFY_REPEAT_MINUTES=60)
    yield receiver
    receiver.close()


def passed(app: Flask, minutes: float = 0) -> list[str]:
    from service.models import utcnow
    from service.review.moderate.notifier import NotifySettings, notify_once

    with app.app_context():
        settings = NotifySettings.from_config(app.config)
        assert settings is not None
        return notify_once(settings, now=utcnow() + timedelta(minutes=minutes))


def test_a_queue_that_waits_too_long_is_said_once_then_again_after_a_while(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str,
        chat: Chat) -> None:
    assert passed(app) == []  # nothing waits
    held = hold(client, site_key)["id"]
    assert passed(app, 10) == []  # not old enough yet
    (text,) = passed(app, 45)
    assert chat.texts == [text]
    assert "45 minutes" in text and "1 items wait" in text
    assert text.endswith("https://mod.example/moderate/?queue=pending&sort=age")
    assert passed(app, 50) == []  # said already
    assert len(passed(app, 45 + 61)) == 1  # still waiting an hour later: said again
    client.post(f"/v1/review/comments/{held}/decision", json={"action": "approve"},
                headers=auth(moderator_key))
    assert passed(app, 200) == []  # the queue is empty: nothing to say, and the next
    hold(client, site_key, body=links(2))  # time it is too old it is said at once
    assert len(passed(app, 45 + 61 + 1)) == 1


def test_escalations_are_posted_once_and_a_failed_post_is_tried_again(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str,
        chat: Chat) -> None:
    assert passed(app) == []  # a new notifier starts from now
    held = hold(client, site_key)["id"]
    client.post(f"/v1/review/comments/{held}/decision", json={"action": "escalate"},
                headers=auth(moderator_key))
    chat.status = 500
    assert passed(app) == []
    chat.status = 200
    (text,) = passed(app)
    assert f"#{held}" in text and "escalated" in text
    assert text.endswith(f"https://mod.example/moderate/comments/{held}")
    assert passed(app) == []
    others = [hold(client, site_key, body=links(i))["id"] for i in range(2)]
    for comment_id in others:
        client.post(f"/v1/review/comments/{comment_id}/decision", json={"action": "escalate"},
                    headers=auth(moderator_key))
    (both,) = passed(app)
    assert "2 comments" in both and all(f"#{i}" in both for i in others)


def test_the_notifier_speaks_russian_and_checks_its_settings(app: Flask, client: FlaskClient,
                                                             site_key: str,
                                                             chat: Chat) -> None:
    from service.review.moderate.notifier import NotifySettings

    app.config["NOTIFY_LANGUAGE"] = "ru"
    hold(client, site_key)
    (text,) = passed(app, 45)
    assert "Очередь проверки ждёт" in text and "задержан для проверки" in text
    assert NotifySettings.from_config({}) is None
    for bad in ({"NOTIFY_CHAT_URL": "ftp://x"},
                {"NOTIFY_CHAT_URL": "https://x", "NOTIFY_LANGUAGE": "de"},
                {"NOTIFY_CHAT_URL": "https://x", "NOTIFY_QUEUE_AGE_MINUTES": -1}):
        with pytest.raises(RuntimeError):
            NotifySettings.from_config(bad)


def test_the_cli_runs_one_pass(app: Flask, client: FlaskClient, site_key: str,
                               chat: Chat) -> None:
    result = app.test_cli_runner().invoke(args=["notify", "run", "--once"])
    assert result.exit_code == 0, result.output
    app.config["NOTIFY_CHAT_URL"] = None
    unset = app.test_cli_runner().invoke(args=["notify", "run", "--once"])
    assert unset.exit_code != 0 and "NOTIFY_CHAT_URL" in unset.output


def test_the_metric_says_how_long_each_queue_has_waited(app: Flask, client: FlaskClient,
                                                        site_key: str) -> None:
    from service.extensions import db
    from service.models import Comment, utcnow

    held = hold(client, site_key)["id"]
    with app.app_context():
        db.session.get(Comment, held).created_at = utcnow() - timedelta(minutes=40)
        db.session.commit()
    text = client.get("/metrics").get_data(as_text=True)
    line = next(x for x in text.splitlines()
                if x.startswith('moderation_queue_waiting_oldest_seconds{queue="pending"}'))
    assert 2390 < float(line.split()[-1]) < 2500
    assert 'moderation_queue_waiting{queue="pending"} 1.0' in text
    assert 'moderation_queue_waiting_oldest_seconds{queue="reported"} 0.0' in text
