"""Comment text as safe HTML for sites that want it.

Comments are stored and returned as plain text (``body``): a site must escape it like any
user input.  ``body_html`` is that text already escaped, with paragraphs and line breaks as
``<p>`` and ``<br>``, then passed through the nh3 sanitiser (which only lets those two tags
through) as a second line of defence.  Markup a reader typed is shown, never run.
"""

from __future__ import annotations

import re

import nh3
from markupsafe import escape

_PARAGRAPHS = re.compile(r"\n\s*\n+")


def body_html(text: str) -> str:
    paragraphs = [p.strip() for p in _PARAGRAPHS.split(text) if p.strip()]
    html = "".join(f"<p>{'<br>'.join(str(escape(line)) for line in p.splitlines())}</p>"
                   for p in paragraphs)
    return nh3.clean(html, tags={"p", "br"}, attributes={}, link_rel=None)
