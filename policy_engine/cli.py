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


def _warnings(loaded: list[tuple[Path, Policy]]) -> list[Problem]:
    """Each warning once, though every site extending a base repeats the base's."""
    found: dict[str, Problem] = {}
    for _, pol in loaded:
        for warning in pol.warnings:
            found.setdefault(str(warning), warning)
    return list(found.values())


def _warning(problem: Problem) -> str:
    return f"{problem.file}:{problem.line}: warning: {problem.message}"


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
@click.option("--strict", is_flag=True, help="Fail on warnings too (missing translations).")
def check(path: Path, strict: bool) -> None:
    """Check every policy file in PATH (a folder, or one file) and print each problem.

    Problems stop a policy from loading; warnings (a reason missing a language the policy
    serves) do not, but fail the check with --strict.
    """
    _, files = _policy_files(path)
    if not files:
        click.echo(f"{path}: no policy files (*.yaml) found", err=True)
        raise SystemExit(1)
    loaded, problems = _load_all(path)
    warnings = _warnings(loaded)
    for problem in problems:
        click.echo(str(problem))
    for warning in warnings:
        click.echo(_warning(warning))
    shadowed = sorted({(r.file, r.line, r.id) for _, p in loaded for r in p.rules
                       if r.mode == "shadow"})
    for file, line, rule_id in shadowed:
        click.echo(f"{file}:{line}: rule \"{rule_id}\" is in shadow mode: it decides "
                   "nothing, its hits are only recorded")
    if problems or (strict and warnings):
        click.echo(f"{len(problems)} problem(s), {len(warnings)} warning(s) in {len(files)} "
                   "file(s)", err=True)
        raise SystemExit(1)
    tail = f", {len(warnings)} warning(s)" if warnings else ", no problems"
    click.echo(f"{len(loaded)} policy file(s) checked{tail}")


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
