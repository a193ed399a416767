"""The events feed, webhook endpoints and the admins' dead-letter list, through the API."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from service.pagination import encode
from tests.conftest import auth
from tests.service.review.test_review import hold, links

RECEIVER = "https://news.example/hook"
PUBLIC_IP = "93.184.216.34"  # a globally routable address; nothing is sent to it here


def mount(app: Flask) -> None:
    """Short webhook timings for tests, and a feed without lag."""
    app.config.update(EVENTS_FEED_LAG_SECONDS=0, WEBHOOK_MAX_ATTEMPTS=3,
                      WEBHOOK_BACKOFF_SECONDS=1, WEBHOOK_BACKOFF_CAP_SECONDS=60,
                      WEBHOOK_TIMEOUT_SECONDS=0.5)


class FakeDNS:
    """Stands in for DNS, which the tests do not have: ``*.example`` names resolve to
    ``names[host]`` (a list of addresses, changeable mid-test) or else to PUBLIC_IP,
    ``*.invalid`` names do not resolve, and anything else (``localhost``, a literal address)
    goes to the real resolver.  ``asked`` lists the names looked up."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.names: dict[str, list[str]] = {}
        self.asked: list[str] = []

    def __call__(self, host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        self.asked.append(host)
        if host.endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        if not host.endswith(".example"):
            return self.real(host, port, *args, **kwargs)
        addresses = self.names.get(host, [PUBLIC_IP])
        return [info for address in addresses  # literals: the real resolver, no network
                for info in self.real(address, port, *args, **kwargs)]


def fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    from service.events import egress

    dns = FakeDNS(socket.getaddrinfo)
    monkeypatch.setattr(egress, "getaddrinfo", dns)
    return dns


@pytest.fixture(autouse=True)
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    return fake_dns(monkeypatch)


@pytest.fixture(autouse=True)
def _mounted(app: Flask) -> None:
    mount(app)


def decide(client: FlaskClient, key: str, comment_id: int, action: str) -> None:
    response = client.post(f"/v1/review/comments/{comment_id}/decision",
                           json={"action": action}, headers=auth(key))
    assert response.status_code == 200, response.get_json()


def register(client: FlaskClient, key: str, url: str = RECEIVER, **fields: Any) -> dict[str, Any]:
    response = client.post("/v1/webhooks", json={"url": url, **fields}, headers=auth(key))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def feed(client: FlaskClient, key: str, **query: Any) -> dict[str, Any]:
    response = client.get("/v1/events", query_string=query, headers=auth(key))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# -- the feed ------------------------------------------------------------------------------

def test_decisions_are_events_in_order_paged_and_scoped_to_the_site(
        client: FlaskClient, site_key: str, other_site_key: str, moderator_key: str) -> None:
    a, b, c = (hold(client, site_key, body=links(i))["id"] for i in range(3))
    theirs = hold(client, other_site_key)["id"]
    decide(client, moderator_key, b, "reject")
    decide(client, moderator_key, theirs, "approve")
    decide(client, moderator_key, a, "approve")
    decide(client, moderator_key, c, "approve")

    held = feed(client, site_key, limit=3)  # each held comment told the moderators first
    assert [(e["type"], e["comment"]["id"]) for e in held["items"]] == [
        ("comment.held", a), ("comment.held", b), ("comment.held", c)]
    assert all(e["comment"]["status"] == "pending" for e in held["items"])
    first = feed(client, site_key, limit=2, after=held["next_cursor"])
    assert [(e["type"], e["comment"]["id"]) for e in first["items"]] == [
        ("comment.rejected", b), ("comment.published", a)]
    assert first["has_more"] is True
    second = feed(client, site_key, limit=2, after=first["next_cursor"])
    assert [(e["type"], e["comment"]["id"]) for e in second["items"]] == [
        ("comment.published", c)]
    assert second["has_more"] is False
    # the last page still gives a cursor: the poller keeps it and asks again later
    assert feed(client, site_key, after=second["next_cursor"]) == {
        "items": [], "has_more": False, "next_cursor": second["next_cursor"]}

    event = second["items"][0]
    assert event["site"] == "news"
    assert event["comment"]["visible"] is True and event["comment"]["status"] == "published"
    assert event["comment"]["thread"] == "article-42"
    assert event["id"] and event["created_at"]
    rejected = first["items"][0]["comment"]
    # the site is told what its reader may be told: the rejection, not the earlier hold
    assert rejected["visible"] is False and rejected["reasons"] == [
        {"rule": "moderator", "message": "A moderator decided not to publish this comment."}]
    ids = [e["id"] for e in first["items"] + second["items"]]
    assert len(set(ids)) == 3

    other = feed(client, other_site_key)
    assert [(e["type"], e["comment"]["id"], e["site"]) for e in other["items"]] == [
        ("comment.held", theirs, "other"), ("comment.published", theirs, "other")]


def test_the_feed_starts_empty_without_a_cursor(client: FlaskClient, site_key: str) -> None:
    assert feed(client, site_key) == {"items": [], "has_more": False, "next_cursor": None}


def test_the_feed_holds_back_events_younger_than_the_lag(
        app: Flask, client: FlaskClient, site_key: str, moderator_key: str) -> None:
    decide(client, moderator_key, hold(client, site_key)["id"], "approve")
    app.config["EVENTS_FEED_LAG_SECONDS"] = 60
    assert feed(client, site_key)["items"] == []
    app.config["EVENTS_FEED_LAG_SECONDS"] = 0
    assert [e["type"] for e in feed(client, site_key)["items"]] == [
        "comment.held", "comment.published"]


@pytest.mark.parametrize(("query", "status", "field"), [
    ({"after": "not-a-cursor"}, 400, "after"),  # the problem names the parameter sent
    ({"after": encode([10**30])}, 400, "after"),
    ({"after": encode([-1])}, 400, "after"),
    ({"limit": 0}, 422, "limit"),
    ({"limit": 201}, 422, "limit"),
    ({"limit": "x"}, 422, "limit"),
])
def test_bad_feed_queries_are_problems(client: FlaskClient, site_key: str, query: dict[str, Any],
                                       status: int, field: str) -> None:
    response = client.get("/v1/events", query_string=query, headers=auth(site_key))
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


# -- webhook endpoints ---------------------------------------------------------------------

def test_register_list_and_delete_endpoints(client: FlaskClient, site_key: str,
                                            other_site_key: str) -> None:
    generated = register(client, site_key)
    assert generated["secret"].startswith("whsec_") and len(generated["secret"]) > 40
    assert generated["url"] == RECEIVER and generated["active"] is True
    chosen = register(client, site_key, "https://news.example/hooks", secret="s" * 32)
    assert chosen["secret"] == "s" * 32
    register(client, other_site_key, "https://other.example/hook")

    listed = client.get("/v1/webhooks", headers=auth(site_key)).get_json()["items"]
    assert [e["id"] for e in listed] == [generated["id"], chosen["id"]]
    assert all("secret" not in e for e in listed)

    assert client.delete(f"/v1/webhooks/{generated['id']}",
                         headers=auth(other_site_key)).status_code == 404
    response = client.delete(f"/v1/webhooks/{generated['id']}", headers=auth(site_key))
    assert response.status_code == 204
    listed = client.get("/v1/webhooks", headers=auth(site_key)).get_json()["items"]
    assert [e["id"] for e in listed] == [chosen["id"]]
    for missing_id in ("999999", "99999999999999999999", "0", "x"):
        missing = client.delete(f"/v1/webhooks/{missing_id}", headers=auth(site_key))
        assert missing.status_code == 404
        assert missing.mimetype == "application/problem+json"


@pytest.mark.parametrize(("body", "field"), [
    ({}, "url"),
    ({"url": "ftp://news.example/hook"}, "url"),
    ({"url": "javascript:alert(1)"}, "url"),
    ({"url": "not a url"}, "url"),
    ({"url": "https://news.example/" + "x" * 2000}, "url"),
    ({"url": "https://news.example/hook", "secret": "short"}, "secret"),
])
def test_bad_endpoints_are_422(client: FlaskClient, site_key: str, body: dict[str, Any],
                               field: str) -> None:
    response = client.post("/v1/webhooks", json=body, headers=auth(site_key))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.get_json()["errors"]


def test_rotating_the_secret_answers_the_new_one_once(app: Flask, client: FlaskClient,
                                                     site_key: str) -> None:
    from service.extensions import db
    from service.models import WebhookEndpoint

    endpoint = register(client, site_key, secret="s" * 32)
    response = client.post(f"/v1/webhooks/{endpoint['id']}/secret", headers=auth(site_key))
    assert response.status_code == 200  # no body at all: generated, 24 hours of overlap
    rotated = response.get_json()
    assert set(rotated) == {"id", "url", "active", "created_at", "secret",
                            "previous_secret_expires_at"}
    assert rotated["secret"].startswith("whsec_") and len(rotated["secret"]) > 40
    assert rotated["created_at"] == endpoint["created_at"]
    listed = client.get("/v1/webhooks", headers=auth(site_key)).get_json()["items"]
    assert [e["id"] for e in listed] == [endpoint["id"]]
    assert all("secret" not in e for e in listed)
    # the site can see that the old secret still signs, and until when
    assert listed[0]["previous_secret_expires_at"] == rotated["previous_secret_expires_at"]
    again = client.post(f"/v1/webhooks/{endpoint['id']}/secret",
                        json={"previous_valid_hours": 0}, headers=auth(site_key))
    assert again.status_code == 200
    listed = client.get("/v1/webhooks", headers=auth(site_key)).get_json()["items"]
    assert listed[0]["previous_secret_expires_at"] is None  # no overlap any more
    with app.app_context():
        row = db.session.get(WebhookEndpoint, endpoint["id"])
        assert row is not None
        assert (row.secret, row.previous_secret) == (again.get_json()["secret"], None)


def test_only_the_sites_own_active_endpoint_can_be_rotated(
        client: FlaskClient, site_key: str, other_site_key: str) -> None:
    endpoint = register(client, site_key)
    response = client.post(f"/v1/webhooks/{endpoint['id']}/secret", json={},
                           headers=auth(other_site_key))
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    client.delete(f"/v1/webhooks/{endpoint['id']}", headers=auth(site_key))
    for endpoint_id in (endpoint["id"], "999999", "99999999999999999999", "0"):
        response = client.post(f"/v1/webhooks/{endpoint_id}/secret", json={},
                               headers=auth(site_key))
        assert response.status_code == 404, endpoint_id


@pytest.mark.parametrize(("body", "field"), [
    ({"previous_valid_hours": -1}, "previous_valid_hours"),
    ({"previous_valid_hours": 73}, "previous_valid_hours"),
    ({"previous_valid_hours": 1.5}, "previous_valid_hours"),  # not rounded down to 1
    ({"previous_valid_hours": "24"}, "previous_valid_hours"),
    ({"previous_valid_hours": True}, "previous_valid_hours"),
    ({"previous_valid_hours": None}, "previous_valid_hours"),
    ({"secret": "short"}, "secret"),
    ({"secret": "s" * 201}, "secret"),
    ({"secret": "s" * 32}, "secret"),  # the current secret: that would rotate nothing
])
def test_bad_rotations_are_422_and_change_nothing(app: Flask, client: FlaskClient,
                                                  site_key: str, body: dict[str, Any],
                                                  field: str) -> None:
    from service.extensions import db
    from service.models import AuditEntry, WebhookEndpoint

    endpoint = register(client, site_key, secret="s" * 32)
    response = client.post(f"/v1/webhooks/{endpoint['id']}/secret", json=body,
                           headers=auth(site_key))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert list(response.get_json()["errors"]) == [field]
    with app.app_context():
        row = db.session.get(WebhookEndpoint, endpoint["id"])
        assert row is not None and (row.secret, row.previous_secret) == ("s" * 32, None)
        assert db.session.execute(select(AuditEntry)).first() is None


def test_a_rotation_sent_as_a_form_is_refused_not_misread(client: FlaskClient,
                                                          site_key: str) -> None:
    endpoint = register(client, site_key)
    response = client.post(f"/v1/webhooks/{endpoint['id']}/secret",
                           data={"previous_valid_hours": "0"}, headers=auth(site_key))
    assert response.status_code == 415
    assert response.get_json()["type"].endswith("unsupported-media-type")


# -- where webhooks may go (server-side request forgery) ------------------------------------

INTERNAL = [
    "http://127.0.0.1:5432/",
    "http://10.0.0.5/admin",
    "http://172.16.3.4/",
    "http://192.168.1.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://localhost:8000/hook",
    "http://0.0.0.0:8000/",
    "http://2130706433/",  # 127.0.0.1 written as a number
    "http://100.64.0.1/",
    "http://[fd00::1]/",
    "http://[fe80::1]/",
    "http://224.0.0.1/",
    "http://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
    "https://intranet.example/hook",  # a name that resolves to a private address
    "https://mixed.example/hook",  # one public address and one private: refused
]


def refused(response: Any) -> str:
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    (message,) = response.get_json()["errors"]["url"]
    return message


@pytest.mark.parametrize("url", INTERNAL)
def test_urls_into_the_services_own_network_are_refused(
        client: FlaskClient, site_key: str, dns: Any, url: str) -> None:
    dns.names.update({"intranet.example": ["10.1.2.3"],
                      "mixed.example": [PUBLIC_IP, "192.168.0.7"]})
    response = client.post("/v1/webhooks", json={"url": url}, headers=auth(site_key))
    message = refused(response)
    assert " resolves to " in message and "a private or reserved address" in message
    assert client.get("/v1/webhooks", headers=auth(site_key)).get_json()["items"] == []


def test_the_refusal_names_the_address_and_a_host_that_does_not_resolve_is_422(
        client: FlaskClient, site_key: str) -> None:
    message = refused(client.post("/v1/webhooks", json={"url": "http://localhost:9/hook"},
                                  headers=auth(site_key)))
    assert "localhost resolves to 127.0.0.1 (loopback)" in message
    message = refused(client.post("/v1/webhooks", json={"url": "https://nowhere.invalid/h"},
                                  headers=auth(site_key)))
    assert "nowhere.invalid does not resolve" in message


def test_a_resolver_that_hangs_is_given_up_on_not_waited_for(
        client: FlaskClient, site_key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """getaddrinfo has no timeout: a hanging DNS server must not hang the request."""
    from service.events import egress

    answer = threading.Event()

    def hanging(*args: Any, **kwargs: Any) -> Any:
        answer.wait(10)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(egress, "getaddrinfo", hanging)
    monkeypatch.setattr(egress, "RESOLVE_TIMEOUT", 0.2)
    started = time.monotonic()
    try:
        message = refused(client.post("/v1/webhooks", json={"url": "https://slow.example/h"},
                                      headers=auth(site_key)))
    finally:
        answer.set()
    assert time.monotonic() - started < 5
    assert "slow.example did not resolve within 0.2 s" in message
    assert client.get("/v1/webhooks", headers=auth(site_key)).get_json()["items"] == []


def test_a_name_that_hangs_holds_one_lookup_and_does_not_block_other_names(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Deliveries to a name whose DNS server never answers share one lookup; other names
    still resolve, and the number of names looked up at once is bounded."""
    from service.events import egress

    answer = threading.Event()
    asked: list[str] = []

    def resolver(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        asked.append(host)
        if host.startswith("slow"):
            answer.wait(10)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return socket.getaddrinfo(PUBLIC_IP, port, *args, **kwargs)

    monkeypatch.setattr(egress, "getaddrinfo", resolver)
    monkeypatch.setattr(egress, "MAX_LOOKUPS", 3)
    try:
        for _ in range(5):
            with pytest.raises(egress.ResolveTimeout, match="slow.example did not resolve"):
                egress.resolve("slow.example", 443, timeout=0.05)
        assert asked == ["slow.example"]  # one lookup, shared
        assert egress.resolve("fine.example", 443, timeout=2)[0][4][0] == PUBLIC_IP
        for name in ("slow2.example", "slow3.example"):
            with pytest.raises(egress.ResolveTimeout):
                egress.resolve(name, 443, timeout=0.05)
        with pytest.raises(egress.ResolveTimeout, match="3 other DNS lookups"):
            egress.resolve("fine.example", 443, timeout=2)  # the bound is reached
    finally:
        answer.set()
    deadline = time.monotonic() + 5
    while egress._lookups and time.monotonic() < deadline:
        time.sleep(0.01)
    assert egress.resolve("fine.example", 443, timeout=2)  # the hung lookups are gone


def test_a_lookup_that_has_answered_is_not_reused_by_the_next_check(
        dns: FakeDNS, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lookups are shared only while they wait for an answer: once answered, the next
    check asks again, so that a name re-pointed to a private address (DNS rebinding) is
    seen at once, even if the thread that looked it up has not finished yet."""
    from concurrent.futures import Future

    from service.events import egress

    class SlowToFinish(Future):  # the looking-up thread lingers after giving its answer
        def set_result(self, result: Any) -> None:
            super().set_result(result)
            time.sleep(0.3)

    monkeypatch.setattr(egress, "Future", SlowToFinish)
    dns.names["moving.example"] = [PUBLIC_IP]
    assert egress.resolve("moving.example", 443)[0][4][0] == PUBLIC_IP
    dns.names["moving.example"] = ["127.0.0.1"]
    assert egress.resolve("moving.example", 443)[0][4][0] == "127.0.0.1"
    assert dns.asked == ["moving.example", "moving.example"]


@pytest.mark.parametrize("url", [
    f"https://{PUBLIC_IP}/hook",
    "http://[2606:2800:220:1:248:1893:25c8:1946]:8080/hook",
    "https://news.example/hook",
])
def test_public_addresses_are_accepted(client: FlaskClient, site_key: str, url: str) -> None:
    assert register(client, site_key, url)["url"] == url


def test_operators_can_allow_their_own_network(app: Flask, client: FlaskClient,
                                                site_key: str) -> None:
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    for url in ("http://127.0.0.1:9/hook", "http://10.0.0.5/hook", "http://[fd00::1]/hook",
                "https://intranet.example/hook"):
        register(client, site_key, url)
    for url in ("http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/",
                "http://224.0.0.1/", "http://0.0.0.0/"):  # never, even when allowed
        refused(client.post("/v1/webhooks", json={"url": url}, headers=auth(site_key)))

    app.config.update(WEBHOOK_ALLOW_PRIVATE=False, WEBHOOK_ALLOWED_NETWORKS="10.9.0.0/16")
    register(client, site_key, "http://10.9.1.1/hook")
    refused(client.post("/v1/webhooks", json={"url": "http://10.8.1.1/hook"},
                        headers=auth(site_key)))


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("::1", "loopback"),
    ("10.1.2.3", "private"), ("172.31.0.1", "private"), ("192.168.0.1", "private"),
    ("fc00::1", "private"), ("fd12:3456::1", "private"), ("100.100.0.1", "shared"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("224.0.0.251", "multicast"), ("239.1.2.3", "multicast"), ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("0.1.2.3", "reserved"),  # noqa: S104
    ("192.0.2.1", "reserved"), ("198.18.0.1", "reserved"), ("240.0.0.1", "reserved"),
    ("255.255.255.255", "reserved"), ("2001:db8::1", "reserved"), ("fec0::1", "reserved"),
    ("::7f00:1", "reserved"), ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"),
    ("::ffff:169.254.169.254", "link-local"), ("64:ff9b::a9fe:a9fe", "link-local"),
    ("2002:a00:1::1", "private"),  # 6to4 of 10.0.0.1
    ("8.8.8.8", None), (PUBLIC_IP, None), ("2606:4700:4700::1111", None),
    ("::ffff:8.8.8.8", None), ("64:ff9b::808:808", None),
])
def test_every_kind_of_internal_address_is_recognised(address: str, kind: str | None) -> None:
    from service.events.delivery_settings import Settings
    from service.events.egress import address_kind, address_problem

    ip = ipaddress.ip_address(address)
    assert address_kind(ip) == kind
    allowed = Settings(allow_private=True)
    expected = None if kind in (None, "loopback", "private", "shared") else kind
    assert address_problem(ip, allowed) == expected


def test_address_settings_come_from_the_config_and_bad_values_fail_fast() -> None:
    from service.events.delivery_settings import Settings

    assert Settings.from_config({}).allow_private is False
    for on in (True, "1", "true", "yes"):
        assert Settings.from_config({"WEBHOOK_ALLOW_PRIVATE": on}).allow_private is True
    for off in (False, "0", "false"):
        assert Settings.from_config({"WEBHOOK_ALLOW_PRIVATE": off}).allow_private is False
    networks = Settings.from_config(
        {"WEBHOOK_ALLOWED_NETWORKS": "10.1.0.0/16, fd00:1::/32"}).allowed_networks
    assert networks == (ipaddress.ip_network("10.1.0.0/16"), ipaddress.ip_network("fd00:1::/32"))
    assert Settings.from_config({"WEBHOOK_ALLOWED_NETWORKS": ["10.2.0.0/16"]}).allowed_networks \
        == (ipaddress.ip_network("10.2.0.0/16"),)
    for bad in ({"WEBHOOK_ALLOW_PRIVATE": "maybe"}, {"WEBHOOK_ALLOWED_NETWORKS": "10.0.0.0/33"},
                {"WEBHOOK_ALLOWED_NETWORKS": "intranet"}):
        with pytest.raises(RuntimeError):
            Settings.from_config(bad)


def test_the_environment_sets_the_allowance(monkeypatch: pytest.MonkeyPatch) -> None:
    from service.events.delivery_settings import Settings

    monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "1")
    assert Settings.from_config({}).allow_private is True
    assert Settings.from_config({"WEBHOOK_ALLOW_PRIVATE": False}).allow_private is False


def test_a_site_has_a_limited_number_of_endpoints(client: FlaskClient, site_key: str) -> None:
    from service.events.endpoints import MAX_ENDPOINTS_PER_SITE

    for i in range(MAX_ENDPOINTS_PER_SITE):
        register(client, site_key, f"https://news.example/hook/{i}")
    response = client.post("/v1/webhooks", json={"url": RECEIVER}, headers=auth(site_key))
    assert response.status_code == 409
    assert response.get_json()["type"].endswith("too-many-endpoints")


def test_a_decision_queues_one_delivery_per_active_endpoint_and_delete_cancels_them(
        app: Flask, client: FlaskClient, site_key: str, other_site_key: str,
        moderator_key: str) -> None:
    from service.extensions import db
    from service.models import Delivery

    kept = register(client, site_key, "https://news.example/a")
    dropped = register(client, site_key, "https://news.example/b")
    register(client, other_site_key, "https://other.example/hook")
    decide(client, moderator_key, hold(client, site_key)["id"], "approve")
    assert client.delete(f"/v1/webhooks/{dropped['id']}", headers=auth(site_key)).status_code \
        == 204
    with app.app_context():
        rows = {d.endpoint_id: d.state for d in db.session.execute(select(Delivery)).scalars()}
    assert rows == {kept["id"]: "pending", dropped["id"]: "cancelled"}


# -- keys and roles ------------------------------------------------------------------------

ENDPOINTS = [
    ("get", "/v1/events", "site"),
    ("post", "/v1/webhooks", "site"),
    ("get", "/v1/webhooks", "site"),
    ("delete", "/v1/webhooks/1", "site"),
    ("post", "/v1/webhooks/1/secret", "site"),
    ("get", "/v1/admin/deliveries", "admin"),
    ("post", "/v1/admin/deliveries/1/retry", "admin"),
]


@pytest.mark.parametrize(("method", "path", "role"), ENDPOINTS)
def test_missing_or_wrong_key_is_401(client: FlaskClient, method: str, path: str,
                                     role: str) -> None:
    for headers in ({}, auth("cm_000000000000_wrong")):
        response = getattr(client, method)(path, json={}, headers=headers)
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(("method", "path", "role"), ENDPOINTS)
def test_key_of_the_wrong_role_is_403(client: FlaskClient, site_key: str, moderator_key: str,
                                      admin_key: str, method: str, path: str,
                                      role: str) -> None:
    wrong = [moderator_key, admin_key] if role == "site" else [site_key, moderator_key]
    for key in wrong:
        response = getattr(client, method)(path, json={}, headers=auth(key))
        assert response.status_code == 403
        assert response.get_json()["type"].endswith("wrong-role")


# -- dead letters, for admins --------------------------------------------------------------

def test_admin_delivery_list_and_retry_errors(client: FlaskClient, site_key: str,
                                              moderator_key: str, admin_key: str) -> None:
    assert client.get("/v1/admin/deliveries", headers=auth(admin_key)).get_json() == {
        "items": [], "next_cursor": None}
    bad = client.get("/v1/admin/deliveries", query_string={"state": "lost"},
                     headers=auth(admin_key))
    assert bad.status_code == 422 and "state" in bad.get_json()["errors"]
    for missing_id in ("999999", "99999999999999999999"):
        assert client.post(f"/v1/admin/deliveries/{missing_id}/retry",
                           headers=auth(admin_key)).status_code == 404

    register(client, site_key)
    decide(client, moderator_key, hold(client, site_key)["id"], "approve")
    pending = client.get("/v1/admin/deliveries", query_string={"state": "pending"},
                         headers=auth(admin_key)).get_json()["items"]
    assert [d["event_type"] for d in pending] == ["comment.held", "comment.published"]
    response = client.post(f"/v1/admin/deliveries/{pending[0]['id']}/retry",
                           headers=auth(admin_key))
    assert response.status_code == 409
    assert response.get_json()["type"].endswith("not-dead")


def test_the_openapi_document_lists_the_new_paths(client: FlaskClient) -> None:
    paths = client.get("/openapi.json").get_json()["paths"]
    for path in ("/v1/events", "/v1/webhooks", "/v1/webhooks/{endpoint_id}",
                 "/v1/webhooks/{endpoint_id}/secret",
                 "/v1/admin/deliveries", "/v1/admin/deliveries/{delivery_id}/retry"):
        assert path in paths
