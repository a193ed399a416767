"""Property-based: whatever a policy file holds, loading gives a Policy or a PolicyError."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_engine import PolicyError, load_policy

KEYS = ["extends", "fields", "required", "limits", "min", "max", "format", "thresholds",
        "abuse", "hold", "reject", "reports", "review_after", "hide_after", "reasons", "rules",
        "id", "when", "action", "reason", "note", "labels", "priority", "override", "disable",
        "tests", "comment", "expect", "body", "name", "email", "ip", "all", "any", "not",
        "has_word", "has_word_from", "matches", "length", "more_than", "at_least", "links",
        "links_to", "author", "email_in", "ip_in", "approved_before", "banned", "flood", "by",
        "within", "duplicate", "score", "capitals", "min_letters", "present", "history",
        "recent", "scores", "always", "language", "in", "not_in"]
scalars = (st.none() | st.booleans() | st.integers(-3, 10) | st.floats(allow_nan=False)
           | st.sampled_from(KEYS + ["hold", "reject", "approve", "10m", "1.2.3.0/24", "(", "*"])
           | st.text(max_size=8))
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
    max_leaves=25,
)


def _load(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "default.yaml").write_text(text, encoding="utf-8")
        Path(tmp, "list.txt").write_text("a\nb c\n", encoding="utf-8")
        try:
            load_policy(tmp)
        except PolicyError as exc:
            assert all(":" in str(p) for p in exc.problems)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS), documents, max_size=5))
def test_any_structure_loads_or_reports(doc):
    _load(yaml.safe_dump(doc))


@settings(max_examples=200, deadline=None)
@given(documents)
def test_any_rule_loads_or_reports(when):
    _load(yaml.safe_dump({"rules": [{"id": "r", "action": "hold", "reason": "x",
                                     "when": when}]}))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_loads_or_reports(text):
    _load(text)
