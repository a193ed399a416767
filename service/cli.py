"""The ``moderation`` command: ``db``, ``keys``, ``policy`` and ``model`` subcommands.

It is Flask's command line with this app loaded, so ``moderation db upgrade`` (from
Flask-Migrate), ``moderation run`` and ``moderation routes`` work too.
"""

from __future__ import annotations

import click
from flask.cli import FlaskGroup, with_appcontext

from service import create_app
from service.models import Role


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False,
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

    from service.browser import new_public_id
    from service.extensions import db
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


def register(app) -> None:  # noqa: ANN001 - flask.Flask
    """Add the service's command groups to ``app.cli`` (Flask-Migrate adds ``db`` itself)."""
    from classifier.cli import model
    from policy_engine.cli import policy
    from service.backtest import backtest_command
    from service.moderate.notifier import notify
    from service.training import promote_command, rollback_command, with_decisions
    from service.webhook_worker import webhooks

    app.cli.add_command(keys)
    app.cli.add_command(sites)
    app.cli.add_command(webhooks)
    app.cli.add_command(notify)
    app.cli.add_command(_extended(policy, backtest=backtest_command))
    app.cli.add_command(_extended(model, train=with_decisions(model.commands["train"]),
                                  promote=promote_command, rollback=rollback_command))


def _extended(group: click.Group, **commands: click.Command) -> click.Group:
    """A copy of a library's command group with commands added or replaced: the library's
    own group (``python -m classifier.cli``) must not start needing a Flask app because an
    app was created in the same process."""
    return click.Group(group.name, commands={**group.commands, **commands}, help=group.help,
                       short_help=group.short_help)
