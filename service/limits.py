"""Rate limits on submissions and review calls (Flask-Limiter).

Limits are per site key and per reader IP on ``POST /v1/comments``, and per moderator key
on the review endpoints.  With ``REDIS_URL`` the counters are shared by every worker and
machine.  Without it each worker counts in its own memory (limits has no storage that
gunicorn's processes could share), so each worker gets its share of every limit: with two
workers, ``1200 per minute`` is ``600 per minute`` in each, and the two together let
through at most the setting.  A client over a limit gets ``429`` with ``Retry-After`` and a
problem body.

If Redis stops answering, each worker falls back to counting in its own memory (with the
full setting: the share is not recomputed), logs a warning, sets the metric
``moderation_rate_limit_fallback`` and says so on ``/readyz``; it goes back to Redis when
Redis answers again.  A submission is never refused because the limiter's storage failed.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from limits import parse_many
from limits.storage import MemoryStorage
from prometheus_client import Counter, Gauge

from service.errors import ApiError

log = logging.getLogger(__name__)

# The settings that name a limit; each worker's share of them is taken without Redis.
LIMIT_SETTINGS = ("RATELIMIT_SUBMIT_PER_KEY", "RATELIMIT_SUBMIT_PER_IP",
                  "RATELIMIT_REVIEW_PER_KEY", "RATELIMIT_SIGNIN_PER_IP")
IN_MEMORY = ("memory://", "local-memory://")
# A dead Redis must cost a request little: fail fast, then the fallback counts in memory.
REDIS_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}

FALLBACK = Gauge("moderation_rate_limit_fallback",
                 "1 while a worker counts rate limits in its own memory because the shared "
                 "storage (Redis) is unreachable", multiprocess_mode="max")
FALLBACKS = Counter("moderation_rate_limit_fallbacks_total",
                    "Times a worker fell back to in-memory rate limits")


class LocalMemoryStorage(MemoryStorage):
    """limits' in-memory storage, sweeping expired counters at most once a second.

    The stock storage starts a new timer thread whenever the previous one (10 ms) has run,
    that is on nearly every request under load: about 0.5 ms per counted limit, measured,
    a quarter of a submission's time.  Counters still expire exactly (every read checks
    the expiry); only the sweep that frees memory runs less often.
    """

    STORAGE_SCHEME = ["local-memory"]  # noqa: RUF012 - limits' registry reads this list

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: str):
        self._next_sweep = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:  # overrides the private scheduler
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + 1.0
            super()._MemoryStorage__schedule_expiry()  # type: ignore[misc]


limiter = Limiter(key_func=lambda: request.remote_addr or "unknown",
                  headers_enabled=True, strategy="moving-window")


def share(limit: str, workers: int) -> str:
    """Each of ``workers`` processes' share of ``limit`` (``"1200 per minute"`` for two is
    ``"600 per 1 minute"``), at least one request per window."""
    return ";".join(f"{max(1, item.amount // workers)} per {item.multiples} "
                    f"{item.GRANULARITY.name}" for item in parse_many(limit))


def storage_is_shared(config: Any) -> bool:
    return not str(config["RATELIMIT_STORAGE_URI"]).startswith(IN_MEMORY)


def init_app(app: Flask) -> None:
    """Bind the limiter: without a shared storage each worker gets its share of the limits;
    with Redis, fall back to memory when it is down."""
    config = app.config
    workers = max(1, int(config.get("WORKER_COUNT") or 1))
    if not storage_is_shared(config) and workers > 1:
        for name in LIMIT_SETTINGS:
            config[name] = share(str(config[name]), workers)
    if storage_is_shared(config):
        config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
        if str(config["RATELIMIT_STORAGE_URI"]).startswith(("redis://", "rediss://")):
            config.setdefault("RATELIMIT_STORAGE_OPTIONS", dict(REDIS_TIMEOUTS))
    # Whatever the storage does, a request is answered: an error is logged, not a 500.
    config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    # One limiter object serves every app a process creates (the tests, the CLI): start
    # each from the storage state its own settings give, not the last app's.
    limiter._storage_dead = False
    limiter._storage_options = {}
    limiter._in_memory_fallback_enabled = bool(
        config.get("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"))
    limiter.init_app(app)
    app.after_request(_note_fallback)


_fell_back = False  # this worker's last known state, so the gauge is written on changes only


def in_fallback() -> bool:
    """Whether this worker counts in memory because the shared storage is unreachable.
    (flask-limiter keeps this in a private attribute; its version is pinned below 5.)"""
    return bool(getattr(limiter, "_storage_dead", False))


def _note_fallback(response: Response) -> Response:
    global _fell_back
    dead = in_fallback()
    if dead != _fell_back:
        _fell_back = dead
        FALLBACK.set(1 if dead else 0)
        if dead:
            FALLBACKS.inc()
            log.warning("rate limit storage unreachable: each worker now counts rate limits "
                        "in its own memory until it answers again")
        else:
            log.warning("rate limit storage answers again: limits are shared")
    return response


def storage_status() -> dict[str, Any]:
    """What ``/readyz`` says of the rate limits' storage (pings it when it is shared)."""
    config = current_app.config
    if not config.get("RATELIMIT_ENABLED", True):
        return {"ok": True, "storage": "off"}
    if not storage_is_shared(config):
        workers = max(1, int(config.get("WORKER_COUNT") or 1))
        return {"ok": True, "storage": "memory",
                "mode": f"each of {workers} worker(s) counts its share of every limit"}
    kind = str(config["RATELIMIT_STORAGE_URI"]).split(":", 1)[0]
    try:
        reachable = bool(limiter.storage.check())
    except Exception:  # noqa: BLE001 - any failure of the storage means unreachable
        reachable = False
    if reachable and not in_fallback():
        return {"ok": True, "storage": kind}
    return {"ok": False, "storage": kind,
            "mode": "fallback: each worker counts in its own memory"
                    + ("" if not reachable else " until its next check of the storage")}


def _key_of_caller() -> str:
    """A bucket per bearer key (hashed: the secret never reaches the limiter's storage)."""
    header = request.headers.get("Authorization", "")
    return "key:" + hashlib.sha256(header.encode("utf-8", "replace")).hexdigest()[:32]


def _reader_ip() -> str:
    """The reader's IP: the ``ip`` field a site passes on, else the request's own address."""
    ip = None
    if request.mimetype == "application/json":
        data = request.get_json(silent=True)
        if isinstance(data, dict) and isinstance(data.get("ip"), str):
            ip = data["ip"][:45]
    elif request.form:
        ip = (request.form.get("ip") or "")[:45] or None
    return "ip:" + (ip or request.remote_addr or "unknown")


def submission_per_key() -> str:
    return current_app.config["RATELIMIT_SUBMIT_PER_KEY"]


def submission_per_ip() -> str:
    return current_app.config["RATELIMIT_SUBMIT_PER_IP"]


def review_per_key() -> str:
    return current_app.config["RATELIMIT_REVIEW_PER_KEY"]


def _akismet_key() -> str:
    """An Akismet client's bucket: its key comes in the form (``api_key``, or ``key`` in
    WordPress's verify-key), hashed as if it were a bearer header (see above)."""
    secret = request.values.get("api_key") or request.values.get("key") or ""
    return "key:" + hashlib.sha256(f"Bearer {secret}".encode("utf-8", "replace")
                                   ).hexdigest()[:32]


def _akismet_reader_ip() -> str:
    """An Akismet client's reader: ``user_ip``, else the request's own address."""
    return "ip:" + ((request.values.get("user_ip") or "")[:45] or request.remote_addr
                    or "unknown")


submit_limits = [
    limiter.limit(submission_per_key, key_func=_key_of_caller, scope="submit-key"),
    limiter.limit(submission_per_ip, key_func=_reader_ip, scope="submit-ip"),
]
# The Akismet endpoints (service/akismet/api.py): the same two settings, counted per endpoint
# as for the submit endpoints above.
akismet_limits = [
    limiter.limit(submission_per_key, key_func=_akismet_key, scope="submit-key"),
    limiter.limit(submission_per_ip, key_func=_akismet_reader_ip, scope="submit-ip"),
]
review_limit = limiter.shared_limit(review_per_key, scope="review", key_func=_key_of_caller)


def reject_unparseable_json() -> None:
    """A JSON body nested past Python's recursion limit is a 400, never a crash.

    Registered as a ``before_request`` hook so that every endpoint, including those whose
    body webargs parses, is covered.  Other JSON errors are left to the endpoint (400/422).
    """
    if not request.is_json or not request.content_length:
        return
    try:
        request.get_json(silent=True)  # cached: the view's own get_json does not parse again
    except RecursionError as exc:
        raise ApiError(400, "The JSON body is nested too deeply.", kind="malformed-json",
                       errors={"_schema": ["JSON nested too deeply."]}) from exc
