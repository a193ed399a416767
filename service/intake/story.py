"""A story's own settings as the submit path reads them (``PUT .../settings``: see
``service.intake.threads``; read with the policy's facts, ``stored_facts.recall``): closed
refuses, pre-moderated and held links hold."""

from __future__ import annotations

from dataclasses import dataclass

from policy_engine import Action, Reason
from service.i18n import N_, texts
from service.intake import threads

PRE_MESSAGE = N_("Comments on this article are reviewed before they appear.")
LINKS_MESSAGE = N_("Comments with links on this article are reviewed before they appear.")
CLOSED_MESSAGE = N_("Comments on this article are closed.")


@dataclass(frozen=True)
class Story:
    """One story's settings: ``moderation`` is ``post``, ``pre`` or ``closed``; ``links``
    is ``hold`` or None."""

    moderation: str = "post"
    links: str | None = None


def story_hold(story: Story, body: str, language: str) -> Reason | None:
    """Why this story's own settings hold a comment the policy would publish, if they do."""
    if story.moderation == "pre":
        rule, message, note = ("thread:pre", PRE_MESSAGE,
                               "The story is pre-moderated (PUT /v1/threads/.../settings).")
    elif story.links == "hold" and threads.has_link(body):
        rule, message, note = ("thread:links", LINKS_MESSAGE,
                               "The story holds comments with links.")
    else:
        return None
    messages = texts(message)
    return Reason(rule=rule, message=messages.get(language) or message, action=Action.HOLD,
                  note=note, messages=messages)
