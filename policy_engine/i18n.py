"""Texts a reader is shown, in every language the service speaks: gettext catalogues.

A package that shows readers text keeps its translations in
``<package>/locale/<language>/LC_MESSAGES/<domain>.po``; the English text is the message id,
so English needs no file.  The ``.po`` files are read as they are, by Babel, the first time
a text is asked for (parsed and compiled in memory, a few milliseconds): there is no build
step to forget and no compiled ``.mo`` file in the repository to drift from its source.

The languages the service speaks are English and those of this package's catalogue; the
service's own catalogue must have the same ones (a test says so).
"""

from __future__ import annotations

import io
from functools import cached_property, lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from .model import Texts

__all__ = ["CATALOGUE", "SOURCE_LANGUAGE", "Catalogue", "N_", "languages"]

SOURCE_LANGUAGE = "en"


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it here (the extractor reads it)."""
    return message


class Catalogue:
    """The translations of one gettext domain, in every language it has a ``.po`` file for."""

    def __init__(self, directory: Path, domain: str) -> None:
        self.directory = directory
        self.domain = domain

    @cached_property
    def _translations(self) -> dict[str, Translations]:
        found: dict[str, Translations] = {}
        for po in sorted(self.directory.glob(f"*/LC_MESSAGES/{self.domain}.po")):
            language = po.parent.parent.name
            with po.open("rb") as source:
                catalog = read_po(source, locale=language, domain=self.domain)
            compiled = io.BytesIO()
            write_mo(compiled, catalog)  # fuzzy entries are left out: they show in English
            compiled.seek(0)
            found[language] = Translations(compiled, domain=self.domain)
        return found

    @property
    def languages(self) -> tuple[str, ...]:
        """English first, then every language with a catalogue, alphabetically."""
        return (SOURCE_LANGUAGE, *self._translations)

    def gettext(self, language: str, message: str) -> str:
        """``message`` in ``language``; English (the message itself) when it has none."""
        translations = self._translations.get(language)
        return message if translations is None else translations.gettext(message)

    def ngettext(self, language: str, singular: str, plural: str, n: int) -> str:
        """The form of ``singular``/``plural`` for the number ``n``, in ``language``."""
        translations = self._translations.get(language)
        if translations is None:
            return singular if n == 1 else plural
        return translations.ngettext(singular, plural, n)

    def texts(self, message: str) -> Texts:
        """``message`` in every language of the catalogue, English first (cached)."""
        return _texts(self, message)


@lru_cache(maxsize=256)
def _texts(catalogue: Catalogue, message: str) -> Texts:
    return Texts(tuple((language, catalogue.gettext(language, message))
                       for language in catalogue.languages))


CATALOGUE = Catalogue(Path(__file__).parent / "locale", "policy_engine")


def languages() -> tuple[str, ...]:
    """The language codes a policy may name: those every reader-facing text exists in."""
    return CATALOGUE.languages
