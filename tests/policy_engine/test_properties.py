"""Property-based: no text, however strange, makes evaluation raise."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_engine import Action, MemoryFacts, Submission, fingerprint, load_policy
from policy_engine.facts import fingerprint_folded
from policy_engine.textfacts import FieldText
from policy_engine.wordmatch import WordMatcher, compile_entry, tokenize

from .conftest import SHIPPED

POLICY = load_policy(SHIPPED)
texts = st.text(alphabet=st.characters(codec=None), max_size=300)
optional = st.none() | texts


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(body=texts, name=texts, email=texts, website=optional, ip=optional, ua=optional,
       scores=st.dictionaries(st.sampled_from(["abuse", "spam", "x"]),
                              st.floats(allow_nan=True), max_size=3))
def test_evaluate_never_raises(body, name, email, website, ip, ua, scores):
    submission = Submission(site="s", thread="t", name=name, email=email, body=body,
                            website=website, ip=ip, user_agent=ua, referrer=ua)
    decision = POLICY.evaluate(submission, scores, MemoryFacts())
    assert decision.action in tuple(Action)
    assert decision.policy_version == POLICY.version


@given(st.text(max_size=200))
def test_matching_never_raises(text):
    assert isinstance(WordMatcher([compile_entry("idiot"), compile_entry("fu*")]).find(
        tokenize(text)), tuple)


@given(st.text(max_size=200))
def test_fingerprint_matches_what_the_engine_asks_with(text):
    assert isinstance(fingerprint(text), str)
    if not any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        assert fingerprint(text) == fingerprint_folded(FieldText(text).folded_raw)


def test_fingerprint_ignores_case_punctuation_and_spacing():
    assert fingerprint("Buy NOW!!!   cheap") == fingerprint("buy now cheap")
    assert fingerprint("buy now") != fingerprint("buy later")
