"""Shadow mode: a rule that records what it would do and decides nothing."""

from __future__ import annotations

from click.testing import CliRunner

from policy_engine import Action, MemoryFacts, Submission
from policy_engine.backtest import BacktestItem, backtest
from policy_engine.cli import policy as policy_cli

SHADOW = """
rules:
  - id: new-words
    mode: shadow
    when: {body: {has_word: [blatherskite]}}
    action: reject
    reason: Not allowed.
  - id: trusted
    mode: shadow
    when: {body: {has_word: [council]}}
    action: approve
    override: [classifier]
thresholds:
  abuse: {hold: 0.5}
"""


def sub(body: str) -> Submission:
    return Submission(site="s", thread="t", name="n", email="e@example.org", body=body)


def test_a_shadow_rule_decides_nothing_but_is_recorded(make_policy):
    policy = make_policy(SHADOW)
    decision = policy.evaluate(sub("The councillor is a blatherskite."), {"abuse": 0.1},
                               MemoryFacts())
    assert decision.action == Action.APPROVE and decision.reasons == ()
    assert [(r.rule, r.action) for r in decision.shadow] == [("new-words", Action.REJECT)]
    # nor does a shadow rule lift anything: the classifier's hold stands
    held = policy.evaluate(sub("The council met."), {"abuse": 0.7}, MemoryFacts())
    assert held.action == Action.HOLD and [r.rule for r in held.shadow] == ["trusted"]


def test_an_unknown_mode_is_a_problem_with_its_line(problems):
    found = problems("rules:\n  - id: r\n    mode: shadw\n    when: always\n"
                     "    action: hold\n    reason: x\n")
    assert any(p.startswith("default.yaml:3:") and 'unknown mode "shadw"' in p
               and 'did you mean "shadow"' in p for p in found), found


def test_backtest_and_check_list_the_shadow_rules(make_policy, tmp_path):
    policy = make_policy(SHADOW)
    items = [BacktestItem(id=str(i), submission=sub(body), scores={"abuse": 0.0},
                          facts=MemoryFacts(), previous=Action.APPROVE)
             for i, body in enumerate(["a blatherskite", "another blatherskite", "fine"])]
    report = backtest(items, policy)
    assert report.flips == [] and report.shadow == {("new-words", Action.REJECT): 2}
    assert "shadow rule new-words: would have reject 2 comment(s)" in report.format_text()
    result = CliRunner().invoke(policy_cli, ["check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert 'rule "new-words" is in shadow mode' in result.output
