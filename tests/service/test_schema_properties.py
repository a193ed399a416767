"""Property tests: no submission, however odd, makes validation do anything but accept or
answer with per-field messages; what it accepts is clean."""

from __future__ import annotations

import marshmallow as ma
from hypothesis import given, settings
from hypothesis import strategies as st

from service.schemas import SUBMISSION_FIELDS, submission_schema

REQUIRED = frozenset({"thread", "name", "email", "body"})
values = st.one_of(st.none(), st.text(max_size=300), st.integers(), st.floats(),
                   st.booleans(), st.lists(st.text(max_size=5), max_size=3),
                   st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2))
submissions = st.dictionaries(st.sampled_from([*SUBMISSION_FIELDS, "other", ""]), values,
                              max_size=12)


@settings(max_examples=300, deadline=None)
@given(submissions)
def test_validation_accepts_or_names_fields(data: dict) -> None:
    schema = submission_schema(REQUIRED, {})
    try:
        loaded = schema.load(data)
    except ma.ValidationError as err:
        assert isinstance(err.messages, dict)
        assert set(err.messages) <= {*SUBMISSION_FIELDS, "_schema"}
        return
    assert set(loaded) >= REQUIRED
    for key, value in loaded.items():
        if isinstance(value, str):
            assert "\x00" not in value and value == value.strip()
            assert key in SUBMISSION_FIELDS


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=500))
def test_any_body_text_is_accepted_as_text(body: str) -> None:
    schema = submission_schema(REQUIRED, {})
    data = {"thread": "t", "name": "n", "email": "a@example.org", "body": body}
    try:
        loaded = schema.load(data)
    except ma.ValidationError as err:
        assert set(err.messages) == {"body"}  # only blank-after-cleaning bodies fail
        return
    assert loaded["body"]
    assert not any(ord(c) < 32 and c not in "\n\t" for c in loaded["body"])
