"""Training data from the moderators' own decisions: ``moderation model train --from-decisions``.

Every comment a moderator approved or rejected becomes a labelled row.  An approval means
neither abuse nor spam.  A rejection is spam when the moderator's reason says so (spam,
advertising, promotion, scam) and abuse when it gives another reason; without a reason, it
is spam when a spam rule fired or the spam score led the abuse score.  Comments that only
the policy decided are left out: they teach the model nothing it does not already know.

Comments of the QA sample (``service/review/qa.py``) that a moderator graded are rows too, and
unbiased ones: they were drawn at random from what the policy published.  ``ok`` means
neither; ``hold`` and ``reject`` mean abuse, or spam when the grade's note says so.  A
comment a moderator also decided counts once, by that decision.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from service.extensions import db
from service.models import AuditEntry, Comment, Status
from service.review import qa
from service.runtime import current_runtime
from service.site_models import PromotionError, SiteModels, is_held_out


def _note_says_spam(text: str) -> bool:
    return any(word in text.lower() for word in ("spam", "advert", "promotion", "scam"))

# A moderator's decisions that reject a comment, whose reason says spam or abuse: the
# queue's reject, and the removal of a published comment.
REJECTIONS = ("reject", "remove")


def _is_spam(comment: Comment, reason: str) -> bool:
    """The moderator's reason decides; without one, a spam rule or the higher of the scores."""
    if reason.strip():
        return _note_says_spam(reason)
    if "spam" in comment.labels:
        return True
    return comment.scores.get("spam", 0.0) > comment.scores.get("abuse", 0.0)


def decision_rows(site: str | None = None, part: str = "all") -> list[dict[str, Any]]:
    """``{"text", "abuse", "spam"}`` for each comment a moderator decided or graded.

    ``part``: ``train`` leaves out the held-out rows (one in five, by comment id:
    ``site_models.is_held_out``), ``held_out`` is only those, ``all`` both."""
    stmt = select(Comment).where(Comment.decided_by.is_not(None),
                                 Comment.status.in_((Status.PUBLISHED, Status.REJECTED)))
    if site:
        stmt = stmt.where(Comment.site == site)
    rows = []
    seen: set[int] = set()
    for comment in db.session.execute(stmt.order_by(Comment.id)).scalars():
        if not _in_part(comment.id, part):
            continue
        reason = db.session.execute(
            select(AuditEntry.detail).where(AuditEntry.comment_id == comment.id,
                                            AuditEntry.action.in_(REJECTIONS))
            .order_by(AuditEntry.id.desc()).limit(1)).scalar_one_or_none() or {}
        rejected = comment.status == Status.REJECTED
        spam = rejected and _is_spam(comment, str(reason.get("reason", "")))
        rows.append({"text": comment.body, "abuse": int(rejected and not spam),
                     "spam": int(spam)})
        seen.add(comment.id)
    for comment_id, body, grade, note in qa.graded_rows(site):
        if comment_id in seen or not _in_part(comment_id, part):
            continue
        stopped = grade != "ok"
        spam = stopped and _note_says_spam(note)
        rows.append({"text": body, "abuse": int(stopped and not spam), "spam": int(spam)})
    return rows


def _in_part(comment_id: int, part: str) -> bool:
    return part == "all" or is_held_out(comment_id) == (part == "held_out")


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
        rows = decision_rows(decisions_site, part="train")
        if not rows:
            raise click.ClickException("no moderator decisions to train on yet")
        click.echo(f"{len(rows):,} moderator decisions (one in five held out for "
                   "`model promote`: "
                   f"{sum(r['abuse'] for r in rows)} abuse, {sum(r['spam'] for r in rows)} "
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


def _registry() -> SiteModels:
    return SiteModels(current_app.config["SITE_MODELS_DIR"])


@click.command("promote")
@click.option("--site", required=True, help="The site whose model this would become.")
@click.option("--candidate", "candidate_dir", required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A trained model folder (model train --from-decisions --site S --out DIR).")
@click.option("--rounds", default=2000, show_default=True, help="Bootstrap draws.")
@with_appcontext
def promote_command(site: str, candidate_dir: Path, rounds: int) -> None:
    """Serve a site its own retrained model, only if it beats the current one.

    Both are scored on the site's held-out decisions (moderator-decided and QA-graded
    comments that training never sees); the candidate must win on abuse ROC AUC by a paired
    bootstrap 95% interval that excludes 0. Otherwise nothing changes and the command says
    by how much the candidate lost. Workers pick up a promotion without a restart.
    """
    from classifier import ModelError

    runtime = current_runtime()
    current = runtime.model_for(site)
    if current is None:
        raise click.ClickException(f"no current model to compare with: {runtime.model_error}")
    rows = decision_rows(site, part="held_out")
    try:
        done = _registry().promote(site, candidate_dir, current, rows, rounds=rounds)
    except (PromotionError, ModelError) as exc:
        raise click.ClickException(str(exc)) from exc
    c = done.comparison
    click.echo(f"{site}: promoted {done.version} (was {done.replaced or 'the shipped model'}). "
               f"Abuse ROC AUC {c['roc_auc'][0]:.3f} against {c['roc_auc'][1]:.3f} on "
               f"{c['n']} held-out decisions, difference {c['difference']:+.3f}, 95% interval "
               f"[{c['interval_95'][0]:+.3f}, {c['interval_95'][1]:+.3f}].")


@click.command("rollback")
@click.option("--site", required=True)
@with_appcontext
def rollback_command(site: str) -> None:
    """Serve the site the model it had before its last promotion (one step back)."""
    try:
        state = _registry().rollback(site)
    except PromotionError as exc:
        raise click.ClickException(str(exc)) from exc
    now = state["current"] or "the shipped model"
    click.echo(f"{site}: rolled back from {state['rolled_back_from']} to {now}.")
