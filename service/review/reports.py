"""Reports from readers on published comments.

The site's policy says after how many open reports a comment goes to the ``reported``
queue (``reports.review_after``, readers counted once each) and at what weight of reports
it is also hidden until a moderator decides (``reports.hide_after``).  A moderator's
decision closes the open reports: ``removed`` upholds them, ``kept`` dismisses them.

Each report weighs what its reporter's record on the site says, when they report
(Discourse's flagger accuracy)::

    weight = 2 * (upheld + 1) / (upheld + dismissed + 2), kept between 0.25 and 2

A reader with no record weighs 1; one whose 3 reports were all upheld 1.6; one whose 3
were all dismissed 0.4.  So at ``hide_after: 5`` five readers new to the site hide a
comment, as do four with a good record (4 x 1.6 = 6.4), while readers whose reports
moderators keep dismissing need 13 of them (13 x 0.4 = 5.2).

One reader counts once: a reader is the site's ``reporter`` id, else the ``reporter_ip``
the site passes on, else the address the request came from.  A second open report by the
same reader on the same comment changes nothing and answers ``200`` with the first report
(a unique index on open reports makes this hold under concurrent requests too).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, request
from flask_smorest import Blueprint
from marshmallow import validate
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from service.auth import current_key, require
from service.domain_errors import Conflict, NotFound
from service.events.outbox import record_event
from service.extensions import db
from service.limits import submit_limits
from service.models import Comment, Report, Role, Status, utcnow

blp = Blueprint("reports", __name__, url_prefix="/v1", description="Reader reports")

DEFAULT_REVIEW_AFTER = 1


class ReportArgsSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=500),
                              error_messages={"required": "This field is required."})
    reporter = ma.fields.String(validate=validate.Length(max=320),
                                metadata={"description": "Who reported: the site's own id of "
                                          "the reader (one open report per reader)"})
    reporter_ip = ma.fields.IP(metadata={"description": "The reader's IP address, when the "
                                         "site calls from its server and has no reader id"})


class ReportResultSchema(ma.Schema):
    id = ma.fields.Integer(metadata={"description": "The report's id"})
    comment_id = ma.fields.Integer()
    open_reports = ma.fields.Integer()
    weight = ma.fields.Float(metadata={"description": "What this report counts towards hiding "
                                       "the comment: its reporter's record (1 for a new one)"})
    report_weight = ma.fields.Float(metadata={"description": "The open reports' weights "
                                              "summed; at the policy's hide_after the comment "
                                              "is hidden"})
    in_review = ma.fields.Boolean(metadata={"description": "The comment waits for a moderator"})
    visible = ma.fields.Boolean(metadata={"description": "Readers still see the comment"})
    duplicate = ma.fields.Boolean(metadata={"description": "This reader had already "
                                            "reported the comment: nothing was counted"})


def _thresholds(site: str) -> tuple[int, int | None]:
    runtime = current_app.extensions["moderation.runtime"]
    policy = runtime.policy_for(site)
    rules = policy.reports if policy is not None else None
    review_after = (rules.review_after if rules and rules.review_after else DEFAULT_REVIEW_AFTER)
    return review_after, (rules.hide_after if rules else None)


def reporter_key(reporter: str | None, ip: str | None) -> str:
    """Who a report counts as: the site's reader id, else an IP address."""
    return f"id:{reporter}" if reporter else f"ip:{ip or 'unknown'}"


MIN_WEIGHT, MAX_WEIGHT = 0.25, 2.0


def reporter_weight(site: str, key: str) -> float:
    """What a report by ``key`` counts towards ``hide_after``, from their closed reports on
    ``site`` (see the module's formula)."""
    upheld, dismissed = db.session.execute(
        select(func.count().filter(Report.resolution == "removed"),
               func.count().filter(Report.resolution == "kept"))
        .select_from(Report).join(Comment, Report.comment_id == Comment.id)
        .where(Report.reporter_key == key, Report.closed_at.is_not(None),
               Comment.site == site)).one()
    weight = 2 * (upheld + 1) / (upheld + dismissed + 2)
    return round(min(MAX_WEIGHT, max(MIN_WEIGHT, weight)), 4)


def _open_report_by(comment_id: int, key: str) -> Report | None:
    return db.session.execute(select(Report).where(
        Report.comment_id == comment_id, Report.reporter_key == key,
        Report.closed_at.is_(None))).scalar_one_or_none()


def add_report(comment: Comment, reason: str, reporter: str | None,
               ip: str | None = None) -> tuple[Report, Comment, bool]:
    """Record a report; move the comment to review and hide it when the policy says so.

    Returns the report, the comment and whether the report was a repeat by the same reader
    (then nothing is counted and the first report is returned)."""
    if comment.status != Status.PUBLISHED:
        raise Conflict(f"Comment {comment.id} is {comment.status}; only published comments "
                       "can be reported.", kind="not-published",
                       extra={"current_status": comment.status})
    key = reporter_key(reporter, ip)
    earlier = _open_report_by(comment.id, key)
    if earlier is not None:
        return earlier, comment, True
    review_after, hide_after = _thresholds(comment.site)
    weight = reporter_weight(comment.site, key)
    report = Report(comment_id=comment.id, reason=reason, reporter=reporter, reporter_key=key,
                    weight=weight, created_at=utcnow())
    db.session.add(report)
    try:
        db.session.flush()
    except IntegrityError:  # the same reader's report, committed meanwhile by another worker
        db.session.rollback()
        earlier = _open_report_by(comment.id, key)
        if earlier is None:
            raise
        db.session.refresh(comment)
        return earlier, comment, True
    # Count atomically in the database, so that concurrent reports are all counted.
    db.session.execute(update(Comment).where(Comment.id == comment.id)
                       .values(open_reports=Comment.open_reports + 1,
                               report_weight=Comment.report_weight + weight)
                       .execution_options(synchronize_session=False))
    db.session.flush()
    db.session.refresh(comment)
    if comment.open_reports >= review_after and not comment.reported:
        comment.reported = True
        db.session.flush()
        record_event(comment, "comment.reported")  # a moderator must look at it
    # a little slack: weights are rounded, and 5 reports of 1.0 must reach 5
    if hide_after and comment.report_weight >= hide_after - 1e-6 and not comment.hidden:
        comment.hidden = True
        db.session.flush()
        record_event(comment, "comment.hidden")
    db.session.commit()
    return report, comment, False


@blp.route("/comments/<id:comment_id>/reports", methods=["POST"])
@submit_limits[1]
@require(Role.SITE)
@blp.doc(security=[{"siteKey": []}])
@blp.arguments(ReportArgsSchema)
@blp.response(201, ReportResultSchema)
@blp.alt_response(200, schema=ReportResultSchema,
                  description="The same reader had already reported it: nothing counted")
def report_comment(args: dict[str, Any], comment_id: int) -> tuple[dict[str, Any], int]:
    """A reader reports a published comment (once: a repeat by the same reader counts
    nothing)."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.site != current_key().site:
        raise NotFound(f"No comment {comment_id} on this site.")
    ip = args.get("reporter_ip")
    report, comment, duplicate = add_report(comment, args["reason"], args.get("reporter"),
                                            str(ip) if ip is not None else request.remote_addr)
    body = {"id": report.id, "comment_id": comment.id, "open_reports": comment.open_reports,
            "weight": report.weight, "report_weight": round(comment.report_weight, 4),
            "in_review": comment.reported, "visible": not comment.hidden,
            "duplicate": duplicate}
    return body, 200 if duplicate else 201
