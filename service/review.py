"""The moderators' review queue: list held comments, inspect one, decide it."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import and_, or_, select, update

from service.auth import current_key, require
from service.errors import ApiError
from service.extensions import db
from service.models import Comment, ReviewAction, Role, Status, utcnow
from service.pagination import decode, encode
from service.schemas import (
    DecisionArgsSchema,
    QueueArgsSchema,
    QueuePageSchema,
    ReviewItemSchema,
)

blp = Blueprint("review", __name__, url_prefix="/v1/review",
                description="The moderators' review queue")
SECURITY = [{"moderatorKey": []}]
OUTCOME = {"approve": Status.PUBLISHED, "reject": Status.REJECTED}


def _scope(stmt: Any) -> Any:
    """Limit a query to the moderator key's site, if the key is limited to one."""
    site = current_key().site
    return stmt.where(Comment.site == site) if site else stmt


def _review_comment(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    site = current_key().site
    if comment is None or (site and comment.site != site):
        raise ApiError(404, f"No comment {comment_id}.")
    return comment


@blp.route("/queue", methods=["GET"])
@require(Role.MODERATOR)
@blp.doc(security=SECURITY)
@blp.arguments(QueueArgsSchema, location="query")
@blp.response(200, QueuePageSchema)
def queue(args: dict[str, Any]) -> dict[str, Any]:
    """Comments held for review: highest score first (`sort=score`) or oldest first (`age`)."""
    limit = args["limit"]
    stmt = _scope(select(Comment).where(Comment.status == Status.PENDING))
    if args.get("thread"):
        stmt = stmt.where(Comment.thread == args["thread"])
    if args.get("site"):
        stmt = stmt.where(Comment.site == args["site"])
    if args["sort"] == "score":
        stmt = stmt.order_by(Comment.risk.desc(), Comment.id)
        if args.get("cursor"):
            risk, last_id = decode(args["cursor"], (float, int))
            stmt = stmt.where(or_(Comment.risk < risk,
                                  and_(Comment.risk == risk, Comment.id > last_id)))
    else:
        stmt = stmt.order_by(Comment.id)
        if args.get("cursor"):
            (last_id,) = decode(args["cursor"], (int,))
            stmt = stmt.where(Comment.id > last_id)
    rows = list(db.session.execute(stmt.limit(limit + 1)).scalars())
    items = rows[:limit]
    cursor = None
    if len(rows) > limit:
        last = items[-1]
        cursor = encode([last.risk, last.id] if args["sort"] == "score" else [last.id])
    return {"items": items, "next_cursor": cursor}


@blp.route("/comments/<int:comment_id>", methods=["GET"])
@require(Role.MODERATOR)
@blp.doc(security=SECURITY)
@blp.response(200, ReviewItemSchema)
def item(comment_id: int) -> Comment:
    """One comment with its text, reasons, scores, the terms behind them, and its history."""
    return _review_comment(comment_id)


@blp.route("/comments/<int:comment_id>/decision", methods=["POST"])
@require(Role.MODERATOR)
@blp.doc(security=SECURITY)
@blp.arguments(DecisionArgsSchema)
@blp.response(200, ReviewItemSchema)
@blp.alt_response(409, description="Already decided: the body says by whom and when.")
def decide_item(args: dict[str, Any], comment_id: int) -> Comment:
    """Approve (publish) or reject a held comment, with an optional note for the record."""
    comment = _review_comment(comment_id)
    key = current_key()
    to_status = OUTCOME[args["action"]]
    now = utcnow()
    # A conditional update, so that two moderators deciding at once cannot both win.
    result = db.session.execute(
        update(Comment)
        .where(Comment.id == comment.id, Comment.status == Status.PENDING)
        .values(status=to_status.value, decided_at=now, decided_by=key.actor)
    )
    if result.rowcount != 1:
        db.session.rollback()
        db.session.refresh(comment)
        raise ApiError(
            409,
            f"Comment {comment.id} is already {comment.status}"
            + (f" (decided by {comment.decided_by} at {comment.decided_at.isoformat()})."
               if comment.decided_by and comment.decided_at else "."),
            kind="already-decided",
            extra={"current_status": comment.status, "decided_by": comment.decided_by,
                   "decided_at": comment.decided_at.isoformat() if comment.decided_at else None},
        )
    db.session.add(ReviewAction(comment_id=comment.id, action=args["action"], actor=key.actor,
                                key_id=key.id, from_status=Status.PENDING.value,
                                to_status=to_status.value, note=args.get("note"),
                                created_at=now))
    db.session.commit()
    db.session.refresh(comment)
    return comment
