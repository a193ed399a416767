from __future__ import annotations

from policy_engine import Action, MemoryFacts
from policy_engine.backtest import BacktestItem, backtest

from .conftest import sub

CURRENT = """
rules:
  - id: links
    when: {body: {links: {more_than: 1}}}
    action: hold
    reason: Links.
"""
DRAFT = CURRENT.replace("more_than: 1", "more_than: 0")


def items():
    bodies = [("plain", 0), ("one http://a.example", 1), ("two http://a.example http://b.example",
                                                            1), ("one http://c.example", 0)]
    return [BacktestItem(str(i), sub(body), {}, MemoryFacts(), label, Action.APPROVE)
            for i, (body, label) in enumerate(bodies)]


def test_compare_two_policies(make_policy, tmp_path):
    current = make_policy(CURRENT, site="current")
    draft = make_policy(DRAFT, site="draft")
    report = backtest(items(), draft, current)
    assert report.total == 4
    assert report.before == {Action.APPROVE: 3, Action.HOLD: 1, Action.REJECT: 0}
    assert report.after == {Action.APPROVE: 1, Action.HOLD: 3, Action.REJECT: 0}
    assert [(f.item_id, f.before, f.after, f.rules) for f in report.flips] == [
        ("1", Action.APPROVE, Action.HOLD, ("links",)),
        ("3", Action.APPROVE, Action.HOLD, ("links",))]
    before, after = report.confusion_before, report.confusion_after
    assert (before.true_positive, before.false_positive, before.false_negative,
            before.true_negative) == (1, 0, 1, 2)
    assert (after.true_positive, after.false_positive, after.false_negative,
            after.true_negative) == (2, 1, 0, 1)
    assert after.recall == 1.0 and after.precision == 2 / 3
    text = report.format_text()
    assert "4 comments" in text and "2 decisions changed" in text
    assert "1: approve -> hold (links)" in text
    assert "precision 66.7%" in text


def test_compare_with_stored_decisions(make_policy):
    draft = make_policy(DRAFT)
    stored = items()
    stored.append(BacktestItem("new", sub("x"), {}, MemoryFacts()))  # no earlier decision
    report = backtest(stored, draft)
    assert report.total == 4 and report.skipped == ["new"]
    assert len(report.flips) == 3


def test_no_labels_no_confusion(make_policy):
    draft = make_policy(DRAFT)
    report = backtest([BacktestItem("a", sub("x"), {}, MemoryFacts(), None, Action.HOLD)], draft)
    assert report.confusion_after is None
    assert "against labels" not in report.format_text()
