"""Every condition, through small policies with one rule."""

from __future__ import annotations

import textwrap
from datetime import timedelta

import pytest

from policy_engine import Action, AuthorRecord, MemoryFacts

from .conftest import sub


def rule(when: str, action: str = "hold") -> str:
    if "\n" in when:
        when = "\n" + textwrap.indent(textwrap.dedent(when).strip("\n"), " " * 6)
    return ("rules:\n  - id: r\n    when: " + when + f"\n    action: {action}\n"
            "    reason: Because.\n")


def fires(policy, submission=None, scores=None, facts=None) -> bool:
    decision = policy.evaluate(submission or sub(), scores or {}, facts or MemoryFacts())
    return "r" in decision.rule_ids


def test_has_word_inline_and_matched(make_policy):
    p = make_policy(rule("{body: {has_word: [idiot, moron]}}"))
    d = p.evaluate(sub("what a 1d10t"), {}, MemoryFacts())
    assert d.action == Action.HOLD
    assert d.reasons[0].matched == ("idiot",)
    assert not fires(p, sub("an idiotic idea, idiosyncratic"))


def test_has_word_from_files_relative_to_the_policy(make_policy):
    p = make_policy(rule("{name: {has_word_from: [lists/a.txt, lists/b.txt]}}"),
                    files={"lists/a.txt": "# comment\nfoo  # inline comment\n",
                           "lists/b.txt": "bar baz\n"})
    assert fires(p, sub(name="Mr Foo"))
    assert fires(p, sub(name="a bar baz b"))
    assert not fires(p, sub(name="bar"))
    assert not fires(p, sub("foo"))  # another field


def test_matches_folded_and_raw(make_policy):
    p = make_policy(rule('{body: {matches: "i will kill you"}}'))
    assert fires(p, sub("I   W1LL  kill YOU"))
    assert not fires(p, sub("I will skill you"))
    raw = make_policy(rule('{body: {matches_raw: "[A-Z]{5}"}}'))
    assert fires(raw, sub("ABCDE"))
    assert not fires(raw, sub("abcde"))


def test_matches_a_list_is_any(make_policy):
    p = make_policy(rule('{body: {matches: ["^foo", "bar$"]}}'))
    assert fires(p, sub("foo x"))
    assert fires(p, sub("x bar"))
    assert not fires(p, sub("x foo bar x"))


@pytest.mark.parametrize(("bounds", "body", "expected"), [
    ("{more_than: 5}", "123456", True),
    ("{more_than: 5}", "12345", False),
    ("{less_than: 3}", "12", True),
    ("{at_least: 3, at_most: 4}", "1234", True),
    ("{at_least: 3, at_most: 4}", "12345", False),
])
def test_length(make_policy, bounds, body, expected):
    assert fires(make_policy(rule(f"{{body: {{length: {bounds}}}}}")), sub(body)) is expected


def test_capitals_need_enough_letters(make_policy):
    p = make_policy(rule("{body: {capitals: {more_than: 0.7, min_letters: 10}}}"))
    assert fires(p, sub("THIS IS ALL SHOUTING"))
    assert not fires(p, sub("OK NASA"))  # too few letters to judge
    assert not fires(p, sub("This is Normal Text With Caps"))


def test_repeated_characters(make_policy):
    p = make_policy(rule("{body: {repeated_characters: {at_least: 5}}}"))
    assert fires(p, sub("nooooo"))
    assert fires(p, sub("what!!!!!"))
    assert not fires(p, sub("noooo  and     spaces"))


def test_links_count(make_policy):
    p = make_policy(rule("{body: {links: {more_than: 1}}}"))
    assert fires(p, sub("http://a.example and www.b.example"))
    assert not fires(p, sub("just http://a.example, and Node.js e.g."))


def test_links_to_deny_list_with_subdomains(make_policy):
    p = make_policy(rule("{body: {links_to: lists/bad.txt}}"),
                    files={"lists/bad.txt": "spam.example\n"})
    d = p.evaluate(sub("go to https://WWW.shop.spam.example/x."), {}, MemoryFacts())
    assert d.reasons[0].matched == ("shop.spam.example",)
    assert not fires(p, sub("see https://notspam.example/"))


def test_links_outside_allow_list(make_policy):
    p = make_policy(rule("{body: {links_outside: [news.example, gov.example]}}"))
    assert not fires(p, sub("see https://news.example/a and http://data.gov.example/b"))
    assert fires(p, sub("see https://news.example/a and http://other.example/b"))
    assert not fires(p, sub("no links at all"))


def test_present(make_policy):
    p = make_policy(rule("{website: {present: true}}"))
    assert fires(p, sub(website="https://me.example"))
    assert not fires(p, sub(website=None))
    assert not fires(p, sub(website="  "))


def test_author_email_domain_and_ip(make_policy):
    p = make_policy(rule("""
        any:
          - author: {email_in: [bad@example.org]}
          - author: {email_domain_in: lists/domains.txt}
          - author: {ip_in: [203.0.113.0/24, "2001:db8::/32", 192.0.2.1]}"""),
        files={"lists/domains.txt": "spam.example\n"})
    assert fires(p, sub(email="BAD@example.org"))
    assert fires(p, sub(email="x@mail.spam.example"))
    assert fires(p, sub(ip="203.0.113.9"))
    assert fires(p, sub(ip="2001:db8::1"))
    assert fires(p, sub(ip="192.0.2.1"))
    assert not fires(p, sub(ip="192.0.2.2"))
    assert not fires(p, sub(ip="not an ip"))
    assert not fires(p, sub(ip=None))


def test_history(make_policy):
    p = make_policy(rule("{author: {approved_before: {at_least: 3}, "
                         "rejected_before: {at_most: 0}}}"))
    assert fires(p, facts=MemoryFacts(history=AuthorRecord(approved=3)))
    assert not fires(p, facts=MemoryFacts(history=AuthorRecord(approved=3, rejected=1)))
    assert not fires(p, facts=MemoryFacts(history=AuthorRecord(approved=2)))


def test_comments_and_upheld_reports_in_the_record(make_policy):
    first_three = make_policy(rule("{author: {comments: {less_than: 3}}}"))
    assert fires(first_three, facts=MemoryFacts(history=AuthorRecord(comments=2)))
    assert not fires(first_three, facts=MemoryFacts(history=AuthorRecord(comments=3)))
    assert first_three.questions.author == {"comments"}
    assert first_three.questions.author_cap == 4  # counting to 4 decides "less than 3"
    upheld = make_policy(rule("{author: {reports_upheld: {at_least: 2}}}"))
    assert fires(upheld, facts=MemoryFacts(history=AuthorRecord(reports_upheld=2)))
    assert not fires(upheld, facts=MemoryFacts(history=AuthorRecord(reports_upheld=1)))


def test_first_seen_is_the_readers_age_on_the_site(make_policy):
    now = sub().submitted_at
    new = make_policy(rule("{author: {first_seen: {within: 7d}}}"))
    assert fires(new)  # never seen before: new
    assert fires(new, facts=MemoryFacts(history=AuthorRecord(first_seen=now - timedelta(days=6))))
    assert not fires(new, facts=MemoryFacts(
        history=AuthorRecord(first_seen=now - timedelta(days=8))))
    old = make_policy(rule("{author: {first_seen: {before: 30d}}}"))
    assert not fires(old)
    assert fires(old, facts=MemoryFacts(
        history=AuthorRecord(first_seen=now - timedelta(days=31))))
    assert new.questions.author == {"first_seen"}


def test_identified_readers_and_the_new_commenter_rule(make_policy):
    p = make_policy(rule("""
        author:
          identified: true
          approved_before: {less_than: 2}
        """))
    assert fires(p, sub(author_id="user-1"), facts=MemoryFacts(history=AuthorRecord(approved=1)))
    assert not fires(p, sub(author_id="user-1"),
                     facts=MemoryFacts(history=AuthorRecord(approved=2)))
    assert not fires(p, facts=MemoryFacts(history=AuthorRecord(approved=0)))  # no author id
    assert fires(make_policy(rule("{author: {identified: false}}")))


def test_the_record_is_asked_by_author_id_when_the_site_sends_one(make_policy):
    asked: list[tuple[str, str]] = []

    class Recording(MemoryFacts):
        def author_record(self, field, value):  # noqa: ANN001, ANN201
            asked.append((field, value))
            return super().author_record(field, value)

    p = make_policy(rule("{author: {approved_before: {at_least: 1}}}"))
    p.evaluate(sub(author_id="user-9"), {}, Recording())
    p.evaluate(sub(), {}, Recording())
    assert asked == [("author_id", "user-9"), ("email", "ann@example.org")]


def test_thread_moderation(make_policy):
    p = make_policy(rule("{thread: {moderation: pre}, body: {links: {more_than: 0}}}",
                         "reject"))
    link = "see https://example.org/x"
    assert fires(p, sub(link, thread_moderation="pre"))
    assert not fires(p, sub(link))
    assert not fires(p, sub("no link here", thread_moderation="pre"))
    either = make_policy(rule("{thread: {moderation: [pre, closed]}}"))
    assert fires(either, sub(thread_moderation="closed"))


def test_banned(make_policy):
    p = make_policy(rule("{author: {banned: true}}", "reject"))
    d = p.evaluate(sub(), {}, MemoryFacts(banned="spam"))
    assert d.action == Action.REJECT and d.reasons[0].matched == ("spam",)
    assert not fires(p)
    assert fires(make_policy(rule("{author: {banned: false}}")))


class RecordingFacts(MemoryFacts):
    def __init__(self, **kw):
        super().__init__(**kw)
        self.args = []

    def recent_count(self, field, value, within):
        self.args.append((field, value, within))
        return super().recent_count(field, value, within)


def test_flood_counts_this_comment(make_policy):
    p = make_policy(rule("{flood: {by: ip, more_than: 5, within: 10m}}"))
    facts = RecordingFacts(recent={"ip": 5})
    assert fires(p, facts=facts)
    assert facts.args == [("ip", "198.51.100.7", timedelta(minutes=10))]
    assert not fires(p, facts=MemoryFacts(recent={"ip": 4}))
    assert not fires(p, sub(ip=None), facts=MemoryFacts(recent={"ip": 50}))
    by_email = make_policy(rule("{flood: {by: email, more_than: 1, within: 1 hour}}"))
    assert fires(by_email, facts=MemoryFacts(recent={"email": 1}))
    by_author = make_policy(rule("{flood: {by: author, more_than: 1, within: 1 hour}}"))
    facts = RecordingFacts(recent={"author": 1})
    assert fires(by_author, sub(author_id="user-4"), facts=facts)
    assert facts.args == [("author_id", "user-4", timedelta(hours=1))]


def test_duplicate(make_policy):
    p = make_policy(rule("{duplicate: {within: 1h}}"))
    assert fires(p, facts=MemoryFacts(duplicates=1))
    assert not fires(p, facts=MemoryFacts(duplicates=0))
    twice = make_policy(rule("{duplicate: {within: 2d, at_least: 2}}"))
    assert not fires(twice, facts=MemoryFacts(duplicates=1))


def test_language(make_policy):
    p = make_policy(rule("{language: {not_in: [en]}}"))
    assert fires(p, sub("Das ist ein ganz normaler Kommentar zum Artikel über die Stadt."))
    assert not fires(p, sub("This is a perfectly normal comment about the article."))
    assert not fires(p, sub("Kurz."))  # too short to tell: never matches
    inside = make_policy(rule("{language: {in: [de, fr], min_letters: 5}}"))
    assert fires(inside, sub("Ceci est un commentaire tout à fait normal sur l'article."))


def test_score(make_policy):
    p = make_policy(rule("{score: {abuse: {at_least: 0.8}}}"))
    assert fires(p, scores={"abuse": 0.8})
    assert not fires(p, scores={"abuse": 0.79})
    assert not fires(p, scores={})


def test_all_any_not(make_policy):
    p = make_policy(rule("""
        all:
          - body: {has_word: [foo]}
          - any: [{body: {has_word: [bar]}}, {name: {has_word: [bar]}}]
          - not: {body: {has_word: [baz]}}"""))
    assert fires(p, sub("foo bar"))
    assert fires(p, sub("foo", name="bar"))
    assert not fires(p, sub("foo bar baz"))
    assert not fires(p, sub("bar"))


def test_several_keys_in_one_mapping_must_all_hold(make_policy):
    p = make_policy(rule("{body: {has_word: [foo], length: {less_than: 10}}, "
                         "name: {has_word: [ann]}}"))
    assert fires(p, sub("foo"))
    assert not fires(p, sub("foo but longer"))
    assert not fires(p, sub("foo", name="Bob"))


def test_always(make_policy):
    assert fires(make_policy(rule("always")))


def test_website_is_one_link_with_or_without_scheme(make_policy):
    p = make_policy(rule("{website: {links_to: [spam.example]}}"))
    assert fires(p, sub(website="spam.example"))
    assert fires(p, sub(website="https://www.spam.example/page"))
    assert not fires(p, sub(website="https://ham.example"))
    assert not fires(p, sub(website=None))


def test_scores_that_are_not_numbers_are_ignored(make_policy):
    p = make_policy(rule("{score: {abuse: {at_least: 0.5}}}"))
    assert not fires(p, scores={"abuse": None})
    assert not fires(p, scores={"abuse": True})


def test_typographic_apostrophe_in_patterns(make_policy):
    p = make_policy(rule('{body: {matches: "i\'ll kill you"}}'))
    assert fires(p, sub("I’ll kill you"))
