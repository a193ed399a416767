"""``moderation policy backtest``: what a draft policy would change, before it goes live.

Against stored comments (the default), each comment is re-decided by the draft with the
scores stored with it and the facts as they stood when it arrived, and compared with the
decision it got; a moderator's final verdict, where there is one, is its label.  With
``--data FILE.csv`` (``text,label``) the texts are scored by the current model and the
draft is compared with the live policy.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from policy_engine import Action, MemoryFacts, PolicyError, Submission, load_policy
from policy_engine.backtest import BacktestItem, backtest
from policy_engine.parse_common import parse_duration as _parse_duration
from service.extensions import db
from service.intake.pipeline import stored_submission
from service.intake.stored_facts import DatabaseFacts
from service.models import Comment, Status, utcnow
from service.runtime import current_runtime


def parse_duration(value: str) -> timedelta:
    """The policy files' duration syntax (``90m``, ``12h``, ``30d``, ``2 weeks``)."""
    duration = _parse_duration(value.strip())
    if duration is None:
        raise click.BadParameter("use a number and a unit: 90m, 12h, 30d, 2 weeks",
                                 param_hint="--since")
    return duration


def _label(comment: Comment) -> int | None:
    """A moderator's verdict: rejected means it should have been stopped."""
    if comment.decided_by is None:
        return None
    return 1 if comment.status == Status.REJECTED else 0


def stored_items(site: str, since: timedelta, limit: int) -> Iterator[BacktestItem]:
    stmt = (select(Comment).where(Comment.site == site, Comment.created_at >= utcnow() - since)
            .order_by(Comment.id.desc()).limit(limit))
    for comment in db.session.execute(stmt).scalars():
        yield BacktestItem(id=str(comment.id), submission=stored_submission(comment),
                           scores=comment.scores, facts=DatabaseFacts(site, as_of=comment),
                           label=_label(comment), previous=Action(comment.decided_action))


def csv_items(path: Path, site: str) -> Iterator[BacktestItem]:
    runtime = current_runtime()
    if runtime.model is None:
        raise click.ClickException(f"no model to score the texts: {runtime.model_error}")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "text" not in reader.fieldnames:
            raise click.ClickException(f"{path}: needs a 'text' column (and optionally 'label')")
        for n, row in enumerate(reader, start=1):
            text = row["text"] or ""
            label = row.get("label")
            submission = Submission(site=site, thread="backtest", name="Reader",
                                    email="reader@example.invalid", body=text)
            yield BacktestItem(id=f"row {n}", submission=submission,
                               scores=runtime.model.score(text).scores, facts=MemoryFacts(),
                               label=int(label) if label not in (None, "") else None)


@click.command("backtest")
@click.argument("path", default="policies", type=click.Path(exists=True, file_okay=False,
                                                            path_type=Path))
@click.option("--site", default="default", show_default=True,
              help="Whose comments; the draft is PATH/<site>.yaml, else the default policy.")
@click.option("--since", default="30d", show_default=True,
              help="How far back to take stored comments (90m, 12h, 30d, 2w).")
@click.option("--limit", default=50_000, show_default=True, help="At most this many comments.")
@click.option("--data", "data_file", type=click.Path(exists=True, dir_okay=False,
                                                     path_type=Path),
              help="A CSV with text,label to use instead of stored comments.")
@click.option("--show", default=50, show_default=True, help="How many flipped comments to list.")
@with_appcontext
def backtest_command(path: Path, site: str, since: str, limit: int, data_file: Path | None,
                     show: int) -> None:
    """Show how the draft policy in PATH would change decisions."""
    name = site if (path / f"{site}.yaml").is_file() else current_app.config[
        "DEFAULT_SITE_POLICY"]
    try:
        draft = load_policy(path, site=name)
    except PolicyError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise SystemExit(1) from exc
    if data_file is not None:
        live = current_runtime().policy_for(site)
        report = backtest(csv_items(data_file, site), draft, current=live)
        click.echo(f"draft {draft.version[:19]} against the live policy on {data_file}")
    else:
        window = parse_duration(since)
        report = backtest(stored_items(site, window, limit), draft)
        click.echo(f"draft {name}.yaml ({draft.version[:19]}) against stored decisions on site "
                   f"{site!r}, last {since}")
    click.echo(report.format_text(max_flips=show))
    if data_file is None:
        _name_other_sites(site, window, since)


def _name_other_sites(site: str, window: timedelta, since: str) -> None:
    """When the chosen site has no comments in the window, say which sites have: the
    default ``--site default`` is rarely the name a site's key was made with."""
    counts = dict(db.session.execute(
        select(Comment.site, func.count()).where(Comment.created_at >= utcnow() - window)
        .group_by(Comment.site).order_by(func.count().desc(), Comment.site)).all())
    if counts.get(site):
        return
    if not counts:
        click.echo(f"No site has stored comments in the last {since}.")
        return
    named = ", ".join(f"{name} ({n} comment{'s' if n != 1 else ''})"
                      for name, n in counts.items())
    first = next(iter(counts))
    click.echo(f"Site {site!r} has no comments in the last {since}; these sites have: {named}. "
               f"Choose one with --site, e.g. --site {first}.")
