"""The audit trail and the queue's figures, for moderators and their leads."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import func, select

from service.auth import current_key, review_endpoint
from service.domain_errors import NotFound
from service.extensions import db
from service.models import AuditEntry, Comment, utcnow
from service.pagination import newest_first
from service.review import qa
from service.review.queues import WAITING, queue_condition
from service.review.schemas import AuditArgsSchema, AuditPageSchema, StatsArgsSchema
from service.schemas import CURSOR_NOT_OURS

blp = Blueprint("audit", __name__, url_prefix="/v1/review", description="Audit and figures")
DECISIONS = ("approve", "reject", "escalate")


@review_endpoint(blp, "/audit", "GET")
@blp.arguments(AuditArgsSchema, location="query")
@blp.response(200, AuditPageSchema)
@blp.alt_response(400, description=CURSOR_NOT_OURS)
def audit_log(args: dict[str, Any]) -> dict[str, Any]:
    """Every action, newest first: filter by comment, by moderator (`actor`), by day, by action."""
    key = current_key()
    stmt = select(AuditEntry)
    if key.sites:
        stmt = stmt.where(AuditEntry.site.in_(key.sites))
    if args.get("comment_id") is not None:
        stmt = stmt.where(AuditEntry.comment_id == args["comment_id"])
    if args.get("actor"):
        stmt = stmt.where(AuditEntry.actor == args["actor"])
    if args.get("action"):
        stmt = stmt.where(AuditEntry.action == args["action"])
    if args.get("day"):
        start = datetime.combine(args["day"], time(), tzinfo=UTC)
        stmt = stmt.where(AuditEntry.created_at >= start,
                          AuditEntry.created_at < start + timedelta(days=1))
    return newest_first(stmt, AuditEntry.id, args["limit"], args.get("cursor"))


@review_endpoint(blp, "/stats", "GET")
@blp.arguments(StatsArgsSchema, location="query")
@blp.response(200)
def stats(args: dict[str, Any]) -> dict[str, Any]:
    """Queue sizes and oldest items, decisions per moderator per day, time to decision, and
    the QA sample's grades with the estimated leak rate (`qa.leak_rate`: the share of
    graded QA comments that should have been held or rejected; `qa.leak_interval`: its
    Wilson 95% interval)."""
    key = current_key()
    site = args.get("site")
    if site and not key.may_see(site):
        raise NotFound(f"No site {site!r} for this key.")
    sites = (site,) if site else key.sites
    now = utcnow()
    since = now - timedelta(days=args["days"])
    queues = {}
    for name in (*WAITING, "qa"):
        stmt = select(func.count(), func.min(Comment.created_at)).where(queue_condition(name))
        if sites:
            stmt = stmt.where(Comment.site.in_(sites))
        size, oldest = db.session.execute(stmt).one()
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        queues[name] = {"size": size, "oldest": oldest.isoformat() if oldest else None,
                        "oldest_age_seconds": (now - oldest).total_seconds() if oldest else None}

    day = func.date(AuditEntry.created_at)
    by_day = (select(AuditEntry.actor, day, AuditEntry.action, func.count())
              .where(AuditEntry.action.in_(DECISIONS), AuditEntry.created_at >= since)
              .group_by(AuditEntry.actor, day, AuditEntry.action)
              .order_by(day, AuditEntry.actor))
    if sites:
        by_day = by_day.where(AuditEntry.site.in_(sites))
    per_moderator: dict[tuple[str, str], dict[str, Any]] = {}
    for actor, on, action, n in db.session.execute(by_day):
        row = per_moderator.setdefault((actor, str(on)), {"actor": actor, "day": str(on),
                                                          "approve": 0, "reject": 0,
                                                          "escalate": 0})
        row[action] = n

    decided = select(Comment.created_at, Comment.decided_at).where(
        Comment.decided_at.is_not(None), Comment.decided_at >= since)
    if sites:
        decided = decided.where(Comment.site.in_(sites))
    waits = [(_aware(done) - _aware(made)).total_seconds()
             for made, done in db.session.execute(decided.limit(100_000))
             if done is not None]  # always so: the query asks for decided_at IS NOT NULL
    return {
        "sites": list(sites),
        "days": args["days"],
        "queues": queues,
        "decisions_per_moderator_per_day": list(per_moderator.values()),
        "median_seconds_to_decision": statistics.median(waits) if waits else None,
        "decided": len(waits),
        "qa": qa.stats(sites, since),
    }


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
