"""One JSON object per log line, for the app and for gunicorn."""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Format a record as JSON with its ``extra`` fields at the top level."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


# Loggers whose INFO lines say nothing to an operator: alembic lists its 7 plugins each time
# it is imported (in every worker, at every start).
QUIET = {"alembic.runtime.plugins": "WARNING"}


def configure(level: str = "INFO") -> None:
    """Send every logger's records to stderr as JSON (idempotent)."""
    for name, quiet_level in QUIET.items():
        logging.getLogger(name).setLevel(quiet_level)
    root = logging.getLogger()
    if any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        root.setLevel(level.upper())
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def _gunicorn_logger() -> type:
    from gunicorn.glogging import Logger

    class NoAccessLogger(Logger):  # type: ignore[misc]  # gunicorn has no type hints
        """gunicorn's logger without its access line: the app already logs each request
        once, with more (the decision, the rules).  With a ``logconfig_dict`` gunicorn would
        otherwise format and write a second line for every request."""

        def access(self, *args: Any, **kwargs: Any) -> None:
            return None

    return NoAccessLogger


def __getattr__(name: str) -> Any:
    """``service.logs.NoAccessLogger`` for gunicorn, built on first use (gunicorn is only
    imported by processes that run under it)."""
    if name == "NoAccessLogger":
        return _gunicorn_logger()
    raise AttributeError(name)


GUNICORN_LOGCONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "service.logs.JsonFormatter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json",
                            "stream": "ext://sys.stderr"}},
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        # gunicorn's INFO lines (starting, listening, booting each worker, signals) are what
        # gunicorn.conf.py says in one plain line at start; its warnings and errors remain.
        "gunicorn.error": {"level": os.environ.get("GUNICORN_LOG_LEVEL", "WARNING").upper(),
                           "handlers": ["stderr"], "propagate": False},
        **{name: {"level": level} for name, level in QUIET.items()},
        "gunicorn.access": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
    },
}
