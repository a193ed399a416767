"""Parsing a policy file's settings: fields, thresholds and reader reports; and the policy
as merged so far along an ``extends`` chain."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .i18n import SOURCE_LANGUAGE, languages
from .model import SUBMISSION_FIELDS, Action, FieldLimit
from .parse_common import parse_duration
from .policy import Rule
from .yamlsource import LineDict, LineList, Reporter, did_you_mean

__all__ = ["Merged", "language_code", "parse_fields", "parse_languages", "parse_reports",
           "parse_thresholds", "strings"]

LIMIT_KEYS = ("min", "max", "format")
FORMATS = ("email", "url")


@dataclass
class Merged:
    """The policy as built so far along an ``extends`` chain, base first."""

    required: frozenset[str] = frozenset()
    limits: dict[str, FieldLimit] = field(default_factory=dict)
    thresholds: dict[str, dict[Action, float]] = field(default_factory=dict)
    reports: dict[str, int] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    rules: dict[str, Rule] = field(default_factory=dict)
    examples: tuple[Any, ...] = ()
    language: str = SOURCE_LANGUAGE
    languages: tuple[str, ...] = ()
    trust_settled: timedelta | None = None
    qa_sample: float = 0.0

    def served(self) -> tuple[str, ...]:
        """The languages readers are answered in: ``language`` first, then ``languages``."""
        return tuple(dict.fromkeys((self.language, *self.languages)))


def strings(value: Any, line: int, rep: Reporter, what: str) -> list[tuple[str, int]]:
    """The non-empty texts of a list, with their lines."""
    if not isinstance(value, LineList):
        rep.add(line, f"{what} must be a list")
        return []
    out = []
    for i, item in enumerate(value):
        if isinstance(item, str) and item.strip():
            out.append((item.strip(), value.line_of(i)))
        else:
            rep.add(value.line_of(i), f"{what} entries must be texts")
    return out


def _int(value: Any, minimum: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def parse_fields(node: Any, line: int, rep: Reporter, merged: Merged) -> None:
    """``fields:``: required fields (replacing the base's) and limits (per field)."""
    if not isinstance(node, LineDict):
        rep.add(line, "fields must be a mapping with required: and limits:")
        return
    rep.check_keys(node, ("required", "limits"), "fields")
    if "required" in node:
        names = strings(node["required"], node.line_of("required"), rep, "fields.required")
        for name, item_line in names:
            if name not in SUBMISSION_FIELDS:
                rep.add(item_line, f'unknown field "{name}"{did_you_mean(name, SUBMISSION_FIELDS)}')
        merged.required = frozenset(n for n, _ in names if n in SUBMISSION_FIELDS)
    limits = node.get("limits", LineDict())
    if not isinstance(limits, LineDict):
        rep.add(node.line_of("limits"), "fields.limits must be a mapping of field names")
        return
    for name, spec in limits.items():
        spec_line = limits.line_of(name)
        if name not in SUBMISSION_FIELDS or name == "parent_id":
            hint = did_you_mean(name, SUBMISSION_FIELDS)
            rep.add(spec_line, f'unknown text field "{name}"{hint}')
            continue
        if not isinstance(spec, LineDict):
            rep.add(spec_line, f"limits of {name} must be a mapping like {{max: 80}}")
            continue
        rep.check_keys(spec, LIMIT_KEYS, f"limits of {name}")
        low, high, fmt = spec.get("min"), spec.get("max"), spec.get("format")
        for key, value in (("min", low), ("max", high)):
            if value is not None and not _int(value):
                rep.add(spec.line_of(key), f"{name}.{key} must be a whole number, 0 or more")
                low, high = (None, high) if key == "min" else (low, None)
        if fmt is not None and fmt not in FORMATS:
            rep.add(spec.line_of("format"), f'unknown format "{fmt}"{did_you_mean(fmt, FORMATS)}'
                    f" (use one of {', '.join(FORMATS)})")
            fmt = None
        if low is not None and high is not None and low > high:
            rep.add(spec.line, f"{name}: min {low} is larger than max {high}")
        merged.limits[name] = FieldLimit(low, high, fmt)


def parse_thresholds(node: Any, line: int, rep: Reporter, merged: Merged) -> None:
    """``thresholds:``: per score name, replacing the base's; ``null`` removes one."""
    if not isinstance(node, LineDict):
        rep.add(line, "thresholds must map score names to levels, like abuse: {hold: 0.5}")
        return
    for name, levels in node.items():
        kl = node.line_of(name)
        if levels is None:
            merged.thresholds.pop(str(name), None)
            continue
        if not isinstance(levels, LineDict) or not levels:
            rep.add(kl, f"thresholds.{name} must be a mapping like {{hold: 0.5, reject: 0.95}}")
            continue
        parsed: dict[Action, float] = {}
        for key, value in levels.items():
            vl = levels.line_of(key)
            if key not in ("hold", "reject"):
                hint = " (thresholds can only hold or reject)" if key == "approve" else \
                    did_you_mean(key, ("hold", "reject"))
                rep.add(vl, f'unknown action "{key}" in thresholds.{name}{hint}')
            elif isinstance(value, bool) or not isinstance(value, int | float) \
                    or not 0 <= value <= 1:
                rep.add(vl, f"thresholds.{name}.{key} must be a number from 0 to 1")
            else:
                parsed[Action(key)] = float(value)
        hold, reject = parsed.get(Action.HOLD), parsed.get(Action.REJECT)
        if hold is not None and reject is not None and hold > reject:
            rep.add(kl, f"thresholds.{name}: hold {hold:g} is above reject {reject:g}")
        merged.thresholds[str(name)] = parsed


def parse_reports(node: Any, line: int, rep: Reporter, merged: Merged) -> None:
    """``reports:``: ``review_after`` and ``hide_after``, each replacing the base's."""
    if not isinstance(node, LineDict):
        rep.add(line, "reports must be a mapping like {review_after: 2, hide_after: 5}")
        return
    rep.check_keys(node, ("review_after", "hide_after"), "reports")
    for key in ("review_after", "hide_after"):
        if key in node:
            if node[key] is None:
                merged.reports.pop(key, None)
            elif _int(node[key], 1):
                merged.reports[key] = node[key]
            else:
                rep.add(node.line_of(key), f"reports.{key} must be a whole number, 1 or more")
    review, hide = merged.reports.get("review_after"), merged.reports.get("hide_after")
    if review is not None and hide is not None and hide < review:
        rep.add(node.line_of("hide_after"), f"reports.hide_after ({hide}) is below review_after "
                f"({review}): comments would be hidden before anyone is asked to review them")


def parse_trust(node: Any, line: int, rep: Reporter, merged: Merged) -> None:
    """``trust:``: ``settled_after``, how long a published comment must stay up before it
    counts as approved in its author's record (``null``: only moderators' approvals count)."""
    if not isinstance(node, LineDict):
        rep.add(line, "trust must be a mapping like {settled_after: 7d}")
        return
    rep.check_keys(node, ("settled_after",), "trust")
    if "settled_after" in node:
        value = node["settled_after"]
        if value is None:
            merged.trust_settled = None
        elif (settled := parse_duration(value)) is not None:
            merged.trust_settled = settled
        else:
            rep.add(node.line_of("settled_after"), "trust.settled_after must be a duration "
                    "like 7d or 48h (or null: only moderators' approvals count)")


def parse_qa_sample(value: Any, line: int, rep: Reporter, merged: Merged) -> None:
    """``qa_sample:``: the share of published comments also put in the ``qa`` queue, for a
    moderator to grade (0 or null: none)."""
    if value is None:
        merged.qa_sample = 0.0
    elif isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
        merged.qa_sample = float(value)
    else:
        rep.add(line, f"qa_sample must be a share from 0 to 1, like 0.02 (2%), not {value!r}")


def language_code(value: Any, line: int, rep: Reporter, what: str) -> str | None:
    """A language the service's reader messages exist in, or None (reported)."""
    known = languages()
    if isinstance(value, str) and value in known:
        return value
    hint = did_you_mean(str(value).lower(), known)
    rep.add(line, f'unknown language "{value}" in {what}{hint}: the service answers readers '
            f"in {', '.join(known)}")
    return None


def parse_languages(doc: LineDict, rep: Reporter, merged: Merged) -> None:
    """``language:`` (readers who ask for no language the policy serves, and the language of
    plain-text reasons) and ``languages:`` (every language readers are answered in); each
    replaces the base's."""
    if "language" in doc:
        code = language_code(doc["language"], doc.line_of("language"), rep, "language")
        if code is not None:
            merged.language = code
    if "languages" in doc:
        node, line = doc["languages"], doc.line_of("languages")
        if not isinstance(node, LineList) or not node:
            rep.add(line, "languages must be a list of language codes, like [en, ru]")
            return
        codes = [language_code(item, node.line_of(i), rep, "languages")
                 for i, item in enumerate(node)]
        merged.languages = tuple(dict.fromkeys(c for c in codes if c is not None))
