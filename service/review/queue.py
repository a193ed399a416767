"""Queries behind the review queue: listings with filters and keyset pages, an item's context."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from service.extensions import db
from service.models import ApiKey, Comment, CommentVersion, Report, Status
from service.pagination import decode, encode
from service.review.queues import WAITING, queue_condition
from service.runtime import current_runtime


def filters(args: dict[str, Any], key: ApiKey) -> list[ColumnElement[bool]]:
    """The WHERE conditions for the filters in ``args``, within the key's site."""
    conditions: list[ColumnElement[bool]] = []
    if key.sites:
        conditions.append(Comment.site.in_(key.sites))
    if args.get("site"):
        conditions.append(Comment.site == args["site"])
    if args.get("thread"):
        conditions.append(Comment.thread == args["thread"])
    if args.get("rule"):
        conditions.append(Comment.rule_ids.contains(f" {args['rule']} ", autoescape=True))
    if args.get("min_score") is not None:
        conditions.append(Comment.risk >= args["min_score"])
    if args.get("max_score") is not None:
        conditions.append(Comment.risk <= args["max_score"])
    if args.get("since"):
        conditions.append(Comment.created_at >= args["since"])
    if args.get("until"):
        conditions.append(Comment.created_at < args["until"])
    if args.get("email"):
        conditions.append(Comment.author_email == args["email"].strip().lower())
    if args.get("author_id"):
        conditions.append(Comment.author_id == args["author_id"])
    if args.get("ip"):
        conditions.append(Comment.ip == args["ip"])
    return conditions


def page(args: dict[str, Any], key: ApiKey) -> dict[str, Any]:
    """One page of a queue.  Keyset pagination stays correct while items are decided."""
    limit = args["limit"]
    stmt: Select = select(Comment).where(queue_condition(args["queue"]), *filters(args, key))
    sort = args["sort"]
    cursor = args.get("cursor")
    if sort == "score":
        stmt = stmt.order_by(Comment.risk.desc(), Comment.id)
        if cursor:
            risk, last_id = decode(cursor, (float, int))
            stmt = stmt.where(or_(Comment.risk < risk,
                                  and_(Comment.risk == risk, Comment.id > last_id)))
    elif sort == "age":
        stmt = stmt.order_by(Comment.id)
        if cursor:
            (last_id,) = decode(cursor, (int,))
            stmt = stmt.where(Comment.id > last_id)
    else:
        stmt = stmt.order_by(Comment.id.desc())
        if cursor:
            (last_id,) = decode(cursor, (int,))
            stmt = stmt.where(Comment.id < last_id)
    rows = list(db.session.execute(stmt.limit(limit + 1)).scalars())
    items = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = encode([last.risk, last.id] if sort == "score" else [last.id])
    return {"items": items, "next_cursor": next_cursor}


def waiting_ages() -> dict[str, tuple[int, datetime | None]]:
    """For each queue that waits for someone, its size and since when its oldest item has
    waited: a held or escalated comment since it was submitted, a reported one since its
    oldest open report.  For the metric and the chat notifier; every site."""
    ages: dict[str, tuple[int, datetime | None]] = {}
    for name in WAITING:
        condition = queue_condition(name)
        size = db.session.execute(select(func.count()).select_from(Comment)
                                  .where(condition)).scalar_one()
        oldest = None
        if size and name == "reported":
            oldest = db.session.execute(
                select(func.min(Report.created_at)).join(Comment, Report.comment_id == Comment.id)
                .where(condition, Report.closed_at.is_(None))).scalar_one()
        elif size:  # the oldest id is the oldest submission, found through the queue's index
            oldest = db.session.execute(select(Comment.created_at).where(condition)
                                        .order_by(Comment.id).limit(1)).scalar_one_or_none()
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        ages[name] = (size, oldest)
    return ages


def _count_where(condition: ColumnElement[bool]) -> Any:
    return func.count().filter(condition)


def author_record(comment: Comment) -> dict[str, Any]:
    """The author's history on this site (by the site's author id when it sent one, else by
    email), plus who else wrote from the same IP."""
    mine = (Comment.author_id == comment.author_id if comment.author_id
            else Comment.author_email == comment.author_email)
    by_author = and_(Comment.site == comment.site, mine)
    reports = select(func.count(Report.id)).join(Comment, Report.comment_id == Comment.id)
    reported = reports.where(by_author).scalar_subquery()
    upheld = reports.where(by_author, Report.resolution == "removed").scalar_subquery()
    others_earlier = Comment.id != comment.id
    row = db.session.execute(
        select(_count_where(and_(others_earlier, Comment.status == Status.PUBLISHED)),
               _count_where(and_(others_earlier, Comment.status == Status.REJECTED)),
               _count_where(and_(others_earlier, Comment.status == Status.PENDING)),
               func.min(Comment.created_at), reported, upheld)
        .where(by_author)).one()
    others: list[str] = []
    if comment.ip:
        others = list(db.session.execute(
            select(Comment.author_email).where(Comment.site == comment.site,
                                               Comment.ip == comment.ip,
                                               Comment.author_email != comment.author_email)
            .group_by(Comment.author_email).order_by(Comment.author_email).limit(20)).scalars())
    return {"approved": row[0], "rejected": row[1], "pending": row[2], "first_seen": row[3],
            "reported": row[4], "reports_upheld": row[5], "same_ip_authors": others,
            "keyed_by": "author_id" if comment.author_id else "email"}


def thread_context(comment: Comment) -> dict[str, Any]:
    published, pending = db.session.execute(
        select(_count_where(Comment.status == Status.PUBLISHED),
               _count_where(Comment.status == Status.PENDING))
        .where(Comment.site == comment.site, Comment.thread == comment.thread)).one()
    parent = None
    if comment.parent_id:
        row = db.session.get(Comment, comment.parent_id)
        if row is not None:
            parent = {"id": row.id, "name": row.author_name, "body": row.body[:500],
                      "status": row.status}
    return {"thread": comment.thread, "published": published, "pending": pending,
            "parent": parent}


def score_details(comment: Comment) -> list[dict[str, Any]]:
    """Each score beside the site policy's thresholds for it and the terms behind it."""
    runtime = current_runtime()
    policy = runtime.policy_for(comment.site)
    thresholds = policy.thresholds if policy is not None else {}
    details = []
    for name, value in sorted(comment.scores.items()):
        limits = {str(k): v for k, v in thresholds.get(name, {}).items()}
        details.append({"score": name, "value": value, "hold": limits.get("hold"),
                        "reject": limits.get("reject"), "terms": comment.terms.get(name, [])})
    return details


def reports_of(comment: Comment) -> list[Report]:
    return list(db.session.execute(select(Report).where(Report.comment_id == comment.id)
                                   .order_by(Report.id)).scalars())


def versions_of(comment: Comment) -> list[CommentVersion]:
    """The comment's earlier versions (before its author's edits), oldest first."""
    return list(db.session.execute(select(CommentVersion).where(
        CommentVersion.comment_id == comment.id).order_by(CommentVersion.version)).scalars())
