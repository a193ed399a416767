"""Loading a policy: one YAML file per site, ``extends:`` chains, list files beside them.

Every mistake becomes a ``Problem`` with file and line; all of a policy's problems are raised
together in one ``PolicyError``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import conditions as c
from .examples import parse_examples
from .language import get_identifier
from .model import SUBMISSION_FIELDS, Action, FieldLimit, PolicyError, Problem, ReportRules
from .parse_when import WhenParser
from .policy import CLASSIFIER, HOLDS, FieldRules, Policy, Rule
from .sources import Sources
from .yamlsource import LineDict, LineList, Reporter, did_you_mean

__all__ = ["load_policy", "load_policy_file"]

TOP_KEYS = ("extends", "description", "fields", "thresholds", "reports", "reasons", "rules",
            "disable", "tests")
RULE_KEYS = ("id", "description", "when", "action", "reason", "note", "labels", "priority",
             "override")
LIMIT_KEYS = ("min", "max", "format")
FORMATS = ("email", "url")
ACTIONS = tuple(a.value for a in Action)


@dataclass
class _Merged:
    """The policy as built so far along an ``extends`` chain, base first."""

    required: frozenset[str] = frozenset()
    limits: dict[str, FieldLimit] = field(default_factory=dict)
    thresholds: dict[str, dict[Action, float]] = field(default_factory=dict)
    reports: dict[str, int] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    rules: dict[str, Rule] = field(default_factory=dict)
    examples: tuple[Any, ...] = ()


def load_policy(policy_dir: str | Path, site: str = "default") -> Policy:
    """Load ``<policy_dir>/<site>.yaml`` with its ``extends`` chain and list files.

    Raises ``PolicyError`` listing every problem found, each as ``file:line: message``.
    """
    root = Path(policy_dir)
    return load_policy_file(root / f"{site}.yaml", root=root, site=site)


def load_policy_file(path: str | Path, root: str | Path | None = None,
                     site: str | None = None) -> Policy:
    """Load one policy file; names in messages are relative to ``root`` (its folder by default)."""
    path = Path(path)
    problems: list[Problem] = []
    sources = Sources(Path(root) if root is not None else path.parent, problems)
    merged = _Merged()
    chain = _chain(path, sources, problems)
    for i, (file_path, doc) in enumerate(chain):
        _apply(file_path, doc, merged, sources, problems, is_site=i == len(chain) - 1,
               site=site or path.stem)
    if chain:
        _check_rules(merged, sources.display(chain[-1][0]), problems)
    if problems:
        raise PolicyError(problems)
    review, hide = merged.reports.get("review_after"), merged.reports.get("hide_after")
    reasons = [r.reason for r in merged.rules.values() if r.action != Action.APPROVE]
    return Policy(
        site=site or path.stem,
        version=sources.version(),
        sources=sources.paths,
        fields=FieldRules(merged.required, MappingProxyType(dict(merged.limits))),
        thresholds=MappingProxyType(
            {k: MappingProxyType(dict(v)) for k, v in merged.thresholds.items()}),
        reasons=tuple(dict.fromkeys(reasons + merged.reasons)),
        reports=ReportRules(review, hide),
        rules=tuple(merged.rules.values()),
        examples=merged.examples,
    )


def _chain(path: Path, sources: Sources, problems: list[Problem]) -> list[tuple[Path, LineDict]]:
    """The files of the ``extends`` chain, base first."""
    chain: list[tuple[Path, LineDict]] = []
    seen: list[Path] = []
    current: Path | None = path
    while current is not None:
        if current.resolve() in seen:
            names = " -> ".join(sources.display(p) for p in [*seen, current.resolve()])
            problems.append(Problem(sources.display(current), 1, f"extends goes round: {names}"))
            break
        seen.append(current.resolve())
        doc = sources.yaml(current)
        if doc is None:
            break
        name = sources.display(current)
        if not isinstance(doc, LineDict):
            problems.append(Problem(name, getattr(doc, "line", 1),
                                    "a policy file must be a mapping of keys like rules:"))
            break
        chain.append((current, doc))
        parent = doc.get("extends")
        current = None
        if parent is not None:
            line = doc.line_of("extends")
            if not isinstance(parent, str) or not parent:
                problems.append(Problem(name, line, "extends must name a policy file"))
                break
            target = chain[-1][0].parent / parent
            if target.suffix not in (".yaml", ".yml"):
                target = target.with_name(target.name + ".yaml")
            if not target.is_file():
                problems.append(Problem(name, line, f'extends: policy file "{parent}" not found'))
                break
            current = target
    chain.reverse()
    return chain


def _apply(path: Path, doc: LineDict, merged: _Merged, sources: Sources,
           problems: list[Problem], is_site: bool, site: str) -> None:
    rep = Reporter(sources.display(path), problems)
    rep.check_keys(doc, TOP_KEYS, "the policy file")
    if "fields" in doc:
        _fields(doc["fields"], doc.line_of("fields"), rep, merged)
    if "thresholds" in doc:
        _thresholds(doc["thresholds"], doc.line_of("thresholds"), rep, merged)
    if "reports" in doc:
        _reports(doc["reports"], doc.line_of("reports"), rep, merged)
    for text, _ in _strings(doc.get("reasons", LineList()), doc.line_of("reasons"), rep,
                            "reasons"):
        merged.reasons.append(text)
    for rule_id, line in _strings(doc.get("disable", LineList()), doc.line_of("disable"), rep,
                                  "disable"):
        if merged.rules.pop(rule_id, None) is None:
            rep.add(line, f'disable: no rule "{rule_id}" to disable'
                    f"{did_you_mean(rule_id, merged.rules)}")
    parser = WhenParser(rep, path.parent, sources, get_identifier)
    _rules(doc.get("rules"), doc.line_of("rules"), rep, parser, merged)
    if is_site and "tests" in doc:
        merged.examples = tuple(parse_examples(doc["tests"], doc.line_of("tests"), rep, site))


def _strings(value: Any, line: int, rep: Reporter, what: str) -> list[tuple[str, int]]:
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


def _fields(node: Any, line: int, rep: Reporter, merged: _Merged) -> None:
    if not isinstance(node, LineDict):
        rep.add(line, "fields must be a mapping with required: and limits:")
        return
    rep.check_keys(node, ("required", "limits"), "fields")
    if "required" in node:
        names = _strings(node["required"], node.line_of("required"), rep, "fields.required")
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


def _thresholds(node: Any, line: int, rep: Reporter, merged: _Merged) -> None:
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


def _reports(node: Any, line: int, rep: Reporter, merged: _Merged) -> None:
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


def _rules(node: Any, line: int, rep: Reporter, parser: WhenParser, merged: _Merged) -> None:
    if node is None:
        return
    if not isinstance(node, LineList):
        rep.add(line, "rules must be a list of rules, each starting with - id:")
        return
    here: dict[str, int] = {}
    for i, spec in enumerate(node):
        rule = _rule(spec, node.line_of(i), rep, parser, here)
        if rule is not None:
            merged.rules[rule.id] = rule  # a rule with a base rule's id replaces it in place


def _rule(spec: Any, line: int, rep: Reporter, parser: WhenParser,
          here: dict[str, int]) -> Rule | None:
    if not isinstance(spec, LineDict):
        rep.add(line, "a rule must be a mapping with id:, when:, action: and reason:")
        return None
    rep.check_keys(spec, RULE_KEYS, "a rule")
    rule_id = spec.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip() or ":" in rule_id:
        rep.add(spec.line_of("id"), "a rule needs an id: a short name without colons")
        return None
    if rule_id in here:
        rep.add(spec.line_of("id"),
                f'duplicate rule id "{rule_id}" (first at line {here[rule_id]})')
        return None
    here[rule_id] = spec.line
    action = spec.get("action")
    ok = True
    if action not in ACTIONS:
        rep.add(spec.line_of("action"), f'rule "{rule_id}": unknown action "{action}"'
                f"{did_you_mean(action, ACTIONS)} (use approve, hold or reject)")
        ok = False
    reason = spec.get("reason", "")
    if not isinstance(reason, str) or (action in ("hold", "reject") and not reason.strip()):
        rep.add(spec.line_of("reason"), f'rule "{rule_id}" needs a reason: the text a reader sees')
        ok = False
    note = spec.get("note")
    if note is not None and not isinstance(note, str):
        rep.add(spec.line_of("note"), "note must be a text")
        ok = False
    labels = _strings(spec.get("labels", LineList()), spec.line_of("labels"), rep, "labels")
    override = _strings(spec.get("override", LineList()), spec.line_of("override"), rep,
                        "override")
    priority = spec.get("priority", 0)
    if not isinstance(priority, int) or isinstance(priority, bool):
        rep.add(spec.line_of("priority"), "priority must be a whole number")
        ok = False
    if "when" not in spec:
        rep.add(spec.line, f'rule "{rule_id}" needs when: (write when: always for every comment)')
        return None
    condition = parser.parse(spec["when"], spec.line_of("when"))
    if condition is None or not ok:
        return None
    return Rule(rule_id, condition, Action(action), reason.strip(), note,
                tuple(label for label, _ in labels), priority,
                frozenset(o for o, _ in override), rep.file, spec.line)


def _check_rules(merged: _Merged, site_file: str, problems: list[Problem]) -> None:
    """Checks that need the whole policy: override targets and unreachable rules."""
    ids = list(merged.rules)
    targets = [CLASSIFIER, HOLDS, *ids, *(f"score:{n}" for n in merged.thresholds)]
    for rule in merged.rules.values():
        for target in sorted(rule.override):
            if target not in targets:
                problems.append(Problem(rule.file, rule.line, f'rule "{rule.id}": cannot override '
                                        f'"{target}"{did_you_mean(target, targets)}'))
    lifted = {t for r in merged.rules.values() for t in r.override}
    for i, rule in enumerate(merged.rules.values()):
        if isinstance(rule.condition, c.Always) and rule.action == Action.REJECT \
                and rule.id not in lifted:
            for later in list(merged.rules.values())[i + 1:]:
                problems.append(Problem(
                    later.file, later.line, f'rule "{later.id}" is unreachable: rule "{rule.id}" '
                    f"({rule.file}:{rule.line}) rejects every comment"))
            break
