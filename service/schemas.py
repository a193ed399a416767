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

from service.i18n import CATALOGUE, N_
from service.models import Status
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
    "author_id": 200,
}
SUBMISSION_FIELDS = ("thread", "name", "email", "website", "body", "parent_id", "ip",
                     "user_agent", "referrer", "author_id")
REQUIRED_MESSAGE = "This field is required."
MAX_ID = 2**63 - 1  # ids are 64-bit integers in the database


def id_field(**kwargs: Any) -> ma.fields.Integer:
    """An id sent by a client: a positive 64-bit integer."""
    return ma.fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


# What pagination.encode writes: URL-safe base64 without padding.  A token of that form
# that is not one of ours is a 400 (documented on each paged operation).
CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,200}$"
CURSOR_NOT_OURS = "The cursor is not one this service issued (use `next_cursor`)."


def cursor_field(description: str = "`next_cursor` of the previous page") -> ma.fields.String:
    """A page token sent back by a client: the format ``next_cursor`` has."""
    return ma.fields.String(validate=validate.Regexp(CURSOR_PATTERN,
                                                     error="Not a valid cursor."),
                            metadata={"description": description})


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
    author_id = _text("author_id", metadata={
        "description": "The site's own stable id of the reader (its user id), from its "
                       "server only: the author's history, bans and flood checks then key "
                       "on it instead of the email", "example": "user-81723"})

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


# What a reader may be told about a field, as marshmallow says it in English (so English
# answers are what they always were); the translations are in service/locale.
FIELD_MESSAGES = {"required": N_("This field is required."),
                  "null": N_("Field may not be null."),
                  "validator_failed": N_("Invalid value.")}
STRING_MESSAGES = {"invalid": N_("Not a valid string."),
                   "invalid_utf8": N_("Not a valid utf-8 string.")}
KIND_MESSAGES: dict[type, dict[str, str]] = {
    ma.fields.Email: {"invalid": N_("Not a valid email address.")},
    ma.fields.URL: {"invalid": N_("Not a valid URL.")},
    ma.fields.IP: {"invalid_ip": N_("Not a valid IP address.")},
    ma.fields.Integer: {"invalid": N_("Not a valid integer."),
                        "too_large": N_("Number too large.")},
}


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message with a plural form for translation (read by the extractor)."""
    return singular, plural


TOO_SHORT = N_plural("Shorter than minimum length %(num)d.", "Shorter than minimum length %(num)d.")
TOO_LONG = N_plural("Longer than maximum length %(num)d.", "Longer than maximum length %(num)d.")
NOT_BETWEEN = N_plural("Length must be between %(min)d and %(max)d.",
                       "Length must be between %(min)d and %(max)d.")
ID_RANGE = N_("Must be greater than or equal to {min} and less than or equal to {max}.")


def _length(language: str, low: int | None, high: int | None) -> validate.Length:
    """A length check whose message is in ``language``, with the number's plural form."""
    if low is not None and high is not None:
        text = CATALOGUE.ngettext(language, *NOT_BETWEEN, high) % {"min": low, "max": high}
    elif low is not None:
        text = CATALOGUE.ngettext(language, *TOO_SHORT, low) % {"num": low}
    else:
        text = CATALOGUE.ngettext(language, *TOO_LONG, high or 0) % {"num": high}
    # marshmallow formats the message with str.format: keep any brace a translation has.
    return validate.Length(min=low, max=high, error=text.replace("{", "{{").replace("}", "}}"))


def _messages(kind: type, language: str) -> dict[str, str]:
    messages = dict(FIELD_MESSAGES)
    if issubclass(kind, ma.fields.String):
        messages.update(STRING_MESSAGES)
    for base, specific in KIND_MESSAGES.items():
        if issubclass(kind, base):
            messages.update(specific)
    return {key: CATALOGUE.gettext(language, text) for key, text in messages.items()}


def _field_for(name: str, required: bool, limit: Any | None, language: str) -> ma.fields.Field:
    base = SubmissionSchema._declared_fields[name]
    fmt = getattr(limit, "format", None)
    kind: type[ma.fields.Field] = ma.fields.String
    if fmt == "email" or isinstance(base, ma.fields.Email):
        kind = ma.fields.Email
    elif fmt == "url" or isinstance(base, ma.fields.URL):
        kind = ma.fields.URL
    elif isinstance(base, ma.fields.IP | ma.fields.Integer):
        kind = type(base)
    validators: list[Any] = []
    if isinstance(base, ma.fields.Integer):
        validators.append(validate.Range(min=1, max=MAX_ID,
                                         error=CATALOGUE.gettext(language, ID_RANGE)))
    elif name in FIELD_CAPS:
        validators.append(_length(language, None, FIELD_CAPS[name]))
    if limit is not None and (limit.min_length is not None or limit.max_length is not None):
        validators.append(_length(language, limit.min_length, limit.max_length))
    kwargs: dict[str, Any] = {"required": required, "validate": validators,
                              "error_messages": _messages(kind, language),
                              "metadata": base.metadata}
    if kind is ma.fields.Integer:
        kwargs["strict"] = False
    return kind(**kwargs)


@lru_cache(maxsize=128)
def _schema_for(required: frozenset[str], limits: tuple[tuple[str, Any], ...],
                language: str) -> ma.Schema:
    by_field = dict(limits)
    fields = {name: _field_for(name, name in required, by_field.get(name), language)
              for name in SUBMISSION_FIELDS}
    return SubmissionSchema.from_dict(fields, name="PolicySubmissionSchema")()


def submission_schema(required: frozenset[str], limits: Mapping[str, Any],
                      language: str = "en") -> ma.Schema:
    """The submission schema for a policy's required fields and limits, its messages in
    ``language`` (cached)."""
    known = {k: v for k, v in limits.items() if k in SUBMISSION_FIELDS}
    return _schema_for(frozenset(required) & frozenset(SUBMISSION_FIELDS),
                       tuple(sorted(known.items())), language)


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
    shadow = ma.fields.Boolean(dump_default=False, metadata={
        "description": "A rule in shadow mode: `action` is what it would have done; it "
                       "decided nothing and the reader is not told"})


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

    status = ma.fields.String(metadata={"enum": [s.value for s in Status]})
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
    cursor = cursor_field()

