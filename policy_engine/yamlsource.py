"""Reading policy YAML with the line of every mapping, key and list item, and reporting
mistakes as ``Problem``s located by file and line."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from .model import Problem
from .yamlerrors import explain

__all__ = ["LineDict", "LineList", "Reporter", "did_you_mean", "read_yaml"]


class LineDict(dict):
    """A mapping that remembers its own line and the line of each key."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = 0
        self.key_lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        """The line of ``key``, or of the mapping when the key is absent."""
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A sequence that remembers its own line and the line of each item."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = 0
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        """The line of item ``index``."""
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _Loader(yaml.SafeLoader):
    duplicates: list[tuple[int, Any]]


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain word, not a list or mapping",
                key_node.start_mark) from None
        line = key_node.start_mark.line + 1
        if key in result:
            loader.duplicates.append((line, key))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_seq)


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """`` (did you mean "x"?)`` for the closest choice, or ``""`` when none is close."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


class Reporter:
    """Collects problems for one file."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems

    def add(self, line: int, message: str) -> None:
        """Record a problem at ``line`` of this file."""
        self.problems.append(Problem(self.file, line, message))

    def check_keys(self, mapping: LineDict, allowed: Iterable[str], where: str) -> None:
        """Report every key of ``mapping`` that is not ``allowed``, with a suggestion."""
        allowed = list(allowed)
        for key in mapping:
            if key not in allowed:
                self.add(mapping.line_of(key),
                         f'unknown key "{key}" in {where}{did_you_mean(key, allowed)}')


def read_yaml(path: Path, display: str, problems: list[Problem]) -> tuple[Any, bytes] | None:
    """Parse ``path``; on failure record a problem and return ``None``.

    Returns the document (``LineDict``/``LineList`` for collections) and the raw bytes.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(display, 0, f"cannot read file: {exc.strerror or exc}"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(display, 0, "file is not UTF-8 text"))
        return None
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        loader.duplicates = []
        doc = loader.get_single_data()
    except yaml.YAMLError as exc:
        line, message = explain(exc, text)
        problems.append(Problem(display, line, message))
        return None
    finally:
        if loader is not None:
            loader.dispose()
    for line, key in loader.duplicates:
        problems.append(Problem(display, line, f'key "{key}" appears twice in the same mapping'))
    return doc, data
