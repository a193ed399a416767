"""Turning a rule's ``when:`` into a compiled condition, reporting mistakes by file and line."""

from __future__ import annotations

from typing import Any

import re2

from . import conditions as c
from .parse_common import all_of, parse_compare
from .parse_facts import FactParsers
from .yamlsource import LineDict, LineList, did_you_mean

__all__ = ["TEXT_FIELDS", "WhenParser"]

TEXT_FIELDS = ("thread", "name", "email", "website", "body", "ip", "user_agent", "referrer")
COMBINATORS = ("all", "any", "not")
OTHER_KEYS = ("author", "flood", "duplicate", "language", "score")
TEXT_TESTS = (
    "has_word", "has_word_from", "matches", "matches_raw", "length", "capitals",
    "repeated_characters", "links", "links_to", "links_outside", "present",
)
THREAD_MODES = ("post", "pre", "closed")


class WhenParser(FactParsers):
    """Parses conditions for one policy file."""

    def parse(self, node: Any, line: int) -> Any:
        """A compiled condition, or ``None`` after reporting why it can't be."""
        if node == "always":
            return c.Always()
        if not isinstance(node, LineDict) or not node:
            self.rep.add(line, "a condition must be a mapping like {body: {has_word: [...]}} "
                         "or the word always")
            return None
        parts = []
        ok = True
        for key, value in node.items():
            part = self._one(key, value, node.line_of(key))
            ok = ok and part is not None
            parts.append(part)
        if not ok:
            return None
        return parts[0] if len(parts) == 1 else c.All(tuple(parts))

    def _one(self, key: Any, value: Any, line: int) -> Any:
        if key in ("all", "any"):
            if not isinstance(value, LineList) or not value:
                self.rep.add(line, f"{key} needs a list of conditions")
                return None
            parts = [self.parse(item, value.line_of(i)) for i, item in enumerate(value)]
            if any(p is None for p in parts):
                return None
            return (c.All if key == "all" else c.AnyOf)(tuple(parts))
        if key == "not":
            part = self.parse(value, line)
            return None if part is None else c.Not(part)
        if key in TEXT_FIELDS:
            return self._text(key, value, line)
        handler = {"author": self._author, "flood": self._flood, "duplicate": self._duplicate,
                   "language": self._language, "score": self._score}.get(key)
        if handler is None:
            choices = COMBINATORS + TEXT_FIELDS + OTHER_KEYS
            self.rep.add(line, f'unknown condition "{key}"{did_you_mean(key, choices)}')
            return None
        return handler(value, line)

    def _thread_modes(self, value: Any, line: int) -> Any:
        modes = list(value) if isinstance(value, LineList) else [value]
        for mode in modes:
            if mode not in THREAD_MODES:
                self.rep.add(line, f'thread moderation is post, pre or closed, not "{mode}"'
                             f"{did_you_mean(str(mode), THREAD_MODES)}")
                return None
        return c.ThreadModeration(frozenset(modes))

    def _pattern(self, field: str, value: Any, line: int, raw: bool) -> Any:
        items = value if isinstance(value, LineList) else [value]
        parts = []
        for i, item in enumerate(items):
            item_line = value.line_of(i) if isinstance(value, LineList) else line
            if not isinstance(item, str) or not item:
                self.rep.add(item_line, "a pattern must be a non-empty text")
                return None
            options = re2.Options()
            options.log_errors = False
            options.case_sensitive = raw
            try:
                regex = re2.compile(item, options)
            except re2.error as exc:
                detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) \
                    else str(exc)
                self.rep.add(item_line, f"pattern {item!r} is not valid for RE2: {detail}")
                return None
            parts.append(c.Matches(field, regex, item, raw))
        return parts[0] if len(parts) == 1 else c.AnyOf(tuple(parts))

    def _text(self, field: str, node: Any, line: int) -> Any:
        if not isinstance(node, LineDict) or not node:
            self.rep.add(line, f"{field} needs tests, like {field}: {{has_word: [...]}}")
            return None
        tests = (*TEXT_TESTS, "moderation") if field == "thread" else TEXT_TESTS
        self.rep.check_keys(node, tests, f"{field} conditions")
        parts: list[Any] = []
        for key, value in node.items():
            kl = node.line_of(key)
            part: Any = None
            if key in ("has_word", "has_word_from"):
                matcher = self._words(value, kl, key == "has_word_from", key)
                part = matcher and c.HasWord(field, matcher)
            elif key in ("matches", "matches_raw"):
                part = self._pattern(field, value, kl, key == "matches_raw")
            elif key in ("length", "repeated_characters", "links"):
                bounds = parse_compare(value, kl, self.rep, key)
                what = {"repeated_characters": "repeats"}.get(key, key)
                part = bounds and c.Measure(field, what, bounds)
            elif key == "capitals":
                bounds = parse_compare(value, kl, self.rep, key, ("min_letters",))
                floor = value.get("min_letters", 10) if isinstance(value, LineDict) else 10
                if not isinstance(floor, int) or isinstance(floor, bool) or floor < 0:
                    self.rep.add(kl, "capitals.min_letters must be a whole number")
                    bounds = None
                part = bounds and c.Measure(field, "capitals", bounds, floor)
            elif key in ("links_to", "links_outside"):
                domains = self._domains(value, kl, key)
                part = domains is not None and c.LinksTo(field, domains, key == "links_to")
            elif key == "moderation" and field == "thread":
                part = self._thread_modes(value, kl)
            elif key == "present":
                if isinstance(value, bool):
                    part = c.Present(field, value)
                else:
                    self.rep.add(kl, "present must be true or false")
            else:
                continue  # unknown key, reported above
            if not part:
                return None
            parts.append(part)
        return all_of(parts, len(node))
