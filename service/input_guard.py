"""Refuse, before any view runs, text that no database can store.

* A JSON string may spell a lone UTF-16 surrogate (``"\\ud800"``): Python decodes it into a
  ``str`` that cannot be encoded as UTF-8, so SQLite's driver and psycopg both fail on it.
* PostgreSQL's text type cannot hold NUL, which a URL can carry as ``%00``.

Both are answered here, once for every endpoint, with a problem naming the field: a lone
surrogate anywhere in a JSON body and a NUL in a query parameter are a 422, a NUL in the
path a 404 (no resource has such a name).  A NUL inside a JSON string is left to the
schemas: submissions strip control characters (``schemas.clean_text``).
"""

from __future__ import annotations

import re
from typing import Any

from flask import g, request

from service.errors import ApiError
from service.i18n import N_, choose_language, gettext

_ESCAPED = re.compile(rb"\\u(?:[dD][89a-fA-F]|0000)")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_OR_NUL = re.compile("[\ud800-\udfff\x00]")

LONE_SURROGATE = N_("Not valid text: it holds a lone UTF-16 surrogate.")
HAS_NUL = N_("Not valid text: it holds a NUL character.")
# Submissions clean their text themselves (control characters, NUL included, are dropped:
# a reader cannot fix what their browser sent); everywhere else a NUL is refused.
CLEANS_CONTROL_CHARACTERS = frozenset({"comments.submit_comment", "browser.submit"})


def unstorable_at(value: Any, path: str = "", nul: bool = True) -> tuple[str, str] | None:
    """The dotted path (``items.0.note``) of the first string or key in ``value`` that holds
    a lone surrogate (or, with ``nul``, a NUL), and the message for it; else ``None``.
    A valid pair (``"\\ud83d\\ude00"``) is decoded by the JSON parser into one character,
    so any surrogate left in a ``str`` is a lone one."""
    pattern = _SURROGATE_OR_NUL if nul else _SURROGATE
    if isinstance(value, str):
        found = pattern.search(value)
        if found is None:
            return None
        return path or "_schema", HAS_NUL if found.group() == "\x00" else LONE_SURROGATE
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and pattern.search(key):
                return unstorable_at(key, path, nul)
            hit = unstorable_at(item, f"{path}.{key}" if path else str(key), nul)
            if hit is not None:
                return hit
    elif isinstance(value, list):
        for index, item in enumerate(value):
            hit = unstorable_at(item, f"{path}.{index}" if path else str(index), nul)
            if hit is not None:
                return hit
    return None


def _readers_language() -> None:
    """Answer in the reader's language: the view that would pick it by the site's policy has
    not run yet, so pick among the service's languages by ``Accept-Language``."""
    if g.get("reader_language") is None:
        choose_language(None)


def refuse_unstorable_input() -> None:
    """``before_request`` hook: 404 for a NUL in the path, 422 for a NUL in a query
    parameter, and for a lone surrogate (or, but in submissions, a NUL) in the JSON body."""
    if "\x00" in request.path:
        raise ApiError(404, "No such resource: the path holds a NUL character.")
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            _readers_language()
            raise ApiError(422, "A query parameter holds a NUL character.",
                           kind="validation-error",
                           errors={name.replace("\x00", "") or "_query": [gettext(HAS_NUL)]})
    if not request.is_json or not request.content_length:
        return
    # Only an escape can spell a surrogate or a NUL in valid UTF-8 JSON: most bodies have
    # none, and skip the walk.
    if not _ESCAPED.search(request.get_data(cache=True)):
        return
    data = request.get_json(silent=True)  # parsed once, cached for the view
    hit = unstorable_at(data, nul=request.endpoint not in CLEANS_CONTROL_CHARACTERS)
    if hit is not None:
        field, message = hit
        _readers_language()
        raise ApiError(422, gettext(N_("The request has invalid fields.")),
                       kind="validation-error", errors={field: [gettext(message)]})
