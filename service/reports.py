"""Reports from readers on published comments.

The site's policy says after how many open reports a comment goes to the ``reported``
queue (``reports.review_after``) and after how many it is also hidden until a moderator
decides (``reports.hide_after``).  A moderator's decision closes the open reports.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from flask_smorest import Blueprint
from marshmallow import validate
from sqlalchemy import update

from service.auth import current_key, require
from service.errors import ApiError
from service.extensions import db
from service.limits import submit_limits
from service.models import Comment, Report, Role, Status, utcnow
from service.outbox import record_event

blp = Blueprint("reports", __name__, url_prefix="/v1", description="Reader reports")

DEFAULT_REVIEW_AFTER = 1


class ReportArgsSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=500),
                              error_messages={"required": "This field is required."})
    reporter = ma.fields.String(validate=validate.Length(max=320),
                                metadata={"description": "Who reported (reader id or email)"})


class ReportResultSchema(ma.Schema):
    id = ma.fields.Integer(metadata={"description": "The report's id"})
    comment_id = ma.fields.Integer()
    open_reports = ma.fields.Integer()
    in_review = ma.fields.Boolean(metadata={"description": "The comment waits for a moderator"})
    visible = ma.fields.Boolean(metadata={"description": "Readers still see the comment"})


def _thresholds(site: str) -> tuple[int, int | None]:
    runtime = current_app.extensions["moderation.runtime"]
    policy = runtime.policy_for(site)
    rules = policy.reports if policy is not None else None
    review_after = (rules.review_after if rules and rules.review_after else DEFAULT_REVIEW_AFTER)
    return review_after, (rules.hide_after if rules else None)


def add_report(comment: Comment, reason: str, reporter: str | None) -> tuple[Report, Comment]:
    """Record a report; move the comment to review and hide it when the policy says so."""
    if comment.status != Status.PUBLISHED:
        raise ApiError(409, f"Comment {comment.id} is {comment.status}; only published comments "
                       "can be reported.", kind="not-published",
                       extra={"current_status": comment.status})
    review_after, hide_after = _thresholds(comment.site)
    report = Report(comment_id=comment.id, reason=reason, reporter=reporter, created_at=utcnow())
    db.session.add(report)
    # Count atomically in the database, so that concurrent reports are all counted.
    db.session.execute(update(Comment).where(Comment.id == comment.id)
                       .values(open_reports=Comment.open_reports + 1)
                       .execution_options(synchronize_session=False))
    db.session.flush()
    db.session.refresh(comment)
    if comment.open_reports >= review_after and not comment.reported:
        comment.reported = True
        db.session.flush()
        record_event(comment, "comment.reported")  # a moderator must look at it
    if hide_after and comment.open_reports >= hide_after and not comment.hidden:
        comment.hidden = True
        db.session.flush()
        record_event(comment, "comment.hidden")
    db.session.commit()
    return report, comment


@blp.route("/comments/<id:comment_id>/reports", methods=["POST"])
@submit_limits[1]
@require(Role.SITE)
@blp.doc(security=[{"siteKey": []}])
@blp.arguments(ReportArgsSchema)
@blp.response(201, ReportResultSchema)
def report_comment(args: dict[str, Any], comment_id: int) -> dict[str, Any]:
    """A reader reports a published comment."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.site != current_key().site:
        raise ApiError(404, f"No comment {comment_id} on this site.")
    report, comment = add_report(comment, args["reason"], args.get("reporter"))
    return {"id": report.id, "comment_id": comment.id, "open_reports": comment.open_reports,
            "in_review": comment.reported, "visible": not comment.hidden}
