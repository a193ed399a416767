"""Parsing the conditions on the author and on behaviour (flood, duplicates), language and
classifier scores."""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Any

from . import conditions as c
from .model import Problem
from .parse_common import ParserBase, all_of, is_number, parse_compare, parse_duration
from .yamlsource import LineDict, LineList, did_you_mean

__all__ = ["AUTHOR_TESTS", "FactParsers"]

AUTHOR_TESTS = ("email_in", "email_domain_in", "ip_in", "approved_before", "rejected_before",
                "comments", "reports_upheld", "first_seen", "identified", "banned")
COUNTS = {"approved_before": "approved", "rejected_before": "rejected", "comments": "comments",
          "reports_upheld": "reports_upheld"}


class FactParsers(ParserBase):
    """``author:``, ``flood:``, ``duplicate:``, ``language:`` and ``score:``."""

    def _author(self, node: Any, line: int) -> Any:
        if not isinstance(node, LineDict) or not node:
            self.rep.add(line, "author needs tests, like author: {banned: true}")
            return None
        self.rep.check_keys(node, AUTHOR_TESTS, "author conditions")
        parts: list[Any] = []
        for key, value in node.items():
            kl = node.line_of(key)
            part: Any = None
            if key == "email_in":
                lines = self._lines(value, kl, key)
                part = lines is not None and c.EmailIn(
                    frozenset(e.strip().lower() for _, _, (_, e) in lines), frozenset())
            elif key == "email_domain_in":
                domains = self._domains(value, kl, key)
                part = domains is not None and c.EmailIn(frozenset(), domains)
            elif key == "ip_in":
                part = self._networks(value, kl)
            elif key in COUNTS:
                bounds = parse_compare(value, kl, self.rep, key)
                part = bounds and c.History(COUNTS[key], bounds)
            elif key == "first_seen":
                part = self._first_seen(value, kl)
            elif key in ("banned", "identified"):
                if isinstance(value, bool):
                    part = c.Banned(value) if key == "banned" else c.Identified(value)
                else:
                    self.rep.add(kl, f"{key} must be true or false")
            else:
                continue
            if not part:
                return None
            parts.append(part)
        return all_of(parts, len(node))

    def _first_seen(self, node: Any, line: int) -> Any:
        hint = ("first_seen needs {within: 7d} (a reader first seen in the last 7 days) or "
                "{before: 30d} (first seen more than 30 days ago)")
        if not isinstance(node, LineDict) or not node:
            self.rep.add(line, hint)
            return None
        self.rep.check_keys(node, ("within", "before"), "first_seen")
        spans = {}
        for key in ("within", "before"):
            if key in node:
                spans[key] = parse_duration(node[key])
                if spans[key] is None:
                    self.rep.add(node.line_of(key),
                                 f"first_seen.{key} must be a duration like 12h, 7d or 30d")
                    return None
        if not spans:
            self.rep.add(line, hint)
            return None
        return c.FirstSeen(**spans)

    def _networks(self, value: Any, line: int) -> Any:
        lines = self._lines(value, line, "ip_in")
        if lines is None:
            return None
        nets = []
        for file, _, (entry_line, text) in lines:
            try:
                nets.append(ipaddress.ip_network(text.strip(), strict=False))
            except ValueError:
                self.rep.problems.append(
                    Problem(file, entry_line, f'"{text}" is not an IP address or range'))
        return c.IpIn(tuple(nets))

    def _flood(self, node: Any, line: int) -> Any:
        if not isinstance(node, LineDict):
            self.rep.add(line, "flood needs {by: ip, more_than: 5, within: 10m}")
            return None
        self.rep.check_keys(node, ("by", "more_than", "within"), "flood")
        by, limit = node.get("by"), node.get("more_than")
        ok = True
        # ``author`` is the site's author id when it sends one, else the email; ``email``
        # is the older name of the same thing.
        if by not in ("ip", "author", "email"):
            self.rep.add(node.line_of("by"), "flood.by must be ip or author")
            ok = False
        by = "ip" if by == "ip" else "author"
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            self.rep.add(node.line_of("more_than"), "flood.more_than must be a whole number")
            ok = False
        window = self._window(node, "flood")
        return c.Flood(str(by), limit, window) if ok and window and isinstance(limit, int) else None

    def _window(self, node: LineDict, what: str) -> timedelta | None:
        window = parse_duration(node.get("within"))
        if window is None:
            self.rep.add(node.line_of("within"),
                         f"{what}.within must be a duration like 10m, 1h or 2d")
        return window

    def _duplicate(self, node: Any, line: int) -> Any:
        if not isinstance(node, LineDict):
            self.rep.add(line, "duplicate needs {within: 1h}")
            return None
        self.rep.check_keys(node, ("within", "at_least"), "duplicate")
        least = node.get("at_least", 1)
        if not isinstance(least, int) or isinstance(least, bool) or least < 1:
            self.rep.add(node.line_of("at_least"), "duplicate.at_least must be 1 or more")
            return None
        window = self._window(node, "duplicate")
        return window and c.Duplicate(least, window)

    def _language(self, node: Any, line: int) -> Any:
        keys = ("in", "not_in", "min_letters", "min_confidence")
        if not isinstance(node, LineDict) or ("in" in node) == ("not_in" in node):
            self.rep.add(line, "language needs exactly one of in: [...] or not_in: [...]")
            return None
        self.rep.check_keys(node, keys, "language")
        key = "in" if "in" in node else "not_in"
        langs = node[key]
        identifier = self.identifier()
        if not isinstance(langs, LineList) or not all(isinstance(x, str) for x in langs):
            self.rep.add(node.line_of(key), f"language.{key} must be a list like [en, de]")
            return None
        for i, lang in enumerate(langs):
            if lang not in identifier.languages:
                self.rep.add(langs.line_of(i), f'unknown language code "{lang}"'
                             f"{did_you_mean(lang, identifier.languages)}")
                return None
        letters = node.get("min_letters", 20)
        confidence = node.get("min_confidence", 0.5)
        if not isinstance(letters, int) or isinstance(letters, bool) or not is_number(
                confidence) or not 0 <= confidence <= 1:
            self.rep.add(line, "language.min_letters must be a whole number and "
                         "min_confidence a number from 0 to 1")
            return None
        return c.Language(frozenset(langs), key == "in", letters, float(confidence), identifier)

    def _score(self, node: Any, line: int) -> Any:
        if not isinstance(node, LineDict) or not node:
            self.rep.add(line, "score needs {abuse: {at_least: 0.8}}")
            return None
        parts = []
        for name, value in node.items():
            bounds = parse_compare(value, node.line_of(name), self.rep, f"score.{name}")
            if bounds is None:
                return None
            parts.append(c.Score(str(name), bounds))
        return parts[0] if len(parts) == 1 else c.All(tuple(parts))
