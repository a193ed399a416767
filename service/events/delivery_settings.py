"""Webhook delivery settings: the ``WEBHOOK_*`` config keys, a delivery's states, and the
retry delay.  The worker (:mod:`service.events.webhooks`) and the endpoint API read them.
"""

from __future__ import annotations

import ipaddress
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any

from service.events.egress import IPNetwork

DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_BACKOFF_SECONDS = 60.0
DEFAULT_BACKOFF_CAP_SECONDS = 6 * 3600.0
DEFAULT_TIMEOUT_SECONDS = 10.0
CLAIM_CHUNK = 10  # deliveries leased at once: the lease must outlast sending all of them
LEASE_MARGIN_SECONDS = 30.0


class State(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"
    CANCELLED = "cancelled"  # the endpoint was deactivated before the delivery was sent


@dataclass(frozen=True)
class Settings:
    """Delivery settings, from the app config keys ``WEBHOOK_*`` (or the environment)."""

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff_seconds: float = DEFAULT_BACKOFF_SECONDS
    backoff_cap_seconds: float = DEFAULT_BACKOFF_CAP_SECONDS
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    # Off by default: only globally routable addresses.  On: also loopback, RFC 1918,
    # fc00::/7 and 100.64/10, for a receiver on the operator's own network.
    allow_private: bool = False
    # Networks allowed whatever they are (an operator's explicit exception).
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        def raw_value(name: str) -> Any:
            raw = config.get(name)
            if raw is None or raw == "":
                raw = os.environ.get(name)
            return raw

        def read(name: str, default: float, kind: type) -> Any:
            raw = raw_value(name)
            if raw is None or raw == "":
                raw = default
            try:
                value = kind(raw)
            except (TypeError, ValueError) as exc:
                raise RuntimeError(f"{name} must be a number, got {raw!r}") from exc
            if value <= 0:
                raise RuntimeError(f"{name} must be above 0, got {raw!r}")
            return value

        return cls(
            max_attempts=read("WEBHOOK_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS, int),
            backoff_seconds=read("WEBHOOK_BACKOFF_SECONDS", DEFAULT_BACKOFF_SECONDS, float),
            backoff_cap_seconds=read("WEBHOOK_BACKOFF_CAP_SECONDS",
                                     DEFAULT_BACKOFF_CAP_SECONDS, float),
            timeout_seconds=read("WEBHOOK_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS, float),
            allow_private=_flag("WEBHOOK_ALLOW_PRIVATE", raw_value("WEBHOOK_ALLOW_PRIVATE")),
            allowed_networks=_networks("WEBHOOK_ALLOWED_NETWORKS",
                                       raw_value("WEBHOOK_ALLOWED_NETWORKS")),
        )

    @property
    def lease(self) -> timedelta:
        # The timeout bounds the connect and each read, so allow two per delivery in a chunk.
        return timedelta(seconds=CLAIM_CHUNK * 2 * self.timeout_seconds + LEASE_MARGIN_SECONDS)


def _flag(name: str, raw: Any) -> bool:
    if raw is None or isinstance(raw, bool):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise RuntimeError(f"{name} must be 1 or 0 (true or false), got {raw!r}")


def _networks(name: str, raw: Any) -> tuple[IPNetwork, ...]:
    """CIDRs from a list, or from a string separated by commas or spaces."""
    if raw is None or raw == "":
        return ()
    items = raw.replace(",", " ").split() if isinstance(raw, str) else list(raw)
    try:
        return tuple(ipaddress.ip_network(str(item).strip(), strict=False) for item in items)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be networks such as 10.1.2.0/24, got {raw!r}") from exc


def backoff_seconds(failures: int, settings: Settings, rng: random.Random | None = None) -> float:
    """The wait after ``failures`` failed attempts: doubling from the base, capped, and half
    of it random, so that endpoints that failed together do not all retry together."""
    ceiling = min(settings.backoff_cap_seconds,
                  settings.backoff_seconds * 2 ** min(max(failures - 1, 0), 40))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)
