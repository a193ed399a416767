"""Shared fixtures: an app on SQLite (default) or PostgreSQL, a client, keys.

Choose the database with ``--database-url`` or ``TEST_DATABASE_URL``; the default is a
SQLite file in a temporary directory.  The schema is made by the real Alembic migrations
once per session, and every table is emptied between tests.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

REPO = Path(__file__).resolve().parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--database-url", default=os.environ.get("TEST_DATABASE_URL"),
                     help="SQLAlchemy URL of the database to test against (default: SQLite)")


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    url = request.config.getoption("--database-url")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture(scope="session")
def _migrated(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Drop whatever the test database holds and build the schema with the migrations."""
    from flask_migrate import upgrade

    from service import create_app
    from service.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    with app.app_context():
        if database_url.startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        db.engine.dispose()
    return database_url


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    """A copy of the shipped policies that a test may edit."""
    target = tmp_path / "policies"
    shutil.copytree(REPO / "policies", target)
    return target


@pytest.fixture
def app(_migrated: str, policy_dir: Path) -> Iterator[Flask]:
    from service import create_app
    from service.extensions import db

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": _migrated,
        "TESTING": True,
        "POLICY_DIR": str(policy_dir),
        "POLICY_RELOAD_SECONDS": 0,
        "RATELIMIT_ENABLED": False,
        "QA_SAMPLE_SEED": 1,  # the policy's QA sample is drawn the same way in every run
        "SITE_MODELS_DIR": str(policy_dir.parent / "site-models"),
    })
    yield app
    with app.app_context():
        db.session.remove()
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _make_key(app: Flask, role: str, site: str | None) -> str:
    from service.keys import create_key
    from service.models import Role

    with app.app_context():
        return create_key(Role(role), site=site, label=f"test {role}").secret


@pytest.fixture
def site_key(app: Flask) -> str:
    return _make_key(app, "site", "news")


@pytest.fixture
def other_site_key(app: Flask) -> str:
    return _make_key(app, "site", "other")


@pytest.fixture
def moderator_key(app: Flask) -> str:
    return _make_key(app, "moderator", None)


@pytest.fixture
def second_moderator(app: Flask) -> str:
    from service.keys import create_key
    from service.models import Role

    with app.app_context():
        return create_key(Role.MODERATOR, label="Second").secret


@pytest.fixture
def admin_key(app: Flask) -> str:
    return _make_key(app, "admin", None)


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
