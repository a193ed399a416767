"""Signing webhook bodies, and checking a signature as a receiver would.

The header is ``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` (as Stripe does), so
that a receiver can refuse old, replayed deliveries as well as forged ones.  While a rotated
secret is still valid the header carries a second ``v1=``, made with the previous secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

SIGNATURE_HEADER = "X-Moderation-Signature"


def _mac(secret: str, body: bytes, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int, previous_secret: str | None = None) -> str:
    """The signature header value: ``t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">``.

    During a secret rotation's overlap ``previous_secret`` adds a second ``v1=``, made with
    the secret being replaced, after the one made with the current secret.
    """
    header = f"t={timestamp},v1={_mac(secret, body, timestamp)}"
    if previous_secret is not None:
        header += f",v1={_mac(previous_secret, body, timestamp)}"
    return header


def verify_signature(secret: str, body: bytes, header: str, *, tolerance_seconds: int = 300,
                     now: float | None = None) -> bool:
    """True if ``header`` signs ``body`` with ``secret`` and is not older than the tolerance."""
    timestamp, macs = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1":
            macs.append(value)
    if timestamp is None or abs((now or time.time()) - timestamp) > tolerance_seconds:
        return False
    expected = _mac(secret, body, timestamp)
    return any(hmac.compare_digest(expected, mac) for mac in macs)


def event_body(payload: Mapping[str, Any]) -> bytes:
    """The bytes sent for an event: the same on every attempt."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
