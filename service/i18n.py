"""The reader's language: chosen once per request, used for every text a reader is shown.

The language is the best of the site policy's ``languages`` for the request's
``Accept-Language`` (q-values, ``ru-RU`` for ``ru``, ``*``), else the policy's ``language``;
without a policy, the best of the service's languages, else English.  Answers that used it
say ``Content-Language`` (and ``Vary: Accept-Language``, for caches).

The service's own reader texts (validation messages, fail-safe reasons, problem details) are
in ``service/locale/<language>/LC_MESSAGES/service.po``, read like the policy engine's.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, g, request

from policy_engine import Policy, Texts
from policy_engine.i18n import N_, SOURCE_LANGUAGE, Catalogue, languages

__all__ = ["CATALOGUE", "N_", "choose_language", "gettext", "reader_language", "texts"]

CATALOGUE = Catalogue(Path(__file__).parent / "locale", "service")


def choose_language(policy: Policy | None) -> str:
    """Pick the language of this request's reader (see the module's docstring) and keep it."""
    if policy is not None:
        served, default = policy.languages, policy.language
    else:
        served, default = languages(), SOURCE_LANGUAGE
    # ``served`` lists the default first, so that "Accept-Language: *" chooses it.
    language = request.accept_languages.best_match(served) or default
    g.reader_language = language
    return language


def reader_language() -> str:
    """The language chosen for this request's reader; English before one was chosen."""
    return g.get("reader_language") or SOURCE_LANGUAGE


def gettext(message: str) -> str:
    """``message`` (marked with ``N_`` where it is written) in the reader's language."""
    return CATALOGUE.gettext(reader_language(), message)


def texts(message: str) -> Texts:
    """``message`` in every language, for what is stored and answered again later."""
    return CATALOGUE.texts(message)


def say_content_language(response: Response) -> Response:
    """``after_request``: name the language the answer's reader texts are in."""
    language = g.get("reader_language")
    if language is not None:
        response.headers["Content-Language"] = language
        response.vary.add("Accept-Language")
    return response
