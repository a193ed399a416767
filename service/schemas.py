"""Marshmallow schemas: what the API accepts and what it answers.

The submission schema is built from the site's policy (which fields are required, their
length limits and formats), so that an edit to ``required:`` in a policy file changes what
a form must fill.  :class:`SubmissionSchema` is the fixed outer shape shown in the OpenAPI
document; :func:`submission_schema` returns the policy's version of it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import marshmallow as ma
from marshmallow import validate

from service.render import body_html

# Hard caps that hold whatever a policy says: a policy may only tighten them.
FIELD_CAPS = {
    "thread": 200,
    "name": 200,
    "email": 320,
    "website": 2000,
    "body": 20_000,
    "user_agent": 500,
    "referrer": 2000,
}
SUBMISSION_FIELDS = ("thread", "name", "email", "website", "body", "parent_id", "ip",
                     "user_agent", "referrer")
REQUIRED_MESSAGE = "This field is required."
MAX_ID = 2**63 - 1  # ids are 64-bit integers in the database


def id_field(**kwargs: Any) -> ma.fields.Integer:
    """An id sent by a client: a positive 64-bit integer."""
    return ma.fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_ID), **kwargs)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """Drop control characters (NUL included), unify newlines and trim the ends."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


class _Base(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE


def _text(name: str, **kwargs: Any) -> ma.fields.String:
    return ma.fields.String(validate=validate.Length(max=FIELD_CAPS[name]), **kwargs)


class SubmissionSchema(_Base):
    """A comment as a form posts it (JSON or form-encoded)."""

    thread = _text("thread", metadata={"description": "Article id or URL", "example": "a-123"})
    name = _text("name", metadata={"description": "Author's display name"})
    email = ma.fields.Email(validate=validate.Length(max=FIELD_CAPS["email"]),
                            metadata={"description": "Author's email (never shown)"})
    website = ma.fields.URL(validate=validate.Length(max=FIELD_CAPS["website"]),
                            metadata={"description": "Author's website"})
    body = _text("body", metadata={"description": "The comment text (plain text)"})
    parent_id = id_field(
                                  metadata={"description": "Id of the comment replied to"})
    ip = ma.fields.IP(metadata={"description": "Reader's IP (default: the request's)"})
    user_agent = _text("user_agent",
                       metadata={"description": "Reader's user agent (default: request's)"})
    referrer = _text("referrer", metadata={"description": "Page the form was on"})

    @ma.pre_load
    def _drop_blanks(self, data: Any, **_: Any) -> Any:
        """Forms send empty strings for empty inputs: treat them as absent; strip controls."""
        if not isinstance(data, Mapping):
            return data
        cleaned: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = clean_text(value)
                if value == "":
                    continue
            cleaned[key] = value
        return cleaned


def _field_for(name: str, required: bool, limit: Any | None) -> ma.fields.Field:
    base = SubmissionSchema._declared_fields[name]
    validators = list(base.validators)
    fmt = getattr(limit, "format", None)
    if limit is not None and (limit.min_length is not None or limit.max_length is not None):
        validators.append(validate.Length(min=limit.min_length, max=limit.max_length))
    messages = {"required": REQUIRED_MESSAGE}
    kwargs: dict[str, Any] = {"required": required, "validate": validators,
                              "error_messages": messages, "metadata": base.metadata}
    if fmt == "email" or isinstance(base, ma.fields.Email):
        return ma.fields.Email(**kwargs)
    if fmt == "url" or isinstance(base, ma.fields.URL):
        return ma.fields.URL(**kwargs)
    if isinstance(base, ma.fields.IP):
        return ma.fields.IP(**kwargs)
    if isinstance(base, ma.fields.Integer):
        return ma.fields.Integer(strict=False, **kwargs)
    return ma.fields.String(**kwargs)


@lru_cache(maxsize=64)
def _schema_for(required: frozenset[str], limits: tuple[tuple[str, Any], ...]) -> ma.Schema:
    by_field = dict(limits)
    fields = {name: _field_for(name, name in required, by_field.get(name))
              for name in SUBMISSION_FIELDS}
    return SubmissionSchema.from_dict(fields, name="PolicySubmissionSchema")()


def submission_schema(required: frozenset[str], limits: Mapping[str, Any]) -> ma.Schema:
    """The submission schema for a policy's required fields and limits (cached)."""
    known = {k: v for k, v in limits.items() if k in SUBMISSION_FIELDS}
    return _schema_for(frozenset(required) & frozenset(SUBMISSION_FIELDS),
                       tuple(sorted(known.items())))


# -- answers -------------------------------------------------------------------------------

class ReasonSchema(_Base):
    rule = ma.fields.String(metadata={"description": "Id of the rule or score threshold"})
    message = ma.fields.String(metadata={"description": "Reason that may be shown to the reader"})


class ModeratorReasonSchema(ReasonSchema):
    action = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    labels = ma.fields.List(ma.fields.String())
    matched = ma.fields.List(ma.fields.String(),
                             metadata={"description": "Words, patterns or domains that fired"})


class DecisionSchema(_Base):
    """What ``POST /v1/comments`` answers."""

    id = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": ["published", "pending", "rejected"]})
    reasons = ma.fields.List(ma.fields.Nested(ReasonSchema))
    scores = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float())
    policy_version = ma.fields.String()
    model_version = ma.fields.String()


class CommentStatusSchema(DecisionSchema):
    """What ``GET /v1/comments/<id>`` answers to the site."""

    thread = ma.fields.String()
    created_at = ma.fields.DateTime()
    decided_at = ma.fields.DateTime(allow_none=True)


class PublicCommentSchema(_Base):
    id = ma.fields.Integer()
    thread = ma.fields.String()
    parent_id = ma.fields.Integer(allow_none=True)
    name = ma.fields.String(attribute="author_name")
    website = ma.fields.String(attribute="author_website", allow_none=True)
    body = ma.fields.String(metadata={"description": "Plain text: escape it before display"})
    body_html = ma.fields.Function(lambda c: body_html(c.body), metadata={
        "description": "The body as safe HTML (escaped; only <p> and <br>)"})
    created_at = ma.fields.DateTime()


class ThreadPageSchema(_Base):
    items = ma.fields.List(ma.fields.Nested(PublicCommentSchema))
    next_cursor = ma.fields.String(allow_none=True)


class PageArgsSchema(_Base):
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = ma.fields.String(validate=validate.Length(max=200))

