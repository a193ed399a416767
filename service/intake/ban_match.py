"""Which active bans a submission falls under: the part of bans the submit path reads.

Bans are made and lifted by moderators (``service.review.bans``); the policy's
``author: {banned: true}`` asks this, inside the facts statement
(``service.intake.stored_facts``), so that the submit path loads no review code.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import and_, or_

from service.models import Ban


def ban_targets(email: str | None, ip: str | None,
                author_id: str | None = None) -> dict[str, Any]:
    """What a submission could be banned by: its email, the email's domain, every network
    (written as ``normalise`` writes it) that holds its IP address, and the site's author id."""
    email = (email or "").strip().lower()
    return {"email": email, "domain": email.rpartition("@")[2] if "@" in email else "",
            "networks": _networks_holding(ip), "author_id": author_id or ""}


def active_ban_filter(site: Any, email: Any, domain: Any, network_match: Any,  # noqa: ANN401
                      now: Any, author_id: Any = None) -> Any:  # noqa: ANN401
    """SQL condition for the active bans on an email, a domain, or a network that
    ``network_match`` (a condition on ``Ban.value``) accepts.

    IP bans are stored as canonical CIDR strings, so the networks that hold an address can
    be listed (``ban_targets``) and matched through the index, in SQL.  The arguments are
    bound parameters (see ``service.intake.stored_facts``).
    """
    targets = [(Ban.kind == "email") & (Ban.value == email),
               (Ban.kind == "domain") & (Ban.value == domain),
               (Ban.kind == "ip") & network_match]
    if author_id is not None:
        targets.append((Ban.kind == "author") & (Ban.value == author_id))
    return and_(Ban.site == site, Ban.lifted_at.is_(None),
                or_(Ban.expires_at.is_(None), Ban.expires_at > now), or_(*targets))


def _networks_holding(ip: str | None) -> list[str]:
    """Every network that contains ``ip``, as ``str(ipaddress.ip_network(...))`` writes it."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return []
    number = int(address)
    if address.version == 4:  # the common case, without building 33 network objects
        out = []
        for prefix in range(33):
            n = number >> (32 - prefix) << (32 - prefix)
            out.append(f"{n >> 24}.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}/{prefix}")
        return out
    return [str(ipaddress.IPv6Network((number >> (128 - p) << (128 - p), p)))
            for p in range(129)]
