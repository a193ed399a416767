"""YAML syntax errors in plain words: the line, what is wrong with it, and a hint.

PyYAML reports what its parser expected ("expected <block end>, but found '<block mapping
start>'"); a policy author needs to hear that line 12 is indented more than the line above
it.  :func:`explain` recognises the mistakes authors make most often and says them so;
anything else keeps the parser's own words after "not valid YAML".
"""

from __future__ import annotations

import re

import yaml

__all__ = ["explain"]

_BAD_START = re.compile(r"found character '(.)' that cannot start any token")
_KEY_WITHOUT_SPACE = re.compile(r"^\s*(?:-\s+)?[\w.-]+:[^\s:/]")


def explain(exc: yaml.YAMLError, text: str) -> tuple[int, str]:
    """The line (1-based) a YAML error is on and what to tell the author about it."""
    lines = text.split("\n")
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    mark = problem_mark or context_mark
    if mark is not None:
        line = mark.line + 1
    else:  # a reader error (a character YAML does not allow) knows only its position
        line = text.count("\n", 0, getattr(exc, "position", 0) or 0) + 1
    problem = str(getattr(exc, "problem", None) or getattr(exc, "reason", None) or exc)
    context = str(getattr(exc, "context", None) or "")
    opened = context_mark.line + 1 if context_mark is not None else line
    plain = _plain(problem, context, line, opened, lines)
    if plain is None:
        return line, f"not valid YAML: {problem}"
    return plain


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _key_indent(text: str) -> int:
    """Where the keys of a line's mapping start: after the dashes of a list item."""
    match = re.match(r"^( *(?:- +)*)", text)
    return len(match.group(1)) if match else 0


def _previous(lines: list[str], line: int) -> int | None:
    """The number of the last line above ``line`` that holds something (not a comment)."""
    for number in range(line - 1, 0, -1):
        stripped = lines[number - 1].strip()
        if stripped and not stripped.startswith("#"):
            return number
    return None


def _text(lines: list[str], line: int) -> str:
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _plain(problem: str, context: str, line: int, opened: int,
           lines: list[str]) -> tuple[int, str] | None:
    here = _text(lines, line)
    if "'\\t'" in problem:
        return line, (f"line {line} is indented with a tab: YAML indents with spaces only "
                      "(replace the tab with spaces)")
    bad_start = _BAD_START.search(problem)
    if bad_start or problem.startswith("found undefined alias"):
        char = bad_start.group(1) if bad_start else "*"
        return line, (f'line {line}: a value cannot start with "{char}" in YAML: put the value '
                      f'in quotes ("{char}...")')
    if "quoted scalar" in context:
        return opened, (f"the quote opened on line {opened} is never closed: end the text "
                        "with the same quote mark")
    if "flow mapping" in context or "flow sequence" in context:
        bracket, closing = ("{", "}") if "mapping" in context else ("[", "]")
        return opened, (f'the "{bracket}" opened on line {opened} is not closed on that line: '
                        f'add "{closing}" (or a comma between items, or quotes around a value '
                        f"with a colon)")
    above = _previous(lines, line)
    above_text = _text(lines, above) if above is not None else ""
    if problem == "mapping values are not allowed here":
        if above is not None and _KEY_WITHOUT_SPACE.match(above_text):
            return above, (f'line {above} needs a space after the colon ("key: value"), or '
                           f"the next line is read as part of its value")
        if here.strip().count(": ") + here.rstrip().endswith(":") >= 2:
            return line, (f'line {line} has a second ": " in its value: put the value in quotes '
                          '(reason: "Links: are held for review")')
        if above is not None and _indent(here) > _key_indent(above_text):
            return line, (f"line {line} is indented more than line {above} above it: the keys "
                          "of one rule (or mapping) must line up under each other")
        return None
    if problem.startswith("expected <block end>") and above is not None:
        found_dash = problem.endswith("'-'")
        if found_dash and re.match(r"^\s*-[^\s]", above_text):
            return above, (f'line {above} starts with "-" but no space: a list item is "- " '
                           "followed by the item")
        stripped_above = above_text.lstrip(" ")
        if stripped_above.startswith("- ") and _indent(here) == _indent(above_text):
            return line, (f"line {line} is indented as far as the dash of the list item on line "
                          f"{above}: indent it to line up with the text after the dash")
        if _indent(here) > _key_indent(above_text):
            return line, (f"line {line} is indented more than line {above} above it: the keys "
                          "of one rule (or mapping) must line up under each other")
        if _indent(here) < _key_indent(above_text):
            return line, (f"line {line} is indented less than line {above} above it, but not "
                          "as far as any key it could belong with: line it up with the keys "
                          "of its rule (or mapping)")
        if found_dash:
            return line, (f'line {line} starts a list item ("- ") where a key was expected: '
                          f"check its indentation and that of line {opened}")
        if problem.endswith("'<scalar>'"):
            return line, (f"line {line} has more text after a closing quote: put the whole "
                          "value in quotes")
    if "'<stream end>'" in problem:
        return line, ('the file ends before a "[", "{" or quote above is closed: close it '
                      f"on the line that opens it (line {opened} or before)")
    if problem.startswith("could not find expected ':'"):
        return opened, (f'line {opened} has no ":" after its key (or a quote on it is not '
                        "closed)")
    return None
