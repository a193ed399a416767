"""Fixtures of the moderators' page: a browser-like client signed in with a key."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: FlaskClient, key: str) -> FlaskClient:
    page = client.get("/moderate/sign-in").get_data(as_text=True)
    answer = client.post("/moderate/sign-in", data={"key": key, "csrf_token": csrf_of(page)})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return client


@pytest.fixture
def signed_in(app: Flask) -> Callable[[str], FlaskClient]:
    """A new client (its own cookies), signed in with ``key``."""
    return lambda key: sign_in(app.test_client(), key)
