"""Edits and withdrawals by the comment's author, through the site.

``PATCH /v1/comments/<id>`` carries the new body.  The comment is moderated again like a
new submission (the same author, thread and request details, the policy and model as they
are now): a published comment whose new text is held is hidden until a moderator decides.
Every earlier version is kept (``comment_versions``) and shown to moderators.

``DELETE /v1/comments/<id>`` withdraws the comment: readers no longer see it and it leaves
every queue; it stays stored, with its versions, for the audit.

Both are audited with the site key as the actor and emit ``comment.edited`` or
``comment.withdrawn``.  A comment a moderator rejected or removed cannot be edited (the
human decision stands), nor can a withdrawn one.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import marshmallow as ma
from flask import g
from flask_smorest import Blueprint
from sqlalchemy import func, select, update

from service.auth import current_key, require
from service.domain_errors import Conflict
from service.events.outbox import record_event
from service.extensions import db
from service.i18n import N_, choose_language, gettext, reader_language
from service.intake.answers import Decided
from service.intake.comments import request_data, site_comment
from service.intake.pipeline import Resolved, moderate, resolve, stored_submission
from service.intake.validation import check_fields
from service.limits import submit_limits
from service.models import Comment, CommentVersion, Role, Status, utcnow
from service.review.workflow import close_reports
from service.runtime import current_runtime
from service.schemas import DecisionSchema

blp = Blueprint("edits", __name__, url_prefix="/v1", description="Edits and withdrawals")


class EditArgsSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    body = ma.fields.String(required=True, metadata={"description": "The new text"})


def _editable(comment: Comment) -> None:
    if comment.status == Status.WITHDRAWN:
        raise Conflict(gettext(N_("This comment was withdrawn.")), kind="withdrawn")
    if comment.status == Status.REJECTED and comment.decided_by is not None:
        raise Conflict(gettext(N_("A moderator rejected this comment; it cannot be "
                                  "edited.")), kind="decided-by-moderator")


def _keep_version(comment: Comment) -> None:
    """Store the comment as it stands before it changes."""
    number = db.session.execute(select(func.count()).select_from(CommentVersion).where(
        CommentVersion.comment_id == comment.id)).scalar_one() + 1
    db.session.add(CommentVersion(
        comment_id=comment.id, version=number, body=comment.body, status=comment.status,
        reasons=comment.reasons, scores=comment.scores, policy_version=comment.policy_version,
        model_version=comment.model_version, decided_by=comment.decided_by,
        created_at=comment.edited_at or comment.created_at,  # when this version came
        replaced_at=utcnow()))


def edit(comment: Comment, body: str, key: Any,  # noqa: ANN401
         resolved: Resolved | None = None) -> Comment:
    """Moderate ``body`` as the comment's new text and store it; commits.  ``resolved``:
    the policy the new body was validated with (else the site's current one)."""
    from service.review.workflow import audit

    _editable(comment)
    resolved = resolved or resolve(current_runtime(), comment.site)
    submission = replace(stored_submission(comment), body=body, submitted_at=utcnow())
    decided = moderate(resolved, submission, exclude_id=comment.id)
    before = comment.status
    _keep_version(comment)
    values = decided.row.decision()
    values.update(body=body, edited_at=submission.submitted_at, decided_at=None,
                  decided_by=None, decided_key_id=None, claimed_by=None, claim_key_id=None,
                  claim_expires_at=None, hidden=False, reported=False, escalated=False,
                  open_reports=0, report_weight=0.0)
    db.session.execute(update(Comment).where(Comment.id == comment.id).values(**values)
                       .execution_options(synchronize_session=False))
    close_reports(comment, "edited", submission.submitted_at)
    db.session.refresh(comment)
    audit(comment, key, "edit", from_status=before, to_status=comment.status,
          detail={"rules": [r["rule"] for r in comment.reasons]})
    record_event(comment, "comment.edited")  # says the new status and whether it is visible
    if comment.status == Status.PENDING:
        record_event(comment, "comment.held")  # moderators must look at the new text
    db.session.commit()
    decided.count()
    return comment


def withdraw(comment: Comment, key: Any) -> None:  # noqa: ANN401
    """Withdraw the comment (idempotent); commits."""
    from service.review.workflow import audit

    if comment.status == Status.WITHDRAWN:
        return
    before = comment.status
    _keep_version(comment)
    now = utcnow()
    db.session.execute(update(Comment).where(Comment.id == comment.id).values(
        status=Status.WITHDRAWN.value, edited_at=now, claimed_by=None, claim_key_id=None,
        claim_expires_at=None, reported=False, escalated=False, open_reports=0,
        report_weight=0.0).execution_options(synchronize_session=False))
    close_reports(comment, "withdrawn", now)
    db.session.refresh(comment)
    audit(comment, key, "withdraw", from_status=before, to_status=comment.status)
    record_event(comment, "comment.withdrawn")
    db.session.commit()


def _new_body(resolved: Resolved) -> str:
    """The request's new body, checked against the resolved policy's rules for ``body``."""
    data = request_data()
    language = g.get("reader_language") or choose_language(resolved.policy)
    fields = check_fields(resolved.policy, {"body": data["body"]} if "body" in data else {},
                          language, only=frozenset({"body"}))
    return str(fields.get("body", ""))


@blp.route("/comments/<id:comment_id>", methods=["PATCH"])
@submit_limits[0]
@require(Role.SITE)
@blp.doc(security=[{"siteKey": []}], requestBody={
    "required": True, "content": {"application/json": {"schema": EditArgsSchema}}})
@blp.response(200, DecisionSchema, description="The new text, moderated again: see `status`.")
@blp.alt_response(409, description="Withdrawn, or rejected by a moderator.")
@blp.alt_response(422, description="The new body is missing or breaks the policy's limits.")
def edit_comment(comment_id: int) -> Decided:
    """The author edits a comment: the new body is moderated again like a new submission.

    A published comment whose new text is held is hidden until a moderator decides. The
    earlier versions are kept for moderators. Emits `comment.edited`.
    """
    comment = site_comment(comment_id)
    resolved = resolve(current_runtime(), comment.site)
    body = _new_body(resolved)
    comment = edit(comment, body, current_key(), resolved)
    return Decided.first_answer(comment).for_reader(reader_language())


@blp.route("/comments/<id:comment_id>", methods=["DELETE"])
@require(Role.SITE)
@blp.doc(security=[{"siteKey": []}])
@blp.response(204, description="Withdrawn (also when it was already).")
def withdraw_comment(comment_id: int) -> tuple[str, int]:
    """The author (or the site) withdraws a comment: readers no longer see it, and it
    leaves every queue. Emits `comment.withdrawn`."""
    withdraw(site_comment(comment_id), current_key())
    return "", 204
