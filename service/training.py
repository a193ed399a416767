"""Training data from the moderators' own decisions: ``moderation model train --from-decisions``.

Every comment a moderator approved or rejected becomes a labelled row.  An approval means
neither abuse nor spam.  A rejection is spam when the moderator's reason says so (spam,
advertising, promotion, scam) and abuse when it gives another reason; without a reason, it
is spam when a spam rule fired or the spam score led the abuse score.  Comments that only
the policy decided are left out: they teach the model nothing it does not already know.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from service.extensions import db
from service.models import AuditEntry, Comment, Status

# A moderator's decisions that reject a comment, whose reason says spam or abuse: the
# queue's reject, and the removal of a published comment.
REJECTIONS = ("reject", "remove")


def _is_spam(comment: Comment, reason: str) -> bool:
    """The moderator's reason decides; without one, a spam rule or the higher of the scores."""
    if reason.strip():
        return any(word in reason.lower() for word in ("spam", "advert", "promotion", "scam"))
    if "spam" in comment.labels:
        return True
    return comment.scores.get("spam", 0.0) > comment.scores.get("abuse", 0.0)


def decision_rows(site: str | None = None) -> list[dict[str, Any]]:
    """``{"text", "abuse", "spam"}`` for each comment a moderator decided."""
    stmt = select(Comment).where(Comment.decided_by.is_not(None),
                                 Comment.status.in_((Status.PUBLISHED, Status.REJECTED)))
    if site:
        stmt = stmt.where(Comment.site == site)
    rows = []
    for comment in db.session.execute(stmt.order_by(Comment.id)).scalars():
        reason = db.session.execute(
            select(AuditEntry.detail).where(AuditEntry.comment_id == comment.id,
                                            AuditEntry.action.in_(REJECTIONS))
            .order_by(AuditEntry.id.desc()).limit(1)).scalar_one_or_none() or {}
        rejected = comment.status == Status.REJECTED
        spam = rejected and _is_spam(comment, str(reason.get("reason", "")))
        rows.append({"text": comment.body, "abuse": int(rejected and not spam),
                     "spam": int(spam)})
    return rows


def with_decisions(train: click.Command) -> click.Command:
    """The classifier's ``train`` command plus ``--from-decisions`` and ``--site``."""
    train_callback = train.callback
    if train_callback is None:  # a click command always has one; a bare Command may not
        raise TypeError(f"the {train.name!r} command has no callback to extend")

    @click.pass_context
    @with_appcontext
    def callback(ctx: click.Context, from_decisions: bool, decisions_site: str | None,
                 **kwargs: Any) -> Any:
        if not from_decisions:
            return ctx.invoke(train_callback, **kwargs)
        rows = decision_rows(decisions_site)
        if not rows:
            raise click.ClickException("no moderator decisions to train on yet")
        click.echo(f"{len(rows):,} moderator decisions "
                   f"({sum(r['abuse'] for r in rows)} abuse, {sum(r['spam'] for r in rows)} "
                   "spam)")
        # A score needs examples of both kinds to be learnt; leave out one that has not.
        labels = [name for name in ("abuse", "spam") if 0 < sum(r[name] for r in rows) < len(rows)]
        if not labels:
            raise click.ClickException("the decisions need both approvals and rejections")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "decisions.csv"
            with path.open("w", newline="", encoding="utf-8") as handle:
                writer = csv.DictWriter(handle, fieldnames=["text", *labels],
                                        extrasaction="ignore")
                writer.writeheader()
                writer.writerows(rows)
            kwargs["data_files"] = (*kwargs["data_files"], str(path))
            return ctx.invoke(train_callback, **kwargs)

    params = [*train.params,
              click.Option(["--from-decisions"], is_flag=True,
                           help="Add the moderators' approve/reject decisions from the "
                           "database as training rows."),
              click.Option(["--site", "decisions_site"], default=None,
                           help="With --from-decisions: only this site's decisions.")]
    return click.Command(train.name, params=params, callback=callback, help=train.help,
                         short_help=train.short_help)
