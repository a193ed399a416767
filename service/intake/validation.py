"""The pipeline's first step: a submission's fields checked against the site's policy.

No request here: the HTTP layer reads the body and the sender (:class:`Sender`) and
passes them in, so a test can validate without a client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import marshmallow as ma

from policy_engine import Submission
from service.domain_errors import InvalidField
from service.errors import flatten_messages
from service.extensions import db
from service.i18n import CATALOGUE, N_
from service.models import Comment, utcnow
from service.schemas import submission_schema

if TYPE_CHECKING:
    from policy_engine import Policy
    from service.intake.pipeline import Resolved

# Used when no policy could be loaded: the fields the default policy asks for.
FALLBACK_REQUIRED = frozenset({"thread", "name", "email", "body"})
INVALID = N_("The comment has invalid or missing fields.")
NOT_IN_THREAD = N_("The comment replies to a comment that is not in this thread.")
NO_SUCH_PARENT = N_("No such comment in this thread.")
# A browser cannot be trusted to say these: they come from the request, or not at all.
SERVER_ONLY = ("ip", "user_agent", "referrer", "author_id")


@dataclass(frozen=True)
class Sender:
    """What the request itself says about who sent the comment (read by the HTTP layer)."""

    ip: str | None = None
    user_agent: str | None = None
    referrer: str | None = None
    #: From a reader's browser: ``ip``, ``user_agent``, ``referrer`` and ``author_id`` in
    #: the body are ignored (a site's server may send its reader's).
    from_browser: bool = False


def check_fields(policy: Policy | None, data: Mapping[str, Any], language: str,
                 only: frozenset[str] | None = None) -> dict[str, Any]:
    """``data`` checked against ``policy``'s required fields and limits (``only``: just
    these fields, as an edit of the body needs), messages in ``language``; an
    :class:`InvalidField` naming each bad field."""
    required = policy.fields.required if policy is not None else FALLBACK_REQUIRED
    limits = policy.fields.limits if policy is not None else {}
    if only is not None:
        required = frozenset(required) & only
    try:
        return submission_schema(required, limits, language).load(data)
    except ma.ValidationError as err:
        raise InvalidField(CATALOGUE.gettext(language, INVALID), kind="validation-error",
                           errors=flatten_messages(err.messages)) from err


def validate(resolved: Resolved, data: Mapping[str, Any], sender: Sender,
             language: str) -> Submission:
    """Validate ``data`` against the resolved policy's schema into a :class:`Submission`
    for its site; a reply must answer a comment of the same thread."""
    site = resolved.site
    fields = check_fields(resolved.policy, data, language)
    parent_id = fields.get("parent_id")
    if parent_id is not None:
        parent = db.session.get(Comment, parent_id)
        if parent is None or parent.site != site or parent.thread != fields.get("thread"):
            raise InvalidField(CATALOGUE.gettext(language, NOT_IN_THREAD),
                               kind="validation-error", errors={
                                   "parent_id": [CATALOGUE.gettext(language, NO_SUCH_PARENT)]})
    if sender.from_browser:
        for name in SERVER_ONLY:
            fields.pop(name, None)
    ip = fields.get("ip")
    return Submission(
        site=site,
        thread=fields.get("thread", ""),
        name=fields.get("name", ""),
        email=fields.get("email", ""),
        body=fields.get("body", ""),
        website=fields.get("website"),
        parent_id=parent_id,
        ip=str(ip) if ip is not None else sender.ip,
        user_agent=fields.get("user_agent") or sender.user_agent,
        referrer=fields.get("referrer") or sender.referrer,
        submitted_at=utcnow(),
        author_id=fields.get("author_id") or None,
    )
