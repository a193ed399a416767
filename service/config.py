"""Settings read from the environment, with defaults that run on one machine.

Every variable is documented in the README's configuration table; keep the two in step.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, got {raw!r}") from exc


def default_model_path() -> Path:
    """Where the shipped model lies, found without importing the classifier (which loads
    scikit-learn and SciPy: seconds, for a command that may never score anything)."""
    import importlib.util

    spec = importlib.util.find_spec("classifier")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the classifier package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "default_model"


def from_environment(instance_path: str) -> dict[str, Any]:
    """Return the Flask config keys this service uses, read from ``os.environ``."""
    sqlite_file = Path(instance_path) / "moderation.db"
    return {
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or f"sqlite:///{sqlite_file}",
        "POLICY_DIR": os.environ.get("POLICY_DIR") or str(REPO_ROOT / "policies"),
        "DEFAULT_SITE_POLICY": os.environ.get("DEFAULT_SITE_POLICY") or "default",
        "MODEL_PATH": os.environ.get("MODEL_PATH") or str(default_model_path()),
        "SITE_MODELS_DIR": os.environ.get("SITE_MODELS_DIR")
        or str(Path(instance_path) / "site-models"),
        "POLICY_RELOAD_SECONDS": _int("POLICY_RELOAD_SECONDS", 2),
        "MAX_CONTENT_LENGTH": _int("MAX_REQUEST_BYTES", 64 * 1024),
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL") or "INFO",
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") not in ("0", "false"),
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL") or "local-memory://",
        "RATELIMIT_SUBMIT_PER_KEY": os.environ.get("RATELIMIT_SUBMIT_PER_KEY")
        or "1200 per minute",
        "RATELIMIT_SUBMIT_PER_IP": os.environ.get("RATELIMIT_SUBMIT_PER_IP") or "20 per minute",
        "RATELIMIT_REVIEW_PER_KEY": os.environ.get("RATELIMIT_REVIEW_PER_KEY")
        or "600 per minute",
        "RATELIMIT_HEADERS_ENABLED": True,
        # /readyz answers 503 while Redis is unreachable (default: ready, limits in memory)
        "RATELIMIT_STORAGE_REQUIRED": os.environ.get("RATELIMIT_STORAGE_REQUIRED", "0")
        not in ("0", "false", ""),
        # How many processes serve the app (gunicorn.conf.py sets it): without Redis each
        # gets its share of every limit.
        "WORKER_COUNT": _int("WORKER_COUNT", 1),
        "CLAIM_MINUTES": _int("CLAIM_MINUTES", 15),
        "UNDO_MINUTES": _int("UNDO_MINUTES", 10),
        "BAN_MAX_DAYS_MODERATOR": _int("BAN_MAX_DAYS_MODERATOR", 30),
        "KEY_CACHE_SECONDS": _int("KEY_CACHE_SECONDS", 5),
        "MODERATE_SESSION_HOURS": _int("MODERATE_SESSION_HOURS", 12),
        "MODERATE_SECURE_COOKIES": os.environ.get("MODERATE_SECURE_COOKIES", "0")
        not in ("0", "false", ""),
        "NOTIFY_CHAT_URL": os.environ.get("NOTIFY_CHAT_URL") or None,
        "NOTIFY_QUEUE_AGE_MINUTES": _int("NOTIFY_QUEUE_AGE_MINUTES", 30),
        "NOTIFY_REPEAT_MINUTES": _int("NOTIFY_REPEAT_MINUTES", 60),
        "NOTIFY_PAGE_URL": os.environ.get("NOTIFY_PAGE_URL") or "",
        "NOTIFY_LANGUAGE": os.environ.get("NOTIFY_LANGUAGE") or "en",
        "NOTIFY_TIMEOUT_SECONDS": _int("NOTIFY_TIMEOUT_SECONDS", 10),
        "RATELIMIT_SIGNIN_PER_IP": os.environ.get("RATELIMIT_SIGNIN_PER_IP")
        or "10 per minute",
    }
