"""Submissions from website forms, and a site's view of its comments and threads."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from policy_engine import Submission
from service.api_links import NEW_COMMENT
from service.auth import current_key, require
from service.domain_errors import NotFound
from service.errors import ApiError
from service.extensions import db
from service.i18n import N_, choose_language, gettext, reader_language
from service.intake.answers import Decided
from service.intake.idempotency import HEADER, earlier_comment, idempotency_of
from service.intake.pipeline import Resolved, decide, resolve
from service.intake.validation import Sender, validate
from service.limits import submit_limits
from service.models import Comment, Role, Status
from service.pagination import decode, encode
from service.reader_reasons import reader_reasons
from service.runtime import current_runtime
from service.schemas import (
    CURSOR_NOT_OURS,
    CommentStatusSchema,
    DecisionSchema,
    PageArgsSchema,
    ThreadPageSchema,
)

blp = Blueprint("comments", __name__, url_prefix="/v1", description="Comment submissions")

STATUS_FIELDS = ("id", "thread", "status", "scores", "policy_version", "model_version",
                 "created_at", "decided_at")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
SUBMISSION_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": "Submission"},
        "application/x-www-form-urlencoded": {"schema": "Submission"},
    },
}


def request_data() -> dict[str, Any]:
    mimetype = request.mimetype
    if mimetype == "application/json" or mimetype.endswith("+json"):
        data = request.get_json(silent=True)
        if data is None:
            raise ApiError(400, gettext(N_("The body is not valid JSON.")), kind="malformed-json")
        if not isinstance(data, dict):
            raise ApiError(422, gettext(N_("The JSON body must be an object of fields.")),
                           errors={"_schema": [gettext(N_("Expected a JSON object."))]})
        return data
    if mimetype in FORM_TYPES:
        return {key: request.form.get(key) for key in request.form}
    raise ApiError(415, gettext(N_("Send the comment as application/json or "
                                   "application/x-www-form-urlencoded.")),
                   kind="unsupported-media-type")


def sender(from_browser: bool = False) -> Sender:
    """What the request says about who sent it (used where the body does not say)."""
    return Sender(ip=request.remote_addr, user_agent=request.user_agent.string[:500] or None,
                  referrer=(request.referrer or "")[:2000] or None, from_browser=from_browser)


def load_submission(resolved: Resolved, data: dict[str, Any] | None = None,
                    from_browser: bool = False) -> Submission:
    """The request validated against the resolved policy's schema (see
    :func:`service.intake.validation.validate`), messages in the reader's language.

    A site's server passes on its reader's ``ip``, ``user_agent``, ``referrer`` and its own
    ``author_id``; a browser cannot be trusted to, so for ``from_browser`` the first three
    always come from the request and an ``author_id`` is ignored.
    """
    language = g.get("reader_language") or choose_language(resolved.policy)
    return validate(resolved, request_data() if data is None else data,
                    sender(from_browser), language)


@blp.route("/comments", methods=["POST"])
@submit_limits[0]
@submit_limits[1]
@require(Role.SITE)
@blp.doc(requestBody=SUBMISSION_BODY, security=[{"siteKey": []}], parameters=[{
    "in": "header", "name": HEADER, "required": False, "schema": {"type": "string",
                                                                 "maxLength": 255},
    "description": "Makes a retry safe: the same key and body within 24 hours answer the "
                   "first answer again (with `Idempotent-Replayed: true`) and store nothing; "
                   "the same key with another body is a 422."}])
@blp.response(201, DecisionSchema, description="Stored and decided: see `status`.")
@blp.doc(**NEW_COMMENT)
@blp.alt_response(422, description="Missing or invalid fields, listed per field in `errors`.")
@blp.alt_response(415, description="Not JSON or form data.")
def submit_comment() -> Decided | tuple[Decided, int, dict[str, str]]:
    """Submit a comment for moderation.

    The comment is validated against the site's policy, scored, decided and stored.
    `status` says what happened: `published`, `pending` (held for review) or `rejected`;
    `reasons` say why, in a message that may be shown to the reader: in the language of
    `Accept-Language` among those the site's policy serves, else in the policy's language
    (the answer's `Content-Language`). Only the reasons for the outcome are listed.
    """
    resolved = resolve(current_runtime(), current_key().site or "")
    choose_language(resolved.policy)
    idem = idempotency_of(request.headers, current_key().id, request_data())
    if idem is not None:
        earlier = earlier_comment(idem)
        if earlier is not None:
            return _replayed(earlier)
    submission = load_submission(resolved)
    try:
        return decide(resolved, submission, idempotency=idem).for_reader(reader_language())
    except IntegrityError:
        # a retry of the same request, stored by another worker a moment ago
        db.session.rollback()
        earlier = earlier_comment(idem) if idem is not None else None
        if earlier is None:
            raise
        return _replayed(earlier)


def _replayed(comment: Comment) -> tuple[Decided, int, dict[str, str]]:
    return (Decided.first_answer(comment).for_reader(reader_language()), 201,
            {"Idempotent-Replayed": "true"})


def site_comment(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.site != current_key().site:
        raise NotFound(f"No comment {comment_id} on this site.")
    return comment


@blp.route("/comments/<id:comment_id>", methods=["GET"])
@require(Role.SITE)
@blp.doc(security=[{"siteKey": []}])
@blp.response(200, CommentStatusSchema)
def get_comment(comment_id: int) -> dict[str, Any]:
    """A comment's current status and the reasons for it, in the reader's language."""
    comment = site_comment(comment_id)
    language = choose_language(current_runtime().policy_for(comment.site))
    view = {name: getattr(comment, name) for name in STATUS_FIELDS}
    view["reasons"] = reader_reasons(comment.status, comment.reasons, language)
    return view


@blp.route("/threads/<path:thread>/comments", methods=["GET"])
@require(Role.SITE)
@blp.doc(security=[{"siteKey": []}])
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, ThreadPageSchema)
@blp.alt_response(400, description=CURSOR_NOT_OURS)
def list_thread(args: dict[str, Any], thread: str) -> dict[str, Any]:
    """A thread's published comments, oldest first, a page at a time."""
    limit = args["limit"]
    stmt = (select(Comment)
            .where(Comment.site == current_key().site, Comment.thread == thread,
                   Comment.status == Status.PUBLISHED)
            .order_by(Comment.id).limit(limit + 1))
    if args.get("cursor"):
        (after,) = decode(args["cursor"], (int,))
        stmt = stmt.where(Comment.id > after)
    rows = list(db.session.execute(stmt).scalars())
    more = len(rows) > limit
    items = rows[:limit]
    return {"items": items, "next_cursor": encode([items[-1].id]) if more else None}
