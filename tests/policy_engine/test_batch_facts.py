"""Facts answered in one go: the engine lists a policy's questions at load and, when the
facts can answer them all at once, asks nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policy_engine import (
    Action,
    Answers,
    AuthorRecord,
    MemoryFacts,
    Questions,
    fingerprint,
    load_policy,
)
from policy_engine.facts import count_cap

from .conftest import sub, write

POLICY = """
rules:
  - id: banned
    when: {author: {banned: true}}
    action: reject
    reason: Banned.
  - id: flood-ip
    when: {flood: {by: ip, more_than: 5, within: 10m}}
    action: hold
    reason: Too fast.
  - id: flood-email
    when:
      all:
        - body: {has_word: [offer]}
        - flood: {by: email, more_than: 1, within: 1h}
    action: hold
    reason: Too fast by mail.
  - id: duplicate
    when: {not: {duplicate: {within: 2d, at_least: 2}}}
    action: approve
    reason: New.
  - id: trusted
    when:
      author:
        approved_before: {at_least: 3}
        rejected_before: {at_most: 0}
    action: approve
    reason: Regular.
"""


@pytest.fixture(scope="module")
def history_policy(tmp_path_factory):  # noqa: ANN001, ANN201
    root = tmp_path_factory.mktemp("policy")
    write(root, {"default.yaml": POLICY})
    return load_policy(root)


class Batched(MemoryFacts):
    """MemoryFacts that also answers everything at once, recording what it was asked."""

    def __init__(self, answers: Answers) -> None:
        super().__init__()
        self.answers = answers
        self.batches: list[tuple[Questions, str]] = []

    def answer_all(self, questions, submission, body_fingerprint):  # noqa: ANN001, ANN201
        self.batches.append((questions, body_fingerprint))
        return self.answers


def test_questions_list_every_fact_the_rules_use(make_policy):
    questions = make_policy(POLICY).questions
    # flood by email counts the author: the site's author id when it sends one, else the email
    assert questions.recent == {("ip", timedelta(minutes=10)), ("author", timedelta(hours=1))}
    assert questions.duplicate == {timedelta(days=2)}
    assert questions.ban is True
    assert questions.author == {"approved", "rejected"}  # the parts of the record rules read
    assert questions.author_cap == 4  # "at least 3" is decided by counting to 4 at most


def test_a_policy_without_history_rules_asks_nothing(make_policy):
    policy = make_policy("rules:\n  - id: r\n    when: {body: {has_word: [x]}}\n"
                         "    action: hold\n    reason: X.\n")
    assert not policy.questions
    facts = Batched(Answers())
    policy.evaluate(sub("x"), {}, facts)
    assert facts.batches == [] and facts.calls == []


def test_batched_answers_are_asked_once_and_used(make_policy):
    policy = make_policy(POLICY)
    answers = Answers(recent={("ip", timedelta(minutes=10)): 5,
                              ("author", timedelta(hours=1)): 1},
                      duplicate={timedelta(days=2): 0},
                      author=AuthorRecord(approved=4, rejected=0), ban=None)
    facts = Batched(answers)
    decision = policy.evaluate(sub("A special offer for you"), {}, facts)
    assert [r.rule for r in decision.reasons] == ["flood-ip", "flood-email", "duplicate",
                                                  "trusted"]
    assert decision.action is Action.HOLD
    assert len(facts.batches) == 1 and facts.calls == []  # nothing asked one by one
    assert facts.batches[0][1] == fingerprint("A special offer for you")


def test_a_ban_in_the_batch_rejects(make_policy):
    facts = Batched(Answers(ban="spam, March"))
    decision = make_policy(POLICY).evaluate(sub(), {}, facts)
    assert decision.action is Action.REJECT
    assert decision.reasons[0].matched == ("spam, March",)


def test_missing_answers_count_as_none(make_policy):
    decision = make_policy(POLICY).evaluate(sub(), {}, Batched(Answers()))
    assert [r.rule for r in decision.reasons] == ["duplicate"]


@given(n=st.integers(0, 50),
       bound=st.floats(0, 20, allow_nan=False),
       kind=st.sampled_from(["more_than", "less_than", "at_least", "at_most"]))
def test_counting_up_to_the_cap_decides_like_counting_all(n, bound, kind):
    from policy_engine.conditions import Compare

    compare = Compare(**{kind: bound})
    assert compare.ok(min(n, count_cap(bound))) == compare.ok(n)


@given(recent=st.integers(0, 8), dups=st.integers(0, 3), approved=st.integers(0, 6),
       rejected=st.integers(0, 2), banned=st.sampled_from([None, "ban"]))
def test_batched_and_one_by_one_decide_alike(history_policy, recent, dups, approved, rejected,
                                             banned):
    policy = history_policy
    record = AuthorRecord(approved=approved, rejected=rejected)
    lazy = MemoryFacts(recent={"ip": recent, "email": recent}, duplicates=dups, history=record,
                       banned=banned)
    cap = policy.questions.author_cap
    batched = Batched(Answers(
        recent={q: recent for q in policy.questions.recent},
        duplicate={w: dups for w in policy.questions.duplicate},
        author=AuthorRecord(approved=min(approved, cap), rejected=min(rejected, cap)),
        ban=banned))
    comment = sub("An offer")
    assert policy.evaluate(comment, {}, batched) == policy.evaluate(comment, {}, lazy)
