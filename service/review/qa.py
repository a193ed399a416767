"""A QA sample of the comments the policy published (``qa_sample:`` in the policy).

Each comment the policy publishes is drawn with the policy's probability (2% in the shipped
base policy).  A drawn comment stays published and also waits in the ``qa`` queue; a
moderator grades it: ``ok`` (rightly published), ``hold`` (should have been held) or
``reject`` (should have been rejected).  Because the draw is random, the graded share that
should have been stopped estimates the share of all published comments that should have
been, with a confidence interval (``GET /v1/review/stats``), and the graded comments are
unbiased training rows for ``model train --from-decisions``.

The draw (``service.intake.qa_draw``, on the submit path) uses the operating system's
randomness; ``QA_SAMPLE_SEED`` (for tests) makes it repeatable.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from flask_smorest import Blueprint
from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult

from service.auth import current_key, review_endpoint
from service.domain_errors import Conflict
from service.extensions import db
from service.models import QaSample, utcnow
from service.review.schemas import QA_GRADES as GRADES
from service.review.schemas import QaGradeArgsSchema, QaSampleSchema

Z95 = 1.959964  # the normal quantile of a two-sided 95% interval


def wilson(hits: int, total: int) -> tuple[float, float] | None:
    """The Wilson score 95% interval of ``hits / total`` (None without any trial)."""
    if total <= 0:
        return None
    p = hits / total
    denominator = 1 + Z95**2 / total
    centre = (p + Z95**2 / (2 * total)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / total + Z95**2 / (4 * total**2)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def sample_of(comment_id: int) -> QaSample | None:
    return db.session.execute(select(QaSample).where(
        QaSample.comment_id == comment_id)).scalar_one_or_none()


def grade(comment_id: int, key: Any, value: str, note: str | None) -> QaSample:  # noqa: ANN401
    """Grade a comment waiting in the ``qa`` queue (once: a graded one is a 409); audited."""
    from service.review.api import load
    from service.review.workflow import audit

    comment = load(comment_id)
    sample = sample_of(comment.id)
    if sample is None:
        raise Conflict(f"Comment {comment_id} is not in the QA sample.", kind="not-in-qa")
    now = utcnow()
    result = db.session.execute(
        update(QaSample).where(QaSample.id == sample.id, QaSample.grade.is_(None))
        .values(grade=value, graded_by=key.actor, graded_at=now)
        .execution_options(synchronize_session=False))
    if not isinstance(result, CursorResult) or result.rowcount != 1:
        db.session.rollback()
        sample = sample_of(comment.id)
        assert sample is not None  # samples are never deleted but with their comment
        raise Conflict(f"Comment {comment_id} was graded already ({sample.grade}, by "
                       f"{sample.graded_by}).", kind="graded",
                       extra={"grade": sample.grade, "graded_by": sample.graded_by})
    audit(comment, key, "qa-grade", note=note, detail={"grade": value}, now=now)
    db.session.commit()
    db.session.refresh(sample)
    return sample


def stats(sites: tuple[str, ...], since: datetime) -> dict[str, Any]:
    """The QA sample drawn since ``since`` on ``sites`` (all when empty), its grades, and
    the estimated share of published comments that should have been stopped."""
    stmt = (select(QaSample.grade, func.count()).where(QaSample.sampled_at >= since)
            .group_by(QaSample.grade))
    if sites:
        stmt = stmt.where(QaSample.site.in_(sites))
    counts = {grade: n for grade, n in db.session.execute(stmt)}
    graded = sum(counts.get(g, 0) for g in GRADES)
    stopped = counts.get("hold", 0) + counts.get("reject", 0)
    interval = wilson(stopped, graded)
    return {"sampled": sum(counts.values()), "waiting": counts.get(None, 0), "graded": graded,
            **{g: counts.get(g, 0) for g in GRADES},
            "leak_rate": stopped / graded if graded else None,
            "leak_interval": list(interval) if interval else None}


def graded_rows(site: str | None = None) -> list[tuple[int, str, str, str]]:
    """``(comment id, body, grade, note)`` of every graded QA comment, oldest first."""
    from service.models import AuditEntry, Comment

    note = (select(AuditEntry.note).where(AuditEntry.comment_id == QaSample.comment_id,
                                          AuditEntry.action == "qa-grade")
            .order_by(AuditEntry.id.desc()).limit(1).scalar_subquery())
    stmt = (select(Comment.id, Comment.body, QaSample.grade, note)
            .join(Comment, Comment.id == QaSample.comment_id)
            .where(QaSample.grade.is_not(None)).order_by(QaSample.id))
    if site:
        stmt = stmt.where(QaSample.site == site)
    return [(i, body, g, n or "") for i, body, g, n in db.session.execute(stmt)]


# -- views ----------------------------------------------------------------------------------

blp = Blueprint("qa", __name__, url_prefix="/v1/review", description="The QA sample")


@review_endpoint(blp, "/comments/<id:comment_id>/qa", "POST")
@blp.arguments(QaGradeArgsSchema)
@blp.response(200, QaSampleSchema)
@blp.alt_response(409, description="Not in the QA sample, or graded already.")
def grade_item(args: dict[str, Any], comment_id: int) -> QaSample:
    """Grade a comment of the `qa` queue. It stays published: take it down with `remove`."""
    return grade(comment_id, current_key(), args["grade"], args.get("note"))
