"""What a reader (and the site, for its readers) is told of a stored comment's reasons."""

from __future__ import annotations

from typing import Any

from policy_engine import Action
from service.models import Status

# What a reader is told of a comment in each status: the reasons with that action only.
READER_ACTION = {Status.PUBLISHED: Action.APPROVE, Status.PENDING: Action.HOLD,
                 Status.REJECTED: Action.REJECT}


def reader_reasons(status: str, reasons: list[dict[str, Any]],
                   language: str | None) -> list[dict[str, str]]:
    """What a reader is told of a stored comment's reasons.

    Only the reasons for its outcome as it stands (a rejected comment never says it will
    appear after review, a published one carries no hold or reject message; the moderator's
    view keeps them all), each in ``language`` when it was written in it, else in the
    policy's language (``message``; also for comments stored before translations were;
    ``language=None`` asks for that: webhook events, which have no reader).
    """
    action = READER_ACTION.get(status)  # type: ignore[call-overload]  # a StrEnum key
    return [{"rule": r["rule"],
             "message": (language and (r.get("messages") or {}).get(language))
             or r.get("message", "")}
            for r in reasons if action is not None and r.get("action") == action
            and not r.get("shadow")]  # a shadow rule's hit is for moderators only
