"""Helpers: write small policies into a temporary folder and load them."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from policy_engine import PolicyError, Submission, load_policy
from policy_engine.policy import Policy

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "policies"


def sub(body: str = "A perfectly ordinary comment.", **fields: object) -> Submission:
    """A submission with sensible defaults."""
    values: dict[str, object] = {"site": "default", "thread": "t1", "name": "Ann Reader",
                                 "email": "ann@example.org", "body": body, "ip": "198.51.100.7"}
    values.update(fields)
    return Submission(**values)  # type: ignore[arg-type]


def write(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


@pytest.fixture
def make_policy(tmp_path: Path) -> Callable[..., Policy]:
    """``make_policy(yaml, files={...}, site="default")`` -> loaded Policy."""

    def make(text: str, files: dict[str, str] | None = None, site: str = "default") -> Policy:
        write(tmp_path, {f"{site}.yaml": text, **(files or {})})
        return load_policy(tmp_path, site)

    return make


@pytest.fixture
def problems(tmp_path: Path) -> Callable[..., list[str]]:
    """``problems(yaml, files={...})`` -> the problems of loading it, as strings."""

    def find(text: str, files: dict[str, str] | None = None, site: str = "default") -> list[str]:
        write(tmp_path, {f"{site}.yaml": text, **(files or {})})
        try:
            load_policy(tmp_path, site)
        except PolicyError as exc:
            return [str(p) for p in exc.problems]
        return []

    return find
