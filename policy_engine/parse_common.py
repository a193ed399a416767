"""What the condition parsers share: numbers, durations, bounds, and reading lists."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from . import conditions as c
from .language import Identifier
from .model import Problem
from .sources import ListLine, Sources
from .wordmatch import WordMatcher, compile_entry
from .yamlsource import LineDict, LineList, Reporter

__all__ = ["COMPARE_KEYS", "ParserBase", "is_number", "parse_compare", "parse_duration"]

COMPARE_KEYS = ("more_than", "less_than", "at_least", "at_most")
_DURATION = re.compile(
    r"^\s*(\d+)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_duration(value: Any) -> timedelta | None:
    """``"10m"``, ``"1 hour"``, ``"2d"`` or a number of seconds, as a ``timedelta``."""
    if is_number(value) and value > 0:
        return timedelta(seconds=value)
    m = _DURATION.match(value) if isinstance(value, str) else None
    if not m or int(m.group(1)) == 0:
        return None
    unit = "m" if m.group(2).startswith("min") else m.group(2)[0]
    return timedelta(**{_UNITS[unit]: int(m.group(1))})


def all_of(parts: list[Any], wanted: int) -> Any:
    """The conjunction of the conditions parsed from a mapping of ``wanted`` keys: None when
    some key gave none (it was reported), the one condition alone, else ``All`` of them."""
    if len(parts) != wanted:
        return None
    return parts[0] if len(parts) == 1 else c.All(tuple(parts))


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
            if not is_number(value[key]):
                rep.add(value.line_of(key), f"{what}.{key} must be a number, not {value[key]!r}")
                return None
            bounds[key] = value[key]
    if not bounds:
        rep.add(value.line, f"{what} needs one of {', '.join(COMPARE_KEYS)}")
        return None
    return c.Compare(**bounds)

@dataclass
class ParserBase:
    """State for parsing one policy file's conditions; list paths are relative to ``base``."""

    rep: Reporter
    base: Path
    sources: Sources
    identifier: Callable[[], Identifier]

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
