"""Every file a policy reads, read once, so the policy's version hashes exactly what it used."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from .model import Problem
from .yamlsource import read_yaml

__all__ = ["ListLine", "Sources"]

ListLine = tuple[int, str]  # (line number, entry text)


class Sources:
    """Reads policy and list files relative to a root directory, caching each by path."""

    def __init__(self, root: Path, problems: list[Problem]) -> None:
        self.root = root
        self.problems = problems
        self._data: dict[Path, bytes] = {}
        self._lists: dict[Path, list[ListLine] | None] = {}
        self.compiled: dict[tuple[Any, ...], Any] = {}  # compiled lists, shared between rules

    def display(self, path: Path) -> str:
        """How ``path`` is named in messages: relative to the root when inside it."""
        try:
            return Path(os.path.relpath(path, self.root)).as_posix()
        except ValueError:
            return str(path)

    def yaml(self, path: Path) -> Any:
        """The parsed YAML document at ``path``, or ``None`` after recording a problem."""
        result = read_yaml(path, self.display(path), self.problems)
        if result is None:
            return None
        doc, data = result
        self._data[path.resolve()] = data
        return doc

    def list_file(self, path: Path, where: str, line: int) -> list[ListLine] | None:
        """Entries of a list file (one a line, ``#`` starts a comment), or ``None`` if unreadable.

        ``where`` and ``line`` locate the reference, for the problem when the file is missing.
        """
        key = path.resolve()
        if key in self._lists:
            return self._lists[key]
        entries: list[ListLine] | None = None
        try:
            data = path.read_bytes()
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = "is not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else "not found"
            self.problems.append(Problem(where, line, f'list file "{self.display(path)}" {reason}'))
        else:
            self._data[key] = data
            entries = []
            for number, raw in enumerate(text.splitlines(), start=1):
                content = raw.split(" #", 1)[0].strip()
                if content and not content.startswith("#"):
                    entries.append((number, content))
        self._lists[key] = entries
        return entries

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every file read, in the order first read."""
        return tuple(self._data)

    def version(self) -> str:
        """``sha256:<hex>`` over the names (relative to the root) and bytes of every file read."""
        digest = hashlib.sha256()
        for path in sorted(self._data, key=self.display):
            digest.update(self.display(path).encode("utf-8", "surrogatepass") + b"\0")
            digest.update(hashlib.sha256(self._data[path]).digest())
        return "sha256:" + digest.hexdigest()
