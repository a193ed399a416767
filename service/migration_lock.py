"""One migration at a time: replicas that start together take turns.

Every container runs ``moderation db upgrade`` when it starts (``docker-entrypoint``).  On
PostgreSQL the migrations wait for a session advisory lock, held on a connection of its
own while they run, so a second replica waits, then finds the schema up to date.  SQLite
needs nothing: a file has one writer at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

# pg_advisory_lock's key: any 64-bit number the service uses for nothing else ("modmig").
MIGRATION_LOCK_KEY = 0x6D6F646D6967


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Hold the migration lock (PostgreSQL; a no-op elsewhere) for the ``with`` block."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:key)"),
                           {"key": MIGRATION_LOCK_KEY}).scalar_one()
        if not got:
            log.warning("another process is migrating the database; waiting for it")
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
