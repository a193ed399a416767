"""The forms that act on comments: each POST calls the function the review API calls
(``workflow.decide``, ``undo``, ``release``, ``bulk_decide``, ``overrides.override``,
``bans.ban_author``) and goes back where the moderator was.  The frame has checked the
session and its CSRF token before any of them runs.
"""

from __future__ import annotations

import marshmallow as ma
from flask import g, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from service.domain_errors import DomainError
from service.errors import ApiError
from service.extensions import db
from service.review import overrides, qa, workflow
from service.review.api import load
from service.review.ban_schemas import BanArgsSchema
from service.review.bans import ban_author
from service.review.moderate import texts
from service.review.moderate.frame import (
    blp,
    form_args,
    invalid_page,
    message_page,
    problem_page,
    redirect_done,
    safe_next,
)
from service.review.moderate.texts import P_
from service.review.schemas import (
    BulkDecisionArgsSchema,
    DecisionArgsSchema,
    OverrideArgsSchema,
    QaGradeArgsSchema,
)
from service.review.undo import undo as undo_latest

decision_args_schema = DecisionArgsSchema()
override_args_schema = OverrideArgsSchema()
ban_args_schema = BanArgsSchema()
bulk_args_schema = BulkDecisionArgsSchema()
grade_args_schema = QaGradeArgsSchema()


def _item_url(comment_id: int) -> str:
    return url_for("moderate.item_page", comment_id=comment_id)


@blp.post("/comments/<id:comment_id>/decision")
def decide(comment_id: int) -> BaseResponse:
    try:
        args = form_args(decision_args_schema)
        comment = workflow.decide(load(comment_id), g.api_key, args["action"],
                                  note=args.get("note"), reason=args.get("reason"))
    except ma.ValidationError as err:
        return invalid_page(err)
    except (ApiError, DomainError) as err:
        return problem_page(err)
    return redirect_done(args["action"], comment.id)


@blp.post("/comments/<id:comment_id>/undo")
def undo(comment_id: int) -> BaseResponse:
    try:
        comment = undo_latest(load(comment_id), g.api_key)
    except (ApiError, DomainError) as err:
        return problem_page(err)
    return redirect_done("undo", comment.id)


@blp.post("/comments/<id:comment_id>/release")
def release(comment_id: int) -> BaseResponse:
    try:
        comment = workflow.release(load(comment_id), g.api_key)
    except (ApiError, DomainError) as err:
        return problem_page(err)
    return redirect_done("release", comment.id)


@blp.post("/comments/<id:comment_id>/<any(remove, restore, reopen):action>")
def override(comment_id: int, action: str) -> BaseResponse:
    try:
        args = form_args(override_args_schema)
        comment = overrides.override(load(comment_id), g.api_key, action,
                                     note=args.get("note"), reason=args.get("reason"))
    except ma.ValidationError as err:
        return invalid_page(err)
    except (ApiError, DomainError) as err:
        return problem_page(err)
    return redirect_done(action, comment.id, _item_url(comment.id))


@blp.post("/comments/<id:comment_id>/qa")
def grade(comment_id: int) -> BaseResponse:
    try:
        args = form_args(grade_args_schema)
        qa.grade(comment_id, g.api_key, args["grade"], args.get("note"))
    except ma.ValidationError as err:
        return invalid_page(err)
    except (ApiError, DomainError) as err:
        return problem_page(err)
    return redirect_done("qa", comment_id, _item_url(comment_id))


@blp.post("/comments/<id:comment_id>/ban")
def ban(comment_id: int) -> BaseResponse:
    try:
        args = form_args(ban_args_schema)
        ban_author(load(comment_id), g.api_key, args["kind"], args.get("value"),
                   args["reason"], args.get("days"))
    except ma.ValidationError as err:
        return invalid_page(err)
    except (ApiError, DomainError) as err:
        db.session.rollback()
        return problem_page(err)
    return redirect_done("ban", comment_id, _item_url(comment_id))


@blp.post("/decisions")
def bulk() -> BaseResponse:
    """Decide the ticked comments; each on its own, as the API's bulk call does."""
    ids = request.form.getlist("ids")
    try:
        args = form_args(bulk_args_schema, {"ids": ids})
    except ma.ValidationError as err:
        return invalid_page(err)
    outcomes = workflow.bulk_decide(list(dict.fromkeys(args["ids"])), g.api_key,
                                    args["action"], args.get("note"), args.get("reason"), load)
    failed = [o for o in outcomes if not o.ok]
    if not failed:
        return redirect_done(args["action"], outcomes[0].id) if len(outcomes) == 1 else redirect(
            safe_next(url_for("moderate.queue_page")), 303)
    return message_page(texts.gettext(P_("Some comments could not be decided.")), 409,
                    "; ".join(f"#{o.id}: {o.detail}" for o in failed))
