"""The page's catalogue is in step with its templates and code, in every language."""

from __future__ import annotations

import re

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from policy_engine.i18n import languages
from tests.conftest import REPO


def test_every_page_text_has_every_translation() -> None:
    marked = {m[2] if isinstance(m[2], str) else m[2][0]
              for m in extract_from_dir(REPO / "service" / "review" / "moderate",
                                        [("**.py", "python"), ("**/templates/**.html", "jinja2")],
                                        keywords={"P_": None, "_": None})}
    assert len(marked) > 50
    for language in languages()[1:]:
        po = REPO / "service" / "locale" / language / "LC_MESSAGES" / "moderate.po"
        with po.open("rb") as f:
            catalog = read_po(f, locale=language)
        entries = {m.id: m for m in catalog if m.id}
        assert set(entries) == marked, f"{po}: out of step with the page"
        for message in entries.values():
            assert message.string and not message.fuzzy, f"{po}: {message.id!r} untranslated"
            if "%(" in message.id:  # the same placeholders, or formatting fails at run time
                names = re.compile(r"%\((\w+)\)s")
                assert sorted(names.findall(message.id)) == sorted(
                    names.findall(message.string)), message.id
