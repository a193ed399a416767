"""Submissions from website forms, and a site's view of its comments and threads."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, g, request
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from policy_engine import Submission
from service.api_links import NEW_COMMENT
from service.auth import current_key, require
from service.errors import ApiError, flatten_messages
from service.extensions import db
from service.i18n import N_, choose_language, gettext, reader_language
from service.intake.idempotency import HEADER, earlier_comment, idempotency_of
from service.intake.pipeline import Decided, decide
from service.limits import submit_limits
from service.models import Comment, Role, Status, utcnow
from service.pagination import decode, encode
from service.reader_reasons import reader_reasons
from service.schemas import (
    CURSOR_NOT_OURS,
    CommentStatusSchema,
    DecisionSchema,
    PageArgsSchema,
    ThreadPageSchema,
    submission_schema,
)

blp = Blueprint("comments", __name__, url_prefix="/v1", description="Comment submissions")

# Used when no policy could be loaded: the fields the default policy asks for.
FALLBACK_REQUIRED = frozenset({"thread", "name", "email", "body"})
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


def runtime() -> Any:
    return current_app.extensions["moderation.runtime"]


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


def validated_fields(site: str, data: dict[str, Any],
                     only: frozenset[str] | None = None) -> dict[str, Any]:
    """``data`` checked against the site policy's required fields and limits (``only``:
    just these fields, as an edit of the body needs), messages in the reader's language;
    a 422 naming each bad field."""
    policy = runtime().policy_for(site)
    language = g.get("reader_language") or choose_language(policy)
    required = policy.fields.required if policy is not None else FALLBACK_REQUIRED
    limits = policy.fields.limits if policy is not None else {}
    if only is not None:
        required = frozenset(required) & only
    try:
        return submission_schema(required, limits, language).load(data)
    except ma.ValidationError as err:
        raise ApiError(422, gettext(N_("The comment has invalid or missing fields.")),
                       kind="validation-error", errors=flatten_messages(err.messages)) from err


def load_submission(site: str, data: dict[str, Any] | None = None,
                    from_browser: bool = False) -> Submission:
    """Validate the request against the site policy's schema into a :class:`Submission`.

    A site's server passes on its reader's ``ip``, ``user_agent``, ``referrer`` and its own
    ``author_id``; a browser cannot be trusted to, so for ``from_browser`` the first three
    always come from the request and an ``author_id`` is ignored.
    """
    fields = validated_fields(site, request_data() if data is None else data)
    parent_id = fields.get("parent_id")
    if parent_id is not None:
        parent = db.session.get(Comment, parent_id)
        if parent is None or parent.site != site or parent.thread != fields.get("thread"):
            raise ApiError(
                422, gettext(N_("The comment replies to a comment that is not in this thread.")),
                kind="validation-error",
                errors={"parent_id": [gettext(N_("No such comment in this thread."))]})
    if from_browser:
        for name in ("ip", "user_agent", "referrer", "author_id"):
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
        ip=str(ip) if ip is not None else request.remote_addr,
        user_agent=fields.get("user_agent") or request.user_agent.string[:500] or None,
        referrer=fields.get("referrer") or (request.referrer or "")[:2000] or None,
        submitted_at=utcnow(),
        author_id=fields.get("author_id") or None,
    )


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
    site = current_key().site or ""
    choose_language(runtime().policy_for(site))
    idem = idempotency_of(request.headers, current_key().id, request_data())
    if idem is not None:
        earlier = earlier_comment(idem)
        if earlier is not None:
            return _replayed(earlier)
    submission = load_submission(site)
    try:
        return decide(runtime(), submission, idempotency=idem).for_reader(reader_language())
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
        raise ApiError(404, f"No comment {comment_id} on this site.")
    return comment


@blp.route("/comments/<id:comment_id>", methods=["GET"])
@require(Role.SITE)
@blp.doc(security=[{"siteKey": []}])
@blp.response(200, CommentStatusSchema)
def get_comment(comment_id: int) -> dict[str, Any]:
    """A comment's current status and the reasons for it, in the reader's language."""
    comment = site_comment(comment_id)
    language = choose_language(runtime().policy_for(comment.site))
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
