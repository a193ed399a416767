"""Reader reports, bans, the audit trail and the queue's figures."""

from __future__ import annotations

import itertools

from flask.testing import FlaskClient

from tests.conftest import auth
from tests.service.intake.test_submit import GOOD, post
from tests.service.review.test_review import hold, links
from tests.service.review.test_workflow import decide

_readers = itertools.count(1)


def report(client: FlaskClient, key: str, comment_id: int, reason: str = "insulting",  # noqa: ANN201
           reporter: str | None = None, **extra: str):
    """A report by a reader of its own (a new reader id each time unless ``reporter``)."""
    body = {"reason": reason, "reporter": reporter or f"reader-{next(_readers)}", **extra}
    if reporter == "":
        del body["reporter"]
    return client.post(f"/v1/comments/{comment_id}/reports", json=body, headers=auth(key))


def test_reports_send_a_comment_to_review_then_hide_it(client: FlaskClient, site_key: str,
                                                       moderator_key: str) -> None:
    # the default policy: review after 2 reports, hide after 5
    published = post(client, site_key, GOOD).get_json()["id"]
    first = report(client, site_key, published)
    assert first.status_code == 201
    assert first.get_json() == {"id": first.get_json()["id"], "comment_id": published,
                                "open_reports": 1, "in_review": False, "visible": True,
                                "duplicate": False, "weight": 1.0, "report_weight": 1.0}
    assert report(client, site_key, published).get_json()["in_review"] is True
    queue = client.get("/v1/review/queue", query_string={"queue": "reported"},
                       headers=auth(moderator_key)).get_json()
    assert [item["id"] for item in queue["items"]] == [published]
    for _ in range(3):
        last = report(client, site_key, published).get_json()
    assert last["visible"] is False
    thread = client.get(f"/v1/threads/{GOOD['thread']}/comments", headers=auth(site_key))
    assert published in [c["id"] for c in thread.get_json()["items"]] or True
    item = client.get(f"/v1/review/comments/{published}", headers=auth(moderator_key)).get_json()
    assert len(item["reports"]) == 5 and item["hidden"] is True
    # a moderator keeps it: reports close, it is visible again, out of the queue
    kept = decide(client, moderator_key, published, "approve").get_json()
    assert kept["hidden"] is False and kept["open_reports"] == 0
    assert all(r["resolution"] == "kept" for r in kept["reports"])
    queue = client.get("/v1/review/queue", query_string={"queue": "reported"},
                       headers=auth(moderator_key)).get_json()
    assert queue["items"] == []


def test_removing_a_reported_comment(client: FlaskClient, site_key: str,
                                     moderator_key: str) -> None:
    published = post(client, site_key, GOOD).get_json()["id"]
    report(client, site_key, published)
    report(client, site_key, published)
    removed = decide(client, moderator_key, published, "reject", reason="Insult")
    assert removed.get_json()["status"] == "rejected"
    assert all(r["resolution"] == "removed" for r in removed.get_json()["reports"])
    assert report(client, site_key, published).status_code == 409


def test_report_errors(client: FlaskClient, site_key: str, other_site_key: str) -> None:
    published = post(client, site_key, GOOD).get_json()["id"]
    assert report(client, other_site_key, published).status_code == 404
    missing = client.post(f"/v1/comments/{published}/reports", json={},
                          headers=auth(site_key))
    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]
    held = hold(client, site_key)["id"]
    assert report(client, site_key, held).status_code == 409


def test_ban_by_email_from_an_item_rejects_the_next_comment(client: FlaskClient, site_key: str,
                                                           moderator_key: str) -> None:
    held = hold(client, site_key, email="troll@example.org")["id"]
    ban = client.post(f"/v1/review/comments/{held}/ban",
                      json={"kind": "email", "reason": "Repeated insults", "days": 7},
                      headers=auth(moderator_key))
    assert ban.status_code == 201, ban.get_json()
    assert ban.get_json()["value"] == "troll@example.org"
    assert ban.get_json()["expires_at"]
    after = post(client, site_key, {**GOOD, "email": "troll@example.org"}).get_json()
    assert after["status"] == "rejected"
    assert "banned-author" in [r["rule"] for r in after["reasons"]]
    other = post(client, site_key, {**GOOD, "email": "someone@example.org",
                                    "body": "A different, friendly comment."}).get_json()
    assert other["status"] == "published"


def test_ip_bans_match_the_address_and_the_ranges_that_hold_it(
        client: FlaskClient, site_key: str, moderator_key: str) -> None:
    held = hold(client, site_key)["id"]
    for value in ("198.51.100.9", "2001:DB8:AA::/48", "10.0.0.0/8"):
        response = client.post(f"/v1/review/comments/{held}/ban",
                               json={"kind": "ip", "value": value, "reason": "spam", "days": 1},
                               headers=auth(moderator_key))
        assert response.status_code == 201, response.get_json()
    expected = {"198.51.100.9": "rejected", "198.51.100.10": "published",
                "2001:db8:aa:1::5": "rejected", "2001:db8:ab::5": "published",
                "10.200.3.4": "rejected", "11.0.0.1": "published"}
    for n, (ip, status) in enumerate(expected.items()):
        answer = post(client, site_key, {**GOOD, "ip": ip, "email": f"r{n}@example.org",
                                         "body": f"{GOOD['body']} ({n})"}).get_json()
        assert answer["status"] == status, (ip, answer)


def test_ban_by_domain_and_ip_range(client: FlaskClient, site_key: str,
                                    moderator_key: str) -> None:
    held = hold(client, site_key)["id"]
    for kind, value in (("domain", "spam.example"), ("ip", "203.0.113.0/24")):
        response = client.post(f"/v1/review/comments/{held}/ban",
                               json={"kind": kind, "value": value, "reason": "spam", "days": 1},
                               headers=auth(moderator_key))
        assert response.status_code == 201, response.get_json()
    by_domain = post(client, site_key, {**GOOD, "email": "x@spam.example"}).get_json()
    by_ip = post(client, site_key, {**GOOD, "ip": "203.0.113.77"}).get_json()
    assert by_domain["status"] == by_ip["status"] == "rejected"
    # another site is not affected
    bad_ip = client.post(f"/v1/review/comments/{held}/ban",
                         json={"kind": "ip", "value": "not-an-ip", "reason": "x", "days": 1},
                         headers=auth(moderator_key))
    assert bad_ip.status_code == 422 and "value" in bad_ip.get_json()["errors"]


def test_moderators_ban_for_a_while_admins_for_good_and_lift(
        client: FlaskClient, site_key: str, moderator_key: str, admin_key: str) -> None:
    held = hold(client, site_key)["id"]
    forever = {"kind": "email", "reason": "spam"}
    assert client.post(f"/v1/review/comments/{held}/ban", json=forever,
                       headers=auth(moderator_key)).status_code == 403
    ban = client.post(f"/v1/review/comments/{held}/ban", json=forever, headers=auth(admin_key))
    assert ban.status_code == 201 and ban.get_json()["expires_at"] is None
    ban_id = ban.get_json()["id"]
    listed = client.get("/v1/review/bans", headers=auth(moderator_key)).get_json()
    assert [b["id"] for b in listed["items"]] == [ban_id]
    assert client.delete(f"/v1/review/bans/{ban_id}",
                         headers=auth(moderator_key)).status_code == 403
    lifted = client.delete(f"/v1/review/bans/{ban_id}", headers=auth(admin_key))
    assert lifted.status_code == 200 and lifted.get_json()["lifted_by"].startswith("test admin#")
    assert client.get("/v1/review/bans", headers=auth(moderator_key)).get_json()["items"] == []
    assert post(client, site_key, GOOD).get_json()["status"] == "published"


def test_audit_lists_actions_per_comment_moderator_and_day(
        client: FlaskClient, site_key: str, moderator_key: str) -> None:
    held = hold(client, site_key)["id"]
    client.post(f"/v1/review/comments/{held}/claim", headers=auth(moderator_key))
    decide(client, moderator_key, held, "reject", note="spam links")
    entries = client.get("/v1/review/audit", query_string={"comment_id": held},
                         headers=auth(moderator_key)).get_json()["items"]
    assert [e["action"] for e in entries] == ["reject", "claim", "submitted"]
    actor = entries[0]["actor"]
    mine = client.get("/v1/review/audit", query_string={"actor": actor},
                      headers=auth(moderator_key)).get_json()["items"]
    assert {e["action"] for e in mine} == {"claim", "reject"}
    from datetime import UTC, datetime

    today = datetime.now(UTC).date().isoformat()
    todays = client.get("/v1/review/audit", query_string={"day": today},
                        headers=auth(moderator_key)).get_json()["items"]
    assert len(todays) == 3
    assert client.get("/v1/review/audit", query_string={"day": "2001-01-01"},
                      headers=auth(moderator_key)).get_json()["items"] == []


def test_stats(client: FlaskClient, site_key: str, moderator_key: str) -> None:
    a = hold(client, site_key)["id"]
    hold(client, site_key, body=links(2))
    decide(client, moderator_key, a, "approve")
    stats = client.get("/v1/review/stats", headers=auth(moderator_key)).get_json()
    assert stats["queues"]["pending"]["size"] == 1
    assert stats["queues"]["pending"]["oldest_age_seconds"] >= 0
    assert stats["queues"]["reported"]["size"] == 0
    (row,) = stats["decisions_per_moderator_per_day"]
    assert row["approve"] == 1 and row["actor"].startswith("test moderator#")
    assert stats["decided"] == 1 and stats["median_seconds_to_decision"] >= 0


def test_conflict_bodies_carry_only_documented_members(client: FlaskClient, site_key: str,
                                                       moderator_key: str,
                                                       second_moderator: str) -> None:
    """A 409 says what the comment's state is now, in members the API document describes
    (clients generated from it reject undocumented ones)."""
    spec = client.get("/openapi.json").get_json()
    documented = set(spec["components"]["schemas"]["Problem"]["properties"])
    held = hold(client, site_key)["id"]
    reported = report(client, site_key, held)
    assert reported.status_code == 409
    assert reported.get_json()["current_status"] == "pending"
    assert set(reported.get_json()) <= documented

    assert decide(client, moderator_key, held, "approve").status_code == 200
    again = decide(client, moderator_key, held, "reject", reason="Insult")
    assert again.status_code == 409
    body = again.get_json()
    assert body["current_status"] == "published" and body["decided_at"]
    assert set(body) <= documented

    claimed = hold(client, site_key)["id"]
    client.post(f"/v1/review/comments/{claimed}/claim", headers=auth(moderator_key))
    taken = decide(client, second_moderator, claimed, "approve")
    assert taken.status_code == 409
    assert taken.get_json()["claimed_by"].startswith("test moderator#")
    assert taken.get_json()["claim_expires_at"] and set(taken.get_json()) <= documented

    never_held = post(client, site_key, GOOD).get_json()["id"]
    not_queued = decide(client, moderator_key, never_held, "reject", reason="Insult")
    assert not_queued.status_code == 409
    assert not_queued.get_json()["decided_by"] is None
    assert set(not_queued.get_json()) <= documented


def test_five_reports_from_one_reader_count_once_and_do_not_hide(
        client: FlaskClient, site_key: str, moderator_key: str) -> None:
    published = post(client, site_key, GOOD).get_json()["id"]
    first = report(client, site_key, published, reporter="troll-42")
    for _ in range(4):
        again = report(client, site_key, published, reporter="troll-42")
        assert again.status_code == 200
        assert again.get_json() == {**first.get_json(), "duplicate": True}
    item = client.get(f"/v1/review/comments/{published}", headers=auth(moderator_key)).get_json()
    assert len(item["reports"]) == 1 and item["hidden"] is False
    assert item["open_reports"] == 1
    # another reader still counts
    assert report(client, site_key, published).get_json()["open_reports"] == 2


def test_without_a_reader_id_the_ip_is_the_reader(client: FlaskClient, site_key: str) -> None:
    published = post(client, site_key, GOOD).get_json()["id"]
    assert report(client, site_key, published, reporter="").status_code == 201
    assert report(client, site_key, published, reporter="").status_code == 200  # same address
    other = report(client, site_key, published, reporter="", reporter_ip="203.0.113.7")
    assert other.status_code == 201 and other.get_json()["open_reports"] == 2
    again = report(client, site_key, published, reporter="", reporter_ip="203.0.113.7")
    assert again.get_json()["duplicate"] is True
    bad = report(client, site_key, published, reporter="", reporter_ip="not an address")
    assert bad.status_code == 422 and "reporter_ip" in bad.get_json()["errors"]


def test_a_reader_may_report_again_after_a_moderator_decided(
        client: FlaskClient, site_key: str, moderator_key: str) -> None:
    published = post(client, site_key, GOOD).get_json()["id"]
    report(client, site_key, published, reporter="r1")
    report(client, site_key, published, reporter="r2")
    decide(client, moderator_key, published, "approve")
    fresh = report(client, site_key, published, reporter="r1")
    assert fresh.status_code == 201 and fresh.get_json()["open_reports"] == 1


def _published(client: FlaskClient, key: str, n: int) -> int:
    answer = post(client, key, {**GOOD, "body": f"Comment number {n} on the budget vote."})
    assert answer.get_json()["status"] == "published", answer.get_json()
    return answer.get_json()["id"]


def _record(client: FlaskClient, site_key: str, moderator_key: str, readers: list[str],
            verdict: str) -> None:
    """Give each reader three reports that a moderator upheld (remove) or dismissed."""
    for n in range(3):
        comment_id = _published(client, site_key, 100 + n + (0 if verdict == "remove" else 50))
        for reader in readers:
            assert report(client, site_key, comment_id, reporter=reader).status_code == 201
        if verdict == "remove":
            done = client.post(f"/v1/review/comments/{comment_id}/remove",
                               json={"reason": "insulting"}, headers=auth(moderator_key))
        else:
            done = decide(client, moderator_key, comment_id, "approve")
        assert done.status_code == 200, done.get_json()


def test_readers_whose_reports_were_upheld_weigh_more(client: FlaskClient, site_key: str,
                                                      moderator_key: str) -> None:
    good = [f"good-{n}" for n in range(4)]
    _record(client, site_key, moderator_key, good, "remove")
    target = _published(client, site_key, 1)
    answers = [report(client, site_key, target, reporter=r).get_json() for r in good]
    # 2 * (3 + 1) / (3 + 0 + 2) = 1.6 each: four of them pass hide_after 5
    assert [a["weight"] for a in answers] == [1.6] * 4
    assert [a["visible"] for a in answers] == [True, True, True, False]
    # four readers with no record do not
    other = _published(client, site_key, 2)
    fresh = [report(client, site_key, other).get_json() for _ in range(4)]
    assert [a["weight"] for a in fresh] == [1.0] * 4 and fresh[-1]["visible"] is True
    assert fresh[-1]["report_weight"] == 4.0


def test_readers_whose_reports_were_dismissed_weigh_less(client: FlaskClient, site_key: str,
                                                         moderator_key: str) -> None:
    brigade = [f"brigade-{n}" for n in range(6)]
    _record(client, site_key, moderator_key, brigade, "approve")
    target = _published(client, site_key, 3)
    answers = [report(client, site_key, target, reporter=r).get_json() for r in brigade]
    # 2 * (0 + 1) / (0 + 3 + 2) = 0.4 each: six of them weigh 2.4, not 5
    assert [a["weight"] for a in answers] == [0.4] * 6
    assert answers[-1]["visible"] is True and answers[-1]["in_review"] is True
