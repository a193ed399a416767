"""The page's words, in the moderator's language: ``service/locale/<language>/LC_MESSAGES/
moderate.po``, read at run time like the service's reader texts (``service.i18n``).

Templates call ``_("...")``; Python marks its texts with :func:`P_` (not ``N_``: those are
the reader texts of ``service.po``).  The language is the one the moderator picked
(``?lang=``, remembered in a cookie), else the best for ``Accept-Language``, else English.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, g, request

from policy_engine.i18n import SOURCE_LANGUAGE, Catalogue

CATALOGUE = Catalogue(Path(__file__).resolve().parents[2] / "locale", "moderate")
LANGUAGE_COOKIE = "moderate_lang"
NAMES = {"en": "English", "ru": "Русский"}


def P_(message: str) -> str:
    """Mark a page text for translation (the catalogue test extracts these)."""
    return message


def choose_language() -> str:
    served = CATALOGUE.languages
    asked = request.args.get("lang")
    if asked in served:
        g.set_language_cookie = asked
        language = asked
    else:
        remembered = request.cookies.get(LANGUAGE_COOKIE)
        language = (remembered if remembered in served
                    else request.accept_languages.best_match(served) or SOURCE_LANGUAGE)
    g.page_language = language
    return language


def language() -> str:
    return g.get("page_language") or SOURCE_LANGUAGE


def gettext(message: str) -> str:
    return CATALOGUE.gettext(language(), message)


def remember_language(response: Response) -> Response:
    chosen = g.get("set_language_cookie")
    if chosen:
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=365 * 86400, path="/moderate",
                            samesite="Lax", httponly=True)
    response.headers["Content-Language"] = language()
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response
