"""The policy engine's language identification: the process-wide identifier of
:mod:`textnorm.language`, shared with the classifier so its model loads once."""

from __future__ import annotations

from textnorm.language import Identifier, get_identifier

__all__ = ["Identifier", "get_identifier"]
