"""The moderators' review API: queues, items, claims, decisions, undo, bulk decisions, and
the overrides of decided comments (remove, restore, re-open)."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from service.api_links import DECIDED_COMMENT
from service.auth import current_key, review_endpoint
from service.domain_errors import NotFound
from service.extensions import db
from service.models import Comment
from service.review import overrides, qa, queue, workflow
from service.review.schemas import (
    BulkDecisionArgsSchema,
    BulkResultSchema,
    ClaimedSchema,
    ClaimNextArgsSchema,
    DecisionArgsSchema,
    OverrideArgsSchema,
    QueueArgsSchema,
    QueuePageSchema,
    ReviewItemSchema,
)
from service.review.undo import undo as undo_latest
from service.schemas import CURSOR_NOT_OURS

blp = Blueprint("review", __name__, url_prefix="/v1/review",
                description="The moderators' review queue")


class ItemView:
    """A comment plus what a moderator sees around it (author, thread, reports)."""

    def __init__(self, comment: Comment) -> None:
        self._comment = comment
        self.author = queue.author_record(comment)
        self.context = queue.thread_context(comment)
        self.score_details = queue.score_details(comment)
        self.reports = queue.reports_of(comment)
        self.qa = qa.sample_of(comment.id)
        self.versions = queue.versions_of(comment)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._comment, name)


def load(comment_id: int) -> Comment:
    """A comment the current key may review, or 404 (another site's comment is not there)."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or not current_key().may_see(comment.site):
        raise NotFound(f"No comment {comment_id}.")
    return comment


@review_endpoint(blp, "/queue", "GET")
@blp.arguments(QueueArgsSchema, location="query")
@blp.response(200, QueuePageSchema)
@blp.alt_response(400, description=CURSOR_NOT_OURS)
def list_queue(args: dict[str, Any]) -> dict[str, Any]:
    """A queue (`pending`, `reported`, `escalated`, `approved`, `rejected`, `published`,
    `qa`: published comments drawn for the QA sample, waiting for a grade).

    `sort=score` lists the highest score first, `age` the oldest first, `newest` the newest.
    """
    return queue.page(args, current_key())


@review_endpoint(blp, "/comments/<id:comment_id>", "GET")
@blp.response(200, ReviewItemSchema)
def item(comment_id: int) -> ItemView:
    """One comment with why it was held, the author's record, the thread and its history.

    Opening an item is recorded in the audit log (it shows the author's email and IP).
    """
    view = ItemView(load(comment_id))
    workflow.audit(view._comment, current_key(), "view")
    workflow.commit_log_entry()
    return view


@review_endpoint(blp, "/comments/<id:comment_id>/claim", "POST")
@blp.response(200, ReviewItemSchema)
@blp.alt_response(409, description="Claimed by someone else, or not waiting for review.")
def claim(comment_id: int) -> ItemView:
    """Claim an item for `CLAIM_MINUTES` so that no one else decides it meanwhile."""
    return ItemView(workflow.claim(load(comment_id), current_key()))


@review_endpoint(blp, "/comments/<id:comment_id>/claim", "DELETE")
@blp.response(200, ReviewItemSchema)
def release(comment_id: int) -> ItemView:
    """Give back one's claim on an item."""
    return ItemView(workflow.release(load(comment_id), current_key()))


@review_endpoint(blp, "/claim-next", "POST")
@blp.arguments(ClaimNextArgsSchema)
@blp.response(200, ClaimedSchema)
def claim_next(args: dict[str, Any]) -> dict[str, Any]:
    """Claim the next `count` unclaimed items, highest score first (never handed out twice)."""
    key = current_key()
    conditions = queue.filters(args, key)
    return {"items": workflow.claim_next(key, args["count"], conditions)}


@review_endpoint(blp, "/comments/<id:comment_id>/decision", "POST")
@blp.arguments(DecisionArgsSchema)
@blp.response(200, ReviewItemSchema)
@blp.doc(**DECIDED_COMMENT)
@blp.alt_response(409, description="Decided already, or claimed by someone else: the body "
                  "says by whom and when.")
def decide(args: dict[str, Any], comment_id: int) -> ItemView:
    """Approve (publish), reject or escalate (to an admin) an item, with a reason and a note."""
    comment = workflow.decide(load(comment_id), current_key(), args["action"],
                              note=args.get("note"), reason=args.get("reason"))
    return ItemView(comment)


@review_endpoint(blp, "/comments/<id:comment_id>/undo", "POST")
@blp.response(200, ReviewItemSchema)
@blp.alt_response(409, description="Not your latest decision, or the undo window has passed.")
def undo(comment_id: int) -> ItemView:
    """Undo one's own latest decision within `UNDO_MINUTES`: the item waits for review again."""
    return ItemView(undo_latest(load(comment_id), current_key()))


@review_endpoint(blp, "/decisions", "POST")
@blp.arguments(BulkDecisionArgsSchema)
@blp.response(200, BulkResultSchema)
def bulk(args: dict[str, Any]) -> dict[str, Any]:
    """Decide many items at once; each item's outcome is reported on its own."""
    outcomes = workflow.bulk_decide(list(dict.fromkeys(args["ids"])), current_key(),
                                    args["action"], args.get("note"), args.get("reason"), load)
    return {"results": [{"id": o.id, "ok": o.ok, "status": o.status, "detail": o.detail,
                         "comment_status": o.comment.status if o.comment else None}
                        for o in outcomes]}


def _override(action: str, args: dict[str, Any], comment_id: int) -> ItemView:
    return ItemView(overrides.override(load(comment_id), current_key(), action,
                                       note=args.get("note"), reason=args.get("reason")))


@review_endpoint(blp, "/comments/<id:comment_id>/remove", "POST")
@blp.arguments(OverrideArgsSchema, required=False)
@blp.response(200, ReviewItemSchema)
@blp.alt_response(409, description="Not published, claimed by someone else, or escalated.")
def remove(args: dict[str, Any], comment_id: int) -> ItemView:
    """Take down a published comment, reported or not (a legal request, a late find).

    It becomes `rejected`; the site gets `comment.removed`; the audit entry keeps the
    decision it replaces. Undo within `UNDO_MINUTES` puts it back.
    """
    return _override("remove", args, comment_id)


@review_endpoint(blp, "/comments/<id:comment_id>/restore", "POST")
@blp.arguments(OverrideArgsSchema, required=False)
@blp.response(200, ReviewItemSchema)
@blp.alt_response(409, description="Not rejected, claimed by someone else, or escalated.")
def restore(args: dict[str, Any], comment_id: int) -> ItemView:
    """Publish a rejected comment: one the policy rejected, or a moderator rejected or removed.

    The site gets `comment.restored`; the audit entry keeps the decision it replaces.
    """
    return _override("restore", args, comment_id)


@review_endpoint(blp, "/comments/<id:comment_id>/reopen", "POST")
@blp.arguments(OverrideArgsSchema, required=False)
@blp.response(200, ReviewItemSchema)
@blp.alt_response(409, description="Waiting for review already, claimed, or escalated.")
def reopen(args: dict[str, Any], comment_id: int) -> ItemView:
    """Put a decided comment (published or rejected) back in the `pending` queue.

    Readers no longer see it until it is decided again; the site gets `comment.reopened`.
    """
    return _override("reopen", args, comment_id)
