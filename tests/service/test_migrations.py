"""The Alembic migrations build the schema the models describe, on an empty database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url


@pytest.fixture
def empty_database(database_url: str, tmp_path) -> Iterator[str]:  # noqa: ANN001
    """A database with nothing in it, of the same kind as the test database."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"migtest_{uuid.uuid4().hex[:10]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_creates_every_table_and_downgrade_removes_them(empty_database: str) -> None:
    from service import create_app
    from service.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "TESTING": True})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        inspector = inspect(db.engine)
        tables = set(inspector.get_table_names())
        assert {"comments", "api_keys", "audit_log", "alembic_version"} <= tables
        for table in db.metadata.sorted_tables:
            columns = {c["name"] for c in inspector.get_columns(table.name)}
            assert columns == set(table.columns.keys()), table.name
        # the migrations and the models agree: autogenerate finds nothing to do
        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext

        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == []
    result = runner.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_replicas_starting_together_migrate_one_at_a_time(empty_database: str) -> None:
    """Each container runs the migrations at start: on PostgreSQL they wait for an advisory
    lock, so two replicas never apply the same migration at once."""
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    if not empty_database.startswith("postgresql"):
        pytest.skip("SQLite serialises writers itself: the lock is a no-op there")
    from service.migration_lock import MIGRATION_LOCK_KEY

    moderation = Path(sys.executable).parent / "moderation"
    env = {**os.environ, "DATABASE_URL": empty_database}
    holder = create_engine(empty_database, isolation_level="AUTOCOMMIT")
    with holder.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        replica = subprocess.Popen([str(moderation), "db", "upgrade"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 60
            waiting = 0
            while not waiting and time.monotonic() < deadline and replica.poll() is None:
                waiting = conn.execute(text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                )).scalar_one()
                time.sleep(0.2)
            assert waiting == 1, "the second replica did not wait for the lock"
            assert replica.poll() is None
            assert "alembic_version" not in inspect(conn).get_table_names()  # nothing yet
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
        output, _ = replica.communicate(timeout=120)
        assert replica.returncode == 0, output
        assert "comments" in inspect(conn).get_table_names()
    holder.dispose()
