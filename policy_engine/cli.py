"""``moderation policy check`` and ``moderation policy test``: tools for policy authors.

The service mounts the ``policy`` group under its ``moderation`` command.
"""

from __future__ import annotations

from pathlib import Path

import click

from .examples import run_example
from .loader import load_policy_file
from .model import PolicyError, Problem
from .policy import Policy

__all__ = ["policy"]


def _policy_files(path: Path) -> tuple[Path, list[Path]]:
    """The root for messages and the policy files at ``path`` (a folder or one file)."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        return path, files
    return path.parent, [path]


def _load_all(path: Path) -> tuple[list[tuple[Path, Policy]], list[Problem]]:
    root, files = _policy_files(path)
    loaded: list[tuple[Path, Policy]] = []
    problems: dict[str, Problem] = {}
    for file in files:
        try:
            loaded.append((file, load_policy_file(file, root=root)))
        except PolicyError as exc:
            for problem in exc.problems:
                problems.setdefault(str(problem), problem)
    return loaded, list(problems.values())


@click.group("policy")
def policy() -> None:
    """Check and test Comment Policy files."""


@policy.command("check")
@click.argument("path", default="policies", type=click.Path(exists=True, path_type=Path))
def check(path: Path) -> None:
    """Check every policy file in PATH (a folder, or one file) and print each problem."""
    _, files = _policy_files(path)
    if not files:
        click.echo(f"{path}: no policy files (*.yaml) found", err=True)
        raise SystemExit(1)
    loaded, problems = _load_all(path)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) in {len(files)} file(s)", err=True)
        raise SystemExit(1)
    click.echo(f"{len(loaded)} policy file(s) checked, no problems")


@policy.command("test")
@click.argument("path", default="policies", type=click.Path(exists=True, path_type=Path))
@click.option("-v", "--verbose", is_flag=True, help="Print every example, not only failures.")
def test(path: Path, verbose: bool) -> None:
    """Run the tests: examples written inside the policy files in PATH."""
    loaded, problems = _load_all(path)
    for problem in problems:
        click.echo(str(problem))
    passed = failed = 0
    for _, pol in loaded:
        for example in pol.examples:
            result = run_example(pol, example)
            where = f"{example.file}:{example.line}: {example.name}"
            if result.passed:
                passed += 1
                if verbose:
                    click.echo(f"PASSED {where}")
            else:
                failed += 1
                click.echo(f"FAILED {where}: {result.failure}")
    summary = f"{passed} passed, {failed} failed"
    if problems:
        summary += f", {len(problems)} problem(s) in policy files"
    click.echo(summary)
    if failed or problems:
        raise SystemExit(1)
