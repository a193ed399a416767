"""The shipped default policy: loads, meets the brief, and its examples pass."""

from __future__ import annotations

import subprocess
import sys

import pytest

from policy_engine import Action, AuthorRecord, FieldLimit, MemoryFacts, ReportRules, load_policy
from policy_engine.examples import run_example

from .conftest import REPO, SHIPPED, sub

POLICY = load_policy(SHIPPED)


def test_fields_and_limits():
    assert POLICY.fields.required == {"thread", "name", "email", "body"}
    assert POLICY.fields.limits["body"] == FieldLimit(2, 5000, None)
    assert POLICY.fields.limits["name"].max_length == 80
    assert POLICY.fields.limits["email"].format == "email"
    assert POLICY.fields.limits["website"].format == "url"
    assert POLICY.fields.limits["thread"].max_length == 200


def test_thresholds_reports_reasons():
    assert POLICY.thresholds["abuse"] == {Action.HOLD: 0.3, Action.REJECT: 0.9}
    assert POLICY.thresholds["spam"] == {Action.HOLD: 0.6, Action.REJECT: 0.9}
    assert POLICY.reports == ReportRules(review_after=2, hide_after=5)
    assert POLICY.qa_sample == 0.02
    assert "Comments with several links are reviewed before they appear." in POLICY.reasons


@pytest.mark.parametrize("example", POLICY.examples, ids=lambda e: e.name)
def test_examples(example):
    result = run_example(POLICY, example)
    assert result.passed, result.failure


def test_every_rule_has_an_example():
    covered = {rule for e in POLICY.examples for rule in (e.rules or ())}
    assert {r.id for r in POLICY.rules} <= covered


@pytest.mark.parametrize("body", [
    "The class assessment was fair.", "Scunthorpe United won.", "A cocktail of assassins.",
    "My therapist likes shiitake mushrooms.", "He passed the bass to Dick.",
    "Pass the glass, Cass.", "He's a spook in the novel.", "Analysis of the Hancock report.",
])
def test_no_false_hits_on_ordinary_news_comments(body):
    assert POLICY.evaluate(sub(body), {}, MemoryFacts()).action == Action.APPROVE


def test_trusted_regular_never_overrides_a_slur():
    facts = MemoryFacts(history=AuthorRecord(approved=100))
    decision = POLICY.evaluate(sub("you f4gg0t"), {"abuse": 0.99}, facts)
    assert decision.action == Action.REJECT
    assert decision.classifier_skipped


def test_engine_does_not_import_the_web_stack():
    code = ("import sys, policy_engine, policy_engine.cli, policy_engine.backtest, textnorm; "
            "bad = [m for m in ('flask', 'sqlalchemy', 'marshmallow', 'service') "
            "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_bench_runs():
    result = subprocess.run([sys.executable, "bench/bench_policy.py", "--runs", "50"], cwd=REPO,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "evaluate: median" in result.stdout
