"""Rate limits on submissions and review calls (Flask-Limiter).

Limits are per site key and per reader IP on ``POST /v1/comments``, and per moderator key
on the review endpoints.  With ``REDIS_URL`` the counters are shared by every worker and
machine; without it each worker counts in its own memory.  A client over a limit gets
``429`` with ``Retry-After`` and a problem body.
"""

from __future__ import annotations

import hashlib
import time

from flask import current_app, request
from flask_limiter import Limiter
from limits.storage import MemoryStorage

from service.errors import ApiError


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
# The Akismet endpoints (service/akismet.py): the same two settings, counted per endpoint
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
