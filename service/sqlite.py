"""SQLite settings that make the embedded default safe with several gunicorn workers.

* WAL journal: readers do not block the writer.
* ``BEGIN IMMEDIATE`` for every transaction: a transaction takes the write lock when it
  starts, so two workers that read then write wait for each other (``busy_timeout``)
  instead of one failing with "database is locked" when it tries to upgrade its lock.
* Foreign keys enforced, as on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 10_000


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    if type(dbapi_connection).__module__.split(".")[0] != "sqlite3":
        return
    dbapi_connection.isolation_level = None  # let SQLAlchemy emit BEGIN itself (below)
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


@event.listens_for(Engine, "begin")
def _on_begin(connection: Any) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
