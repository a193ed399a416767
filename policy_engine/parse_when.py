"""Turning a rule's ``when:`` into a compiled condition, reporting mistakes by file and line."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import re2

from . import conditions as c
from .language import Identifier
from .model import Problem
from .sources import ListLine, Sources
from .wordmatch import WordMatcher, compile_entry
from .yamlsource import LineDict, LineList, Reporter, did_you_mean

__all__ = ["WhenParser", "parse_compare", "parse_duration", "TEXT_FIELDS"]

TEXT_FIELDS = ("thread", "name", "email", "website", "body", "ip", "user_agent", "referrer")
COMBINATORS = ("all", "any", "not")
OTHER_KEYS = ("author", "flood", "duplicate", "language", "score")
TEXT_TESTS = (
    "has_word", "has_word_from", "matches", "matches_raw", "length", "capitals",
    "repeated_characters", "links", "links_to", "links_outside", "present",
)
AUTHOR_TESTS = ("email_in", "email_domain_in", "ip_in", "approved_before", "rejected_before",
                "banned")
COMPARE_KEYS = ("more_than", "less_than", "at_least", "at_most")
_DURATION = re.compile(
    r"^\s*(\d+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_duration(value: Any) -> timedelta | None:
    """``"10m"``, ``"1 hour"``, ``"2d"`` or a number of seconds, as a ``timedelta``."""
    if _is_number(value) and value > 0:
        return timedelta(seconds=value)
    m = _DURATION.match(value) if isinstance(value, str) else None
    if not m or int(m.group(1)) == 0:
        return None
    unit = "m" if m.group(2).startswith("min") else m.group(2)[0]
    return timedelta(**{_UNITS[unit]: int(m.group(1))})


def parse_compare(value: Any, line: int, rep: Reporter, what: str,
                  extra: tuple[str, ...] = ()) -> c.Compare | None:
    """``{more_than: 2}`` and the like; at least one bound is required."""
    example = f"{what}: {{more_than: 2}}"
    if not isinstance(value, LineDict):
        rep.add(line, f"{what} needs bounds like {{more_than: 2}} (write {example})")
        return None
    rep.check_keys(value, COMPARE_KEYS + extra, what)
    bounds = {}
    for key in COMPARE_KEYS:
        if key in value:
            if not _is_number(value[key]):
                rep.add(value.line_of(key), f"{what}.{key} must be a number, not {value[key]!r}")
                return None
            bounds[key] = value[key]
    if not bounds:
        rep.add(value.line, f"{what} needs one of {', '.join(COMPARE_KEYS)}")
        return None
    return c.Compare(**bounds)


@dataclass
class WhenParser:
    """Parses conditions for one policy file; list paths are relative to ``base``."""

    rep: Reporter
    base: Path
    sources: Sources
    identifier: Callable[[], Identifier]

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

    # -- lists -------------------------------------------------------------------------

    def _lines(self, value: Any, line: int, what: str, files_only: bool = False
               ) -> list[tuple[str, int, ListLine]] | None:
        """(display file, reference line, (line, entry)) for inline entries or list files."""
        out: list[tuple[str, int, ListLine]] = []
        items = value if isinstance(value, LineList) else [value]
        file_items = files_only or isinstance(value, str)
        for i, item in enumerate(items):
            item_line = value.line_of(i) if isinstance(value, LineList) else line
            if not isinstance(item, str | int | float) or isinstance(item, bool) or item == "":
                self.rep.add(item_line, f"{what} entries must be words or file names")
                return None
            if file_items:
                path = self.base / str(item)
                entries = self.sources.list_file(path, self.rep.file, item_line)
                if entries is None:
                    return None
                out.extend((self.sources.display(path), item_line, e) for e in entries)
            else:
                out.append((self.rep.file, item_line, (item_line, str(item))))
        return out

    def _words(self, value: Any, line: int, files: bool, what: str) -> WordMatcher | None:
        key = ("words", files, repr(value), str(self.base))
        if key in self.sources.compiled:
            return self.sources.compiled[key]
        lines = self._lines(value, line, what, files_only=files)
        if lines is None:
            return None
        entries = []
        for file, _, (entry_line, text) in lines:
            try:
                entries.append(compile_entry(text))
            except ValueError as exc:
                self.rep.problems.append(Problem(file, entry_line, f'list entry "{text}" {exc}'))
        matcher = self.sources.compiled[key] = WordMatcher(entries)
        return matcher

    def _domains(self, value: Any, line: int, what: str) -> frozenset[str] | None:
        lines = self._lines(value, line, what)
        if lines is None:
            return None
        found = set()
        for file, _, (entry_line, text) in lines:
            domain = text.strip().lower().rstrip(".").removeprefix("www.")
            if not _DOMAIN.match(domain):
                self.rep.problems.append(Problem(file, entry_line, f'"{text}" is not a domain'))
            found.add(domain)
        return frozenset(found)

    # -- text --------------------------------------------------------------------------

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
        self.rep.check_keys(node, TEXT_TESTS, f"{field} conditions")
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
        if len(parts) != len(node):
            return None
        return parts[0] if len(parts) == 1 else c.All(tuple(parts))

    # -- author and behaviour ----------------------------------------------------------

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
            elif key in ("approved_before", "rejected_before"):
                bounds = parse_compare(value, kl, self.rep, key)
                part = bounds and c.History(key.split("_")[0], bounds)
            elif key == "banned":
                if isinstance(value, bool):
                    part = c.Banned(value)
                else:
                    self.rep.add(kl, "banned must be true or false")
            else:
                continue
            if not part:
                return None
            parts.append(part)
        if len(parts) != len(node):
            return None
        return parts[0] if len(parts) == 1 else c.All(tuple(parts))

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
        if by not in ("ip", "email"):
            self.rep.add(node.line_of("by"), "flood.by must be ip or email")
            ok = False
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            self.rep.add(node.line_of("more_than"), "flood.more_than must be a whole number")
            ok = False
        window = self._window(node, "flood")
        return c.Flood(str(by), int(limit), window) if ok and window else None

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
        if not isinstance(letters, int) or isinstance(letters, bool) or not _is_number(
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
