"""Helpers shared by the benchmarks."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def fresh_database(url: str) -> None:
    """Drop and create the PostgreSQL database that ``url`` names."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def cpu_seconds(master: int) -> dict[int, tuple[str, float]]:
    """CPU time (user + system) of every process now (/proc), by process id and program:
    the gunicorn workers of ``master``, PostgreSQL's processes, and every other program."""
    ticks = os.sysconf("SC_CLK_TCK")
    seen: dict[int, tuple[str, float]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, rest = stat.read_text().rsplit(")", 1)
            fields = rest.split()
        except (OSError, ValueError):
            continue
        pid, comm = int(stat.parent.name), head.split("(", 1)[1]
        if int(fields[1]) == master or pid == master:
            label = "gunicorn (this app)"
        elif comm.startswith("postgres"):
            label = "PostgreSQL"
        else:
            label = comm
        seen[pid] = (label, (int(fields[11]) + int(fields[12])) / ticks)
    return seen


def cpu_used(before: dict[int, tuple[str, float]],
             after: dict[int, tuple[str, float]]) -> Counter[str]:
    """CPU seconds each program used between two :func:`cpu_seconds` readings (a process
    that started in between counts from zero; one that ended is not seen)."""
    used: Counter[str] = Counter()
    for pid, (label, seconds) in after.items():
        used[label] += seconds - before.get(pid, (label, 0.0))[1]
    return used
