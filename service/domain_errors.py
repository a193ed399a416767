"""What the submit path and the review service refuse, in their own terms.

Domain modules (the pipeline, the review workflow, overrides, pagination...) raise these;
they know nothing of HTTP.  ``service.errors`` is the one place that turns each into an
``application/problem+json`` answer (``NotFound`` a 404, ``Conflict`` a 409, and so on),
and the moderator page shows the same error as a page.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    """A refusal that the caller can explain to whoever asked.

    ``detail`` says what went wrong with this request; ``kind`` names the kind of problem
    (the last part of the problem ``type``); ``errors`` lists messages per field;
    ``extra`` carries what a client can show instead (a conflict's current state).
    """

    def __init__(self, detail: str, *, kind: str | None = None,
                 errors: Mapping[str, list[str]] | None = None,
                 extra: Mapping[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.kind = kind
        self.errors = dict(errors or {})
        self.extra = dict(extra or {})


class NotFound(DomainError):
    """No such thing, or not one the caller may see."""


class Conflict(DomainError):
    """The thing is not in a state that allows this (decided, claimed, withdrawn...)."""


class Refused(DomainError):
    """Not allowed for this caller or in this place (a closed story takes no comments)."""


class InvalidField(DomainError):
    """Input that breaks a rule, named per field in ``errors``."""


class Unreadable(InvalidField):
    """Input that is not ours to read (a cursor another page did not give out)."""
