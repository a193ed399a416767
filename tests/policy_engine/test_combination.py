"""The combination rule: most severe wins, overrides lift precisely what they name."""

from __future__ import annotations

import pytest

from policy_engine import Action, AuthorRecord, MemoryFacts

from .conftest import sub

POLICY = """
thresholds:
  abuse: {hold: 0.5, reject: 0.95}
  spam: {hold: 0.7}
rules:
  - id: slur
    when: {body: {has_word: [slurword]}}
    action: reject
    reason: No slurs.
    labels: [hate]
    priority: 10
  - id: rude
    when: {body: {has_word: [rude]}}
    action: hold
    reason: Rude.
    labels: [rude]
    priority: 3
  - id: links
    when: {body: {links: {more_than: 0}}}
    action: hold
    reason: Links.
    labels: [links, rude]
    priority: 1
  - id: friendly
    when: {body: {has_word: [thanks]}}
    action: approve
    reason: Friendly.
  - id: trusted
    when: {author: {approved_before: {at_least: 3}}}
    action: approve
    override: [classifier]
  - id: staff
    when: {author: {email_domain_in: [staff.example]}}
    action: approve
    override: [holds, "score:spam"]
  - id: editor
    when: {author: {email_in: [editor@staff.example]}}
    action: approve
    override: [slur]
"""


@pytest.fixture
def policy(make_policy):
    return make_policy(POLICY)


def decide(policy, body, scores=None, **kw):
    facts = kw.pop("facts", MemoryFacts())
    return policy.evaluate(sub(body, **kw), scores or {}, facts)


def test_nothing_matched_is_approve(policy):
    d = decide(policy, "hello")
    assert (d.action, d.reasons, d.priority, d.labels) == (Action.APPROVE, (), 0, ())
    assert d.policy_version == policy.version
    assert d.classifier_skipped is False


def test_most_severe_wins_and_reasons_are_ordered(policy):
    d = decide(policy, "rude slurword thanks http://a.example")
    assert d.action == Action.REJECT
    assert d.rule_ids == ("slur", "rude", "links", "friendly")
    assert d.priority == 10
    assert d.labels == ("hate", "rude", "links")


def test_approve_rule_does_not_lower_a_hold(policy):
    assert decide(policy, "rude thanks").action == Action.HOLD


@pytest.mark.parametrize(("scores", "action", "rules"), [
    ({"abuse": 0.49}, Action.APPROVE, ()),
    ({"abuse": 0.5}, Action.HOLD, ("score:abuse",)),
    ({"abuse": 0.95}, Action.REJECT, ("score:abuse",)),
    ({"abuse": 0.6, "spam": 0.9}, Action.HOLD, ("score:abuse", "score:spam")),
    ({"other": 1.0}, Action.APPROVE, ()),
])
def test_thresholds(policy, scores, action, rules):
    d = decide(policy, "hello", scores)
    assert (d.action, d.rule_ids) == (action, rules)


def test_threshold_reason_tells_the_reader_plainly_and_the_moderator_the_figures(policy):
    (reason,) = decide(policy, "hello", {"abuse": 0.97}).reasons
    assert reason.rule == "score:abuse"
    assert reason.action == Action.REJECT
    assert "0.97" in reason.note and "0.95" in reason.note and "reject" in reason.note
    assert "score" not in reason.message and "0.9" not in reason.message
    (held,) = decide(policy, "hello", {"abuse": 0.6}).reasons
    assert held.action == Action.HOLD and "reviewed" in held.message and "0.6" in held.note


def test_classifier_override_lifts_thresholds_only(policy):
    trusted = MemoryFacts(history=AuthorRecord(approved=3))
    d = decide(policy, "hello", {"abuse": 0.99, "spam": 0.99}, facts=trusted)
    assert (d.action, d.rule_ids, d.classifier_skipped) == (Action.APPROVE, ("trusted",), True)
    d = decide(policy, "rude", {"abuse": 0.99}, facts=trusted)
    assert (d.action, d.rule_ids) == (Action.HOLD, ("rude", "trusted"))
    d = decide(policy, "slurword", {"abuse": 0.99}, facts=trusted)
    assert d.action == Action.REJECT


def test_holds_override_never_lifts_rejects(policy):
    d = decide(policy, "rude http://a.example", {"spam": 0.9, "abuse": 0.6},
               email="x@staff.example")
    # rule holds and the spam threshold are lifted; the abuse threshold is not
    assert (d.action, d.rule_ids) == (Action.HOLD, ("score:abuse", "staff"))
    d = decide(policy, "slurword rude", email="x@staff.example")
    assert (d.action, d.rule_ids) == (Action.REJECT, ("slur", "staff"))


def test_naming_a_rule_lifts_even_its_reject(policy):
    d = decide(policy, "slurword", email="editor@staff.example")
    assert d.action == Action.APPROVE
    assert "slur" not in d.rule_ids


def test_a_rule_never_lifts_itself(make_policy):
    p = make_policy("""
    rules:
      - id: self
        when: always
        action: hold
        reason: Held.
        override: [holds, self]
    """)
    assert decide(p, "x").action == Action.HOLD


def test_unmatched_rules_lift_nothing(policy):
    assert decide(policy, "rude").action == Action.HOLD


def test_facts_are_asked_lazily_and_once(make_policy):
    p = make_policy("""
    rules:
      - id: a
        when: {author: {approved_before: {at_least: 1}}}
        action: approve
      - id: b
        when: {author: {rejected_before: {at_least: 1}}}
        action: hold
        reason: Held.
    """)
    facts = MemoryFacts()
    p.evaluate(sub(), {}, facts)
    assert facts.calls == ["author_record"]


def test_no_facts_asked_without_rules_that_need_them(make_policy):
    p = make_policy("""
    rules:
      - id: a
        when: {body: {has_word: [x]}}
        action: hold
        reason: Held.
    """)
    facts = MemoryFacts()
    p.evaluate(sub(), {}, facts)
    assert facts.calls == []
