"""Backtesting: what a draft policy would have decided on stored comments, compared with
another policy or with the decisions stored at the time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .facts import Facts
from .model import Action, Submission
from .policy import Policy

__all__ = ["BacktestItem", "BacktestReport", "Confusion", "Flip", "backtest"]


@dataclass(frozen=True)
class BacktestItem:
    """One stored comment: ``label`` 1 means it should be held or rejected, 0 published."""

    id: str
    submission: Submission
    scores: Mapping[str, float]
    facts: Facts
    label: int | None = None
    previous: Action | None = None


@dataclass(frozen=True)
class Flip:
    """An item whose decision changed; ``rules`` are the ids that drove the new decision."""

    item_id: str
    before: Action
    after: Action
    rules: tuple[str, ...]


@dataclass
class Confusion:
    """Counts against labels, where held and rejected count as "flagged"."""

    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    true_negative: int = 0

    def add(self, label: int, action: Action) -> None:
        """Count one labelled decision."""
        flagged = action != Action.APPROVE
        if label:
            self.true_positive += flagged
            self.false_negative += not flagged
        else:
            self.false_positive += flagged
            self.true_negative += not flagged

    @property
    def precision(self) -> float | None:
        """Share of flagged comments that should have been; ``None`` when none was flagged."""
        flagged = self.true_positive + self.false_positive
        return self.true_positive / flagged if flagged else None

    @property
    def recall(self) -> float | None:
        """Share of comments that should have been flagged that were."""
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else None


def _counts() -> dict[Action, int]:
    return {a: 0 for a in Action}


@dataclass
class BacktestReport:
    """Decisions before and after, the flips, and confusion matrices when items have labels."""

    total: int = 0
    before: dict[Action, int] = field(default_factory=_counts)
    after: dict[Action, int] = field(default_factory=_counts)
    flips: list[Flip] = field(default_factory=list)
    confusion_before: Confusion | None = None
    confusion_after: Confusion | None = None
    skipped: list[str] = field(default_factory=list)  # items with no "before" decision
    # rules in shadow mode: how often each matched, by what it would have done
    shadow: dict[tuple[str, Action], int] = field(default_factory=dict)

    def format_text(self, max_flips: int = 50) -> str:
        """A summary for the terminal."""
        lines = [f"{self.total} comments", f"{'':10}{'before':>8}{'after':>8}{'change':>8}"]
        for action in Action:
            b, a = self.before[action], self.after[action]
            lines.append(f"{action.value:10}{b:>8}{a:>8}{a - b:>+8}")
        lines.append(f"{len(self.flips)} decisions changed")
        for flip in self.flips[:max_flips]:
            rules = ", ".join(flip.rules) or "no rule"
            lines.append(f"  {flip.item_id}: {flip.before} -> {flip.after} ({rules})")
        if len(self.flips) > max_flips:
            lines.append(f"  ... and {len(self.flips) - max_flips} more")
        for name, matrix in (("before", self.confusion_before), ("after", self.confusion_after)):
            if matrix is not None:
                lines.append(_format_confusion(name, matrix))
        if self.skipped:
            lines.append(f"{len(self.skipped)} comments had no earlier decision and were skipped")
        for (rule, action), n in sorted(self.shadow.items()):
            lines.append(f"shadow rule {rule}: would have {action.value} {n} comment(s)")
        return "\n".join(lines)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1%}"


def _format_confusion(name: str, m: Confusion) -> str:
    return (f"against labels ({name}): flagged & should be {m.true_positive}, "
            f"flagged & fine {m.false_positive}, missed {m.false_negative}, "
            f"published & fine {m.true_negative}; precision {_pct(m.precision)}, "
            f"recall {_pct(m.recall)}")


def backtest(items: Iterable[BacktestItem], draft: Policy,
             current: Policy | None = None) -> BacktestReport:
    """Evaluate ``draft`` on ``items`` and compare with ``current`` (or, when ``current`` is
    ``None``, with each item's stored ``previous`` decision; items without one are skipped)."""
    report = BacktestReport()
    for item in items:
        after = draft.evaluate(item.submission, item.scores, item.facts)
        if current is not None:
            before = current.evaluate(item.submission, item.scores, item.facts).action
        elif item.previous is not None:
            before = item.previous
        else:
            report.skipped.append(item.id)
            continue
        report.total += 1
        report.before[before] += 1
        report.after[after.action] += 1
        for reason in after.shadow:
            key = (reason.rule, reason.action)
            report.shadow[key] = report.shadow.get(key, 0) + 1
        if before != after.action:
            report.flips.append(Flip(item.id, before, after.action, after.rule_ids))
        if item.label is not None:
            report.confusion_before = report.confusion_before or Confusion()
            report.confusion_after = report.confusion_after or Confusion()
            report.confusion_before.add(item.label, before)
            report.confusion_after.add(item.label, after.action)
    return report
