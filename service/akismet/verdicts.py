"""A site's own moderators, through Akismet's submit-spam and submit-ham.

Akismet names a comment by its fields, not by an id.  :func:`find_comment` looks for ours:
the ``guid`` a client sends back (the ``X-akismet-guid`` comment-check answered), else the
site's latest comment with the same text, author name and email, and thread.

:func:`apply_verdict` makes the site's verdict a moderator's decision, by the site key,
through the review workflow's own actions (each audited, each with its event):

========================  ======================  ======================
the comment is            submit-spam             submit-ham
========================  ======================  ======================
held, or reported         reject (the queue's)    approve (the queue's)
published                 remove                  confirm (no change)
rejected                  confirm (no change)     restore
========================  ======================  ======================

A comment already decided that way by a person is left as it is.
"""

from __future__ import annotations

from sqlalchemy import select

from policy_engine import fingerprint
from service.akismet.fields import AkismetComment
from service.extensions import db
from service.models import ApiKey, Comment, Status
from service.review import overrides, workflow

SPAM_REASON = "spam, reported by the site (Akismet submit-spam)"
HAM_NOTE = "not spam, reported by the site (Akismet submit-ham)"


def find_comment(site: str, incoming: AkismetComment) -> Comment | None:
    """The site's stored comment that ``incoming`` is about, if there is one."""
    if incoming.guid is not None:
        comment = db.session.get(Comment, incoming.guid)
        if comment is not None and comment.site == site:
            return comment
    sent = incoming.submission
    return db.session.execute(
        select(Comment).where(Comment.site == site,
                              Comment.body_fingerprint == fingerprint(sent.body),
                              Comment.body == sent.body, Comment.thread == sent.thread,
                              Comment.author_email == sent.email,
                              Comment.author_name == sent.name)
        .order_by(Comment.id.desc()).limit(1)).scalar_one_or_none()


def apply_verdict(comment: Comment, key: ApiKey, spam: bool) -> Comment:
    """Decide ``comment`` as the site's moderator said (see the module's table); a 409
    problem when the workflow refuses (claimed by a moderator, escalated to an admin)."""
    reason, note = (SPAM_REASON, None) if spam else (None, HAM_NOTE)
    decision = "reject" if spam else "approve"
    if comment.status == Status.PENDING or (comment.status == Status.PUBLISHED
                                            and comment.reported):
        return workflow.decide(comment, key, decision, note=note, reason=reason)
    if comment.status == (Status.PUBLISHED if spam else Status.REJECTED):
        return overrides.override(comment, key, "remove" if spam else "restore",
                                  note=note, reason=reason)
    if comment.decided_by is None:
        return overrides.confirm(comment, key, decision, note=note, reason=reason)
    return comment
