"""What an Akismet client posts (REST API 1.1, form-encoded), read into our own terms.

The fields keep Akismet's names; :func:`read_comment` checks them (Akismet's required
``blog`` and ``user_ip``, our size caps) and maps them onto a :class:`Submission`:
``permalink`` becomes the thread, ``comment_author`` the name, ``comment_content`` the body
and so on (the table is in docs/akismet.md).  Unknown fields (WordPress sends its
``POST_*`` form fields and ``HTTP_*`` server variables) are ignored.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import marshmallow as ma
from marshmallow import validate

from policy_engine import Submission
from service.models import utcnow
from service.schemas import FIELD_CAPS, MAX_ID, clean_text

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
# WordPress's Akismet plugin adds this hidden textarea to its comment form and sends it as
# POST_ak_hp_textarea: a person leaves it empty, a bot fills it in.
WORDPRESS_HONEYPOT = "POST_ak_hp_textarea"
# WordPress's submit-spam and submit-ham of a comment checked more than 15 days ago (the
# plugin then has deleted what it sent) carry its comment row's names for these two.
WORDPRESS_NAMES = {"user_ip": "comment_author_IP", "user_agent": "comment_agent"}
# Metadata longer than our columns is cut rather than refused, as for POST /v1/comments.
TRUNCATED = {"user_agent": FIELD_CAPS["user_agent"], "referrer": FIELD_CAPS["referrer"]}
MAX_THREAD = FIELD_CAPS["thread"]


class AkismetError(Exception):
    """A request Akismet would refuse: answered as plain text naming the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _text(cap: int, **kwargs: Any) -> ma.fields.String:
    return ma.fields.String(validate=validate.Length(max=cap), **kwargs)


class AkismetCommentSchema(ma.Schema):
    """The fields of comment-check, submit-spam and submit-ham (the key is read apart)."""

    class Meta:
        unknown = ma.EXCLUDE

    blog = _text(2000, required=True)
    user_ip = ma.fields.IP(required=True)
    user_agent = ma.fields.String()
    referrer = ma.fields.String()
    permalink = _text(2000)
    comment_type = _text(100)
    comment_author = _text(FIELD_CAPS["name"])
    comment_author_email = _text(FIELD_CAPS["email"])
    comment_author_url = _text(FIELD_CAPS["website"])
    comment_content = _text(FIELD_CAPS["body"])
    comment_date_gmt = _text(64)
    comment_post_modified_gmt = _text(64)
    blog_lang = _text(100)
    blog_charset = _text(100)
    user_role = _text(200)
    is_test = _text(10)
    recheck_reason = _text(200)
    honeypot_field_name = _text(100)
    guid = ma.fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_ID))

    @ma.pre_load
    def _clean(self, data: Any, **_: Any) -> dict[str, Any]:
        """Drop control characters and blanks (a form's empty inputs), cut long metadata."""
        cleaned: dict[str, Any] = {}
        for name in self.fields:
            value = data.get(name) or data.get(WORDPRESS_NAMES.get(name, ""))
            if not isinstance(value, str):
                continue
            value = clean_text(value)
            if value:
                cleaned[name] = value[:TRUNCATED[name]] if name in TRUNCATED else value
        return cleaned


comment_schema = AkismetCommentSchema()


@dataclass(frozen=True)
class AkismetComment:
    """One Akismet request about a comment, in our terms."""

    submission: Submission
    is_test: bool  # decide, store nothing
    recheck: bool  # the site asks again about a comment it sent before
    administrator: bool  # Akismet never calls an administrator's comment spam
    honeypot: bool  # the form's hidden field was filled in: a bot
    guid: int | None  # our comment id, if the client sends back the X-akismet-guid


def read_comment(site: str, form: Mapping[str, str]) -> AkismetComment:
    """Check an Akismet request's fields and map them onto a submission for ``site``."""
    try:
        fields = comment_schema.load(dict(form))
    except ma.ValidationError as err:
        raise _first_problem(err.messages) from err
    trap = fields.get("honeypot_field_name")
    roles = {role.strip().lower() for role in fields.get("user_role", "").split(",")}
    submission = Submission(
        site=site,
        thread=thread_of(fields.get("permalink") or fields["blog"]),
        name=fields.get("comment_author", ""),
        email=fields.get("comment_author_email", ""),
        body=fields.get("comment_content", ""),
        website=fields.get("comment_author_url"),
        ip=str(fields["user_ip"]),
        user_agent=fields.get("user_agent"),
        referrer=fields.get("referrer"),
        submitted_at=utcnow(),
    )
    return AkismetComment(
        submission=submission,
        is_test=fields.get("is_test", "").lower() in TRUE_WORDS,
        recheck=bool(fields.get("recheck_reason")),
        administrator="administrator" in roles,
        honeypot=bool((form.get(trap if trap else WORDPRESS_HONEYPOT) or "").strip()),
        guid=fields.get("guid"),
    )


def thread_of(permalink: str) -> str:
    """The thread a permalink names: itself, or when longer than a thread may be, its start
    and a digest of the whole (so that two long permalinks stay two threads)."""
    if len(permalink) <= MAX_THREAD:
        return permalink
    digest = hashlib.sha256(permalink.encode("utf-8")).hexdigest()[:16]
    return f"{permalink[:MAX_THREAD - 17]}#{digest}"


def _first_problem(messages: Any) -> AkismetError:
    """Akismet's wording for the first bad field ("Missing required field: user_ip.")."""
    name, problems = next(iter(sorted(messages.items())))
    message = problems[0] if isinstance(problems, list) and problems else str(problems)
    if message == "Missing data for required field.":
        return AkismetError(name, f"Missing required field: {name}.")
    return AkismetError(name, f"Invalid field {name}: {message}")
