"""Loading a policy: one YAML file per site, ``extends:`` chains, list files beside them.

Every mistake becomes a ``Problem`` with file and line; all of a policy's problems are raised
together in one ``PolicyError``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import conditions as c
from .examples import parse_examples
from .language import get_identifier
from .model import Action, PolicyError, Problem, ReportRules, Texts
from .parse_when import WhenParser
from .policy import CLASSIFIER, HOLDS, FieldRules, Policy, Rule
from .settings import (
    Merged,
    language_code,
    parse_fields,
    parse_languages,
    parse_qa_sample,
    parse_reports,
    parse_thresholds,
    parse_trust,
    strings,
)
from .sources import Sources
from .yamlsource import LineDict, LineList, Reporter, did_you_mean

__all__ = ["load_policy", "load_policy_file"]

TOP_KEYS = ("extends", "description", "language", "languages", "fields", "thresholds", "reports",
            "trust", "qa_sample", "reasons", "rules", "disable", "tests")
RULE_KEYS = ("id", "description", "when", "action", "reason", "note", "labels", "priority",
             "override", "mode")
MODES = ("enforce", "shadow")
ACTIONS = tuple(a.value for a in Action)


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
    merged = Merged()
    chain = _chain(path, sources, problems)
    for i, (file_path, doc) in enumerate(chain):
        _apply(file_path, doc, merged, sources, problems, is_site=i == len(chain) - 1,
               site=site or path.stem)
    if chain:
        _check_rules(merged, problems)
    if problems:
        raise PolicyError(problems)
    warnings = _missing_translations(merged)
    review, hide = merged.reports.get("review_after"), merged.reports.get("hide_after")
    # Each rule's own text is in the language of the file it was written in; as the policy's
    # it is in the policy's language (every rule has that text: _check_rules made sure).
    rules = [replace(r, reason=r.reason_texts.get(merged.language) or r.reason)
             for r in merged.rules.values()]
    reasons = [r.reason for r in rules if r.action != Action.APPROVE]
    return Policy(
        site=site or path.stem,
        version=sources.version(),
        sources=sources.paths,
        fields=FieldRules(merged.required, MappingProxyType(dict(merged.limits))),
        thresholds=MappingProxyType(
            {k: MappingProxyType(dict(v)) for k, v in merged.thresholds.items()}),
        reasons=tuple(dict.fromkeys(reasons + merged.reasons)),
        reports=ReportRules(review, hide),
        rules=tuple(rules),
        trust_settled=merged.trust_settled,
        qa_sample=merged.qa_sample,
        examples=merged.examples,
        language=merged.language,
        languages=merged.served(),
        warnings=tuple(warnings),
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


def _apply(path: Path, doc: LineDict, merged: Merged, sources: Sources,
           problems: list[Problem], is_site: bool, site: str) -> None:
    rep = Reporter(sources.display(path), problems)
    rep.check_keys(doc, TOP_KEYS, "the policy file")
    parse_languages(doc, rep, merged)
    if "fields" in doc:
        parse_fields(doc["fields"], doc.line_of("fields"), rep, merged)
    if "thresholds" in doc:
        parse_thresholds(doc["thresholds"], doc.line_of("thresholds"), rep, merged)
    if "reports" in doc:
        parse_reports(doc["reports"], doc.line_of("reports"), rep, merged)
    if "trust" in doc:
        parse_trust(doc["trust"], doc.line_of("trust"), rep, merged)
    if "qa_sample" in doc:
        parse_qa_sample(doc["qa_sample"], doc.line_of("qa_sample"), rep, merged)
    for text, _ in strings(doc.get("reasons", LineList()), doc.line_of("reasons"), rep,
                            "reasons"):
        merged.reasons.append(text)
    for rule_id, line in strings(doc.get("disable", LineList()), doc.line_of("disable"), rep,
                                  "disable"):
        if merged.rules.pop(rule_id, None) is None:
            rep.add(line, f'disable: no rule "{rule_id}" to disable'
                    f"{did_you_mean(rule_id, merged.rules)}")
    parser = WhenParser(rep, path.parent, sources, get_identifier)
    _rules(doc.get("rules"), doc.line_of("rules"), rep, parser, merged)
    if is_site and "tests" in doc:
        merged.examples = tuple(parse_examples(doc["tests"], doc.line_of("tests"), rep, site))


def _rules(node: Any, line: int, rep: Reporter, parser: WhenParser, merged: Merged) -> None:
    if node is None:
        return
    if not isinstance(node, LineList):
        rep.add(line, "rules must be a list of rules, each starting with - id:")
        return
    here: dict[str, int] = {}
    for i, spec in enumerate(node):
        rule = _rule(spec, node.line_of(i), rep, parser, here, merged.language)
        if rule is not None:
            merged.rules[rule.id] = rule  # a rule with a base rule's id replaces it in place


def _rule(spec: Any, line: int, rep: Reporter, parser: WhenParser,
          here: dict[str, int], language: str) -> Rule | None:
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
    texts = _reason(spec, rule_id, action in ("hold", "reject"), language, rep)
    ok = ok and texts is not None
    note = spec.get("note")
    if note is not None and not isinstance(note, str):
        rep.add(spec.line_of("note"), "note must be a text")
        ok = False
    labels = strings(spec.get("labels", LineList()), spec.line_of("labels"), rep, "labels")
    override = strings(spec.get("override", LineList()), spec.line_of("override"), rep,
                        "override")
    priority = spec.get("priority", 0)
    if not isinstance(priority, int) or isinstance(priority, bool):
        rep.add(spec.line_of("priority"), "priority must be a whole number")
        ok = False
    mode = spec.get("mode", "enforce")
    if mode not in MODES:
        rep.add(spec.line_of("mode"), f'rule "{rule_id}": unknown mode "{mode}"'
                f"{did_you_mean(str(mode), MODES)} (use enforce, or shadow to record what "
                "the rule would do without letting it decide)")
        ok = False
    if "when" not in spec:
        rep.add(spec.line, f'rule "{rule_id}" needs when: (write when: always for every comment)')
        return None
    condition = parser.parse(spec["when"], spec.line_of("when"))
    if condition is None or not ok:
        return None
    assert texts is not None  # else ok is False
    reason = texts.get(language) or (texts.pairs[0][1] if texts else "")
    return Rule(rule_id, condition, Action(str(action)), reason, note,
                tuple(label for label, _ in labels), priority,
                frozenset(o for o, _ in override), rep.file, spec.line, texts,
                spec.line_of("reason"), str(mode))


def _reason(spec: LineDict, rule_id: str, needed: bool, language: str,
            rep: Reporter) -> Texts | None:
    """A rule's ``reason:``: one text, in the file's ``language``, or texts by language."""
    value, line = spec.get("reason", ""), spec.line_of("reason")
    if isinstance(value, LineDict):
        found: dict[str, str] = {}
        for code, text in value.items():
            if language_code(code, value.line_of(code), rep, f'the reason of rule "{rule_id}"'
                             ) is None:
                return None
            if not isinstance(text, str) or not text.strip():
                rep.add(value.line_of(code), f'rule "{rule_id}": reason {code} must be a text')
                return None
            found[code] = text.strip()
        texts = Texts.of(found)
    elif isinstance(value, str):
        texts = Texts.of({language: value.strip()}) if value.strip() else Texts()
    else:
        texts = Texts()
    if not texts and (needed or not isinstance(value, str)):
        rep.add(line, f'rule "{rule_id}" needs a reason: the text a reader sees')
        return None
    return texts


def _missing_translations(merged: Merged) -> list[Problem]:
    """Warnings, not errors: a reason missing a language the policy serves is shown to those
    readers in the policy's language instead.  An error would refuse every site file written
    before its base added a language (and hold all their comments after a restart)."""
    served = merged.served()
    warnings = []
    for rule in merged.rules.values():
        missing = [code for code in served if rule.reason_texts and not rule.reason_texts.get(code)]
        if missing:
            warnings.append(Problem(
                rule.file, rule.reason_line, f'rule "{rule.id}": the reason has no '
                f"{', '.join(missing)} text, but the policy answers readers in "
                f"{', '.join(served)} (under reason:, "
                f"write one line per language, like {missing[0]}: ...)"))
    return warnings


def _check_rules(merged: Merged, problems: list[Problem]) -> None:
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
