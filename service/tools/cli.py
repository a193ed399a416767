"""The ``moderation`` command: ``db``, ``keys``, ``policy`` and ``model`` subcommands.

It is Flask's command line with this app loaded, so ``moderation db upgrade`` (from
Flask-Migrate), ``moderation run`` and ``moderation routes`` work too.
"""

from __future__ import annotations

import os
from collections.abc import Callable, MutableMapping
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from service import create_app
from service.models import Role


def create_cli_app() -> Flask:
    """The app as a command sees it: the model loads only if a command scores something,
    and the log is quiet (warnings and errors) unless ``LOG_LEVEL`` says otherwise, so that
    ``--help`` and ``keys create`` answer at once and print only what they are for."""
    overrides: dict[str, Any] = {"LAZY_RUNTIME": True}
    if not os.environ.get("LOG_LEVEL"):
        overrides["LOG_LEVEL"] = "WARNING"
    return create_app(overrides)


@click.group(cls=FlaskGroup, create_app=create_cli_app, add_version_option=False,
             load_dotenv=False, set_debug_flag=False)
def main() -> None:
    """Comment moderation service."""


@click.group()
def keys() -> None:
    """Create, list and revoke API keys."""


@keys.command("create")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True,
              help="site: submits comments; moderator: works the review queue; admin: all.")
@click.option("--site", "sites", multiple=True,
              help="The site a key belongs to (one, required for --role site); for a "
              "moderator or admin key, the sites it may review (repeat; default: all).")
@click.option("--label", default="", help="Who or what the key is for, shown in the audit log.")
@with_appcontext
def create_key_command(role: str, sites: tuple[str, ...], label: str) -> None:
    """Create a key and print its secret (shown once; only its hash is stored)."""
    from service.keys import create_key

    if role == Role.SITE and len(sites) != 1:
        raise click.UsageError("--role site needs exactly one --site SITE")
    if any("," in name or not name.strip() for name in sites):
        raise click.BadParameter("site names cannot be empty or contain commas",
                                 param_hint="--site")
    site = ",".join(dict.fromkeys(sites)) or None
    new = create_key(Role(role), site=site, label=label)
    click.echo(new.secret)
    click.echo(f"Created {role} key {new.key.prefix}"
               + (f" for site {site}" if site else "")
               + ". Store the secret now: it cannot be shown again.", err=True)


@keys.command("list")
@with_appcontext
def list_keys_command() -> None:
    """List keys (never their secrets)."""
    from sqlalchemy import select

    from service.extensions import db
    from service.models import ApiKey

    for key in db.session.execute(select(ApiKey).order_by(ApiKey.id)).scalars():
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        click.echo(f"{key.prefix}\t{key.role}\t{key.site or '-'}\t{state}\t{key.label}")


@keys.command("revoke")
@click.argument("prefix")
@with_appcontext
def revoke_key_command(prefix: str) -> None:
    """Revoke the key with PREFIX (the part after ``cm_``)."""
    from service.keys import revoke

    if not revoke(prefix):
        raise click.ClickException(f"no active key {prefix}")
    click.echo(f"revoked {prefix}")


@click.group()
def sites() -> None:
    """Let a site's pages post comments straight from readers' browsers."""


@sites.command("browser")
@click.argument("site")
@click.option("--origin", "origins", multiple=True, required=True,
              help="An origin allowed to post, e.g. https://news.example (repeatable).")
@click.option("--honeypot", default="url_confirm", show_default=True,
              help="Name of the hidden form field that only bots fill in.")
@with_appcontext
def browser_site_command(site: str, origins: tuple[str, ...], honeypot: str) -> None:
    """Allow browser submissions for SITE from ORIGINs; prints the site's public id."""
    from sqlalchemy import select

    from service.extensions import db
    from service.intake.browser import new_public_id
    from service.models import BrowserSite

    for origin in origins:
        if not origin.startswith(("https://", "http://")) or origin.count("/") != 2:
            raise click.BadParameter(f"{origin!r} is not an origin like https://news.example",
                                     param_hint="--origin")
    row = db.session.execute(select(BrowserSite).where(BrowserSite.site == site)
                             ).scalar_one_or_none()
    if row is None:
        row = BrowserSite(site=site, public_id=new_public_id())
        db.session.add(row)
    row.origins = sorted(set(origins))
    row.honeypot = honeypot
    db.session.commit()
    click.echo(row.public_id)
    click.echo(f"{site}: browsers on {', '.join(row.origins)} may post to "
               f"/v1/public/{row.public_id}/comments", err=True)


class LazyGroup(click.Group):
    """A command group whose module is imported only when one of its commands (or its own
    ``--help``) is asked for: the classifier's commands pull in scikit-learn and SciPy,
    seconds that ``moderation --help`` or ``keys create`` should not wait for."""

    def __init__(self, name: str, load: Callable[[], click.Group], help: str) -> None:
        super().__init__(name, help=help)
        self._load = load
        self._group: click.Group | None = None

    @property  # type: ignore[override]
    def commands(self) -> MutableMapping[str, click.Command]:  # click.Group reads them here
        if self._group is None:
            self._group = self._load()
        return self._group.commands

    @commands.setter
    def commands(self, value: MutableMapping[str, click.Command]) -> None:
        """click.Group.__init__ sets an empty dict: the loaded group's are the ones used."""


def _policy_group() -> click.Group:
    from policy_engine.cli import policy
    from service.tools.policy_backtest import backtest_command

    return _extended(policy, backtest=backtest_command)


def _model_group() -> click.Group:
    from classifier.cli import model
    from service.tools.training_rows import promote_command, rollback_command, with_decisions

    return _extended(model, train=with_decisions(model.commands["train"]),
                     promote=promote_command, rollback=rollback_command)


def register(app) -> None:  # noqa: ANN001 - flask.Flask
    """Add the service's command groups to ``app.cli`` (Flask-Migrate adds ``db`` itself)."""
    from service.events.worker import webhooks
    from service.review.moderate.notifier import notify

    app.cli.add_command(keys)
    app.cli.add_command(sites)
    app.cli.add_command(webhooks)
    app.cli.add_command(notify)
    app.cli.add_command(LazyGroup("policy", _policy_group,
                                  "Check, test and backtest Comment Policy files."))
    app.cli.add_command(LazyGroup("model", _model_group,
                                  "Train, evaluate and run the abuse and spam classifier."))


def _extended(group: click.Group, **commands: click.Command) -> click.Group:
    """A copy of a library's command group with commands added or replaced: the library's
    own group (``python -m classifier.cli``) must not start needing a Flask app because an
    app was created in the same process."""
    return click.Group(group.name, commands={**group.commands, **commands}, help=group.help,
                       short_help=group.short_help)
