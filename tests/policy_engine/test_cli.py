"""``policy check`` and ``policy test`` through click's CliRunner."""

from __future__ import annotations

from click.testing import CliRunner

from policy_engine.cli import policy

from .conftest import SHIPPED, write

GOOD = """
rules:
  - id: links
    when: {body: {links: {more_than: 0}}}
    action: hold
    reason: Links are reviewed.
tests:
  - name: a link
    comment: {body: "see http://a.example"}
    expect: hold
    rules: [links]
  - name: no link
    comment: {body: "hello"}
    expect: approve
"""


def run(*args: str):
    return CliRunner().invoke(policy, list(args))


def test_check_shipped_policies():
    result = run("check", str(SHIPPED))
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output


def test_test_shipped_policies():
    result = run("test", str(SHIPPED))
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith(" passed, 0 failed")


def test_check_prints_file_line_and_exits_1(tmp_path):
    write(tmp_path, {"good.yaml": GOOD,
                     "bad.yaml": "rule: []\nthresholds: {abuse: {hold: 7}}\n",
                     "lists/not-a-policy.txt": "x\n"})
    result = run("check", str(tmp_path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert 'bad.yaml:1: unknown key "rule" in the policy file (did you mean "rules"?)' in lines
    assert "bad.yaml:2: thresholds.abuse.hold must be a number from 0 to 1" in lines


def test_check_one_file(tmp_path):
    write(tmp_path, {"good.yaml": GOOD, "bad.yaml": "rule: []\n"})
    result = run("check", str(tmp_path / "good.yaml"))
    assert result.exit_code == 0, result.output


def test_check_reports_base_problems_once(tmp_path):
    write(tmp_path, {"base.yaml": "rules: 3\n", "a.yaml": "extends: base\n",
                     "b.yaml": "extends: base\n"})
    result = run("check", str(tmp_path))
    assert result.exit_code == 1
    assert result.output.count("base.yaml:1: rules must be a list") == 1


def test_check_empty_folder(tmp_path):
    assert run("check", str(tmp_path)).exit_code == 1


def test_test_passes_and_counts(tmp_path):
    write(tmp_path, {"site.yaml": GOOD})
    result = run("test", "-v", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "PASSED site.yaml:7: a link" in result.output
    assert result.output.splitlines()[-1] == "2 passed, 0 failed"


def test_test_failure_exits_1_and_says_why(tmp_path):
    write(tmp_path, {"site.yaml": GOOD.replace("expect: approve", "expect: reject")})
    result = run("test", str(tmp_path))
    assert result.exit_code == 1
    assert "FAILED site.yaml:11: no link: expected reject, got approve" in result.output
    assert result.output.splitlines()[-1] == "1 passed, 1 failed"


def test_test_wrong_rules_fail(tmp_path):
    write(tmp_path, {"site.yaml": GOOD.replace("rules: [links]", "rules: [other]")})
    result = run("test", str(tmp_path))
    assert result.exit_code == 1
    assert "expected rules ['other'], got ['links']" in result.output


def test_test_with_facts(tmp_path):
    write(tmp_path, {"site.yaml": """
        rules:
          - id: flood
            when: {flood: {by: ip, more_than: 2, within: 10m}}
            action: hold
            reason: Slow down.
          - id: banned
            when: {author: {banned: true}}
            action: reject
            reason: Banned.
          - id: dup
            when: {duplicate: {within: 1h}}
            action: hold
            reason: Again?
          - id: regular
            when: {author: {approved_before: {at_least: 3}}}
            action: approve
            override: [classifier]
        thresholds:
          abuse: {hold: 0.5}
        tests:
          - {comment: {body: x}, recent: {ip: 2}, expect: hold, rules: [flood]}
          - {comment: {body: x}, banned: "spam", expect: reject, rules: [banned]}
          - {comment: {body: x}, duplicates: 1, expect: hold, rules: [dup]}
          - {comment: {body: x}, scores: {abuse: 0.9}, history: {approved: 3}, expect: approve}
          - {comment: {body: x}, scores: {abuse: 0.9}, expect: hold, rules: ["score:abuse"]}
        """})
    result = run("test", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "5 passed, 0 failed"


def test_test_with_broken_policy_exits_1(tmp_path):
    write(tmp_path, {"site.yaml": "rules: 3\n"})
    result = run("test", str(tmp_path))
    assert result.exit_code == 1
    assert "site.yaml:1: rules must be a list" in result.output
