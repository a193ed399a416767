"""Loading: every kind of mistake is reported as file:line: message."""

from __future__ import annotations

import pytest

from policy_engine import Action, FieldLimit, PolicyError, Problem, ReportRules, load_policy

from .conftest import write

RULE = """rules:
  - id: r
    when: {body: {has_word: [x]}}
    action: hold
    reason: Because.
"""


def test_problem_str():
    assert str(Problem("a.yaml", 3, "bad")) == "a.yaml:3: bad"
    err = PolicyError([Problem("a.yaml", 3, "bad"), Problem("b.txt", 1, "worse")])
    assert str(err) == "a.yaml:3: bad\nb.txt:1: worse"


@pytest.mark.parametrize(("text", "expected"), [
    ("rule: []\n", 'default.yaml:1: unknown key "rule" in the policy file (did you mean "rules"?)'),
    (RULE.replace("reason:", "reasn:"),
     'default.yaml:5: unknown key "reasn" in a rule (did you mean "reason"?)'),
    (RULE.replace("action: hold", "action: hodl"),
     'default.yaml:4: rule "r": unknown action "hodl" (did you mean "hold"?)'),
    (RULE.replace("reason: Because.", "reason: Because.\n    priority: high"),
     "default.yaml:6: priority must be a whole number"),
    (RULE.replace("{body: {has_word: [x]}}", "{bdy: {has_word: [x]}}"),
     'default.yaml:3: unknown condition "bdy" (did you mean "body"?)'),
    (RULE.replace("has_word: [x]", "has_wrd: [x]"),
     'default.yaml:3: unknown key "has_wrd" in body conditions (did you mean "has_word"?)'),
    (RULE.replace("{body: {has_word: [x]}}", "{body: {length: 5}}"),
     "default.yaml:3: length needs bounds"),
    (RULE.replace("{body: {has_word: [x]}}", "{body: {length: {more_than: five}}}"),
     "default.yaml:3: length.more_than must be a number, not 'five'"),
    (RULE.replace("{body: {has_word: [x]}}", '{body: {matches: "(?=x)"}}'),
     "default.yaml:3: pattern '(?=x)' is not valid for RE2"),
    (RULE.replace("{body: {has_word: [x]}}", '{body: {matches: "(a)\\\\1"}}'),
     "default.yaml:3: pattern '(a)\\\\1' is not valid for RE2"),
    (RULE.replace("{body: {has_word: [x]}}", "{body: {has_word_from: lists/nope.txt}}"),
     'default.yaml:3: list file "lists/nope.txt" not found'),
    (RULE.replace("{body: {has_word: [x]}}", "{flood: {by: name, more_than: 1, within: 1h}}"),
     "default.yaml:3: flood.by must be ip or author"),
    ("qa_sample: 2\n" + RULE, "default.yaml:1: qa_sample must be a share from 0 to 1"),
    (RULE.replace("{body: {has_word: [x]}}", "{author: {first_seen: {within: soon}}}"),
     "default.yaml:3: first_seen.within must be a duration"),
    (RULE.replace("{body: {has_word: [x]}}", "{author: {first_seen: 7d}}"),
     "default.yaml:3: first_seen needs {within: 7d}"),
    (RULE.replace("{body: {has_word: [x]}}", "{author: {identified: yes please}}"),
     "default.yaml:3: identified must be true or false"),
    (RULE.replace("{body: {has_word: [x]}}", "{thread: {moderation: pree}}"),
     'default.yaml:3: thread moderation is post, pre or closed, not "pree" (did you mean '
     '"pre"?)'),
    (RULE.replace("{body: {has_word: [x]}}", "{author: {coments: {less_than: 3}}}"),
     'default.yaml:3: unknown key "coments" in author conditions (did you mean "comments"?)'),
    (RULE.replace("{body: {has_word: [x]}}", "{flood: {by: ip, more_than: 1, within: soon}}"),
     "default.yaml:3: flood.within must be a duration"),
    (RULE.replace("{body: {has_word: [x]}}", "{language: {in: [english]}}"),
     'default.yaml:3: unknown language code "english"'),
    (RULE.replace("reason: Because.", ""),
     'default.yaml:2: rule "r" needs a reason'),
    (RULE.replace("    when: {body: {has_word: [x]}}\n", ""),
     'default.yaml:2: rule "r" needs when:'),
    (RULE + RULE.replace("rules:\n", ""),
     'default.yaml:6: duplicate rule id "r" (first at line 2)'),
    ("rules:\n  - id: a\n    when: always\n    action: reject\n    reason: No.\n"
     + RULE.replace("rules:\n", ""),
     'default.yaml:6: rule "r" is unreachable: rule "a" (default.yaml:2) rejects every comment'),
    (RULE.replace("reason: Because.", "reason: Because.\n    override: [clasifier]"),
     'default.yaml:2: rule "r": cannot override "clasifier" (did you mean "classifier"?)'),
    ("thresholds:\n  abuse: {hold: 0.5, approve: 0.1}\n",
     'default.yaml:2: unknown action "approve" in thresholds.abuse (thresholds can only hold'),
    ("thresholds:\n  abuse: {hold: 0.9, reject: 0.5}\n",
     "default.yaml:2: thresholds.abuse: hold 0.9 is above reject 0.5"),
    ("thresholds:\n  abuse: {hold: 2}\n",
     "default.yaml:2: thresholds.abuse.hold must be a number from 0 to 1"),
    ("reports: {review_after: 5, hide_after: 2}\n",
     "default.yaml:1: reports.hide_after (2) is below review_after (5)"),
    ("reports: {review_after: 0}\n",
     "default.yaml:1: reports.review_after must be a whole number, 1 or more"),
    ("fields:\n  required: [body, nmae]\n",
     'default.yaml:2: unknown field "nmae" (did you mean "name"?)'),
    ("fields:\n  limits:\n    body: {min: 10, max: 2}\n",
     "default.yaml:3: body: min 10 is larger than max 2"),
    ("fields:\n  limits:\n    email: {format: mail}\n",
     'default.yaml:3: unknown format "mail" (did you mean "email"?)'),
    ("extends: missing.yaml\n", 'default.yaml:1: extends: policy file "missing.yaml" not found'),
    ("rules: [\n", 'default.yaml:2: the file ends before a "[", "{" or quote above is closed'),
    ("rules: []\nrules: []\n", 'default.yaml:2: key "rules" appears twice'),
    ("- just\n- a list\n", "default.yaml:1: a policy file must be a mapping"),
    ("disable: [nope]\n", 'default.yaml:1: disable: no rule "nope" to disable'),
    ("tests:\n  - comment: {body: x}\n    expect: maybe\n",
     'default.yaml:3: expect must be approve, hold or reject, not "maybe"'),
    ("tests:\n  - comment: {bdy: x}\n    expect: hold\n",
     'default.yaml:2: unknown comment field "bdy" (did you mean "body"?)'),
])
def test_problems_have_file_and_line(problems, text, expected):
    found = problems(text)
    assert any(p.startswith(expected) for p in found), found


def test_problems_in_list_files_point_into_the_list(problems):
    found = problems(
        RULE.replace("{body: {has_word: [x]}}", "{author: {ip_in: lists/ips.txt}}"),
        files={"lists/ips.txt": "# ranges\n10.0.0.0/8\n300.1.1.1\n"})
    assert found == ['lists/ips.txt:3: "300.1.1.1" is not an IP address or range']
    found = problems(
        RULE.replace("{body: {has_word: [x]}}", "{body: {has_word_from: lists/w.txt}}"),
        files={"lists/w.txt": "ok\n***\n"})
    assert found == ['lists/w.txt:2: list entry "***" has no letters or digits to match']
    found = problems(
        RULE.replace("{body: {has_word: [x]}}", "{body: {links_to: lists/d.txt}}"),
        files={"lists/d.txt": "good.example\nnot a domain\n"})
    assert found == ['lists/d.txt:2: "not a domain" is not a domain']


def test_all_problems_are_reported_together(problems):
    found = problems("rule: []\nthresholds: {abuse: {hold: 7}}\n")
    assert len(found) == 2


def test_extends_cycle(problems, tmp_path):
    write(tmp_path, {"a.yaml": "extends: default.yaml\n"})
    found = problems("extends: a.yaml\n")
    assert any("extends goes round" in p for p in found), found


def test_problems_in_the_base_name_the_base(problems, tmp_path):
    write(tmp_path, {"base.yaml": "rules: 3\n"})
    assert problems("extends: base\n") == [
        "base.yaml:1: rules must be a list of rules, each starting with - id:"]


BASE = """
fields:
  required: [thread, name, email, body]
  limits:
    body: {min: 2, max: 5000}
    name: {max: 80}
thresholds:
  abuse: {hold: 0.5, reject: 0.95}
  spam: {hold: 0.7}
reports: {review_after: 2, hide_after: 5}
reasons: [Off topic.]
rules:
  - id: one
    when: {body: {has_word: [one]}}
    action: hold
    reason: One.
  - id: two
    when: {body: {has_word: [two]}}
    action: reject
    reason: Two.
  - id: three
    when: {body: {has_word: [three]}}
    action: hold
    reason: Three.
tests:
  - comment: {body: one}
    expect: hold
"""

SITE = """
extends: base.yaml
fields:
  required: [body]
  limits:
    name: {max: 40}
thresholds:
  abuse: {hold: 0.6}
  spam: null
reports: {hide_after: null}
disable: [three]
rules:
  - id: one
    when: {body: {has_word: [uno]}}
    action: reject
    reason: Uno.
  - id: four
    when: {body: {has_word: [four]}}
    action: hold
    reason: Four.
tests:
  - comment: {body: uno}
    expect: reject
  - comment: {body: four}
    expect: hold
"""


def test_extends_merges(tmp_path):
    write(tmp_path, {"base.yaml": BASE, "site.yaml": SITE})
    p = load_policy(tmp_path, "site")
    assert p.site == "site"
    assert p.fields.required == frozenset({"body"})
    assert p.fields.limits == {"body": FieldLimit(2, 5000, None), "name": FieldLimit(None, 40)}
    assert p.thresholds == {"abuse": {Action.HOLD: 0.6}}
    assert p.reports == ReportRules(review_after=2, hide_after=None)
    assert [r.id for r in p.rules] == ["one", "two", "four"]  # replaced in place, disabled
    assert p.rules[0].reason == "Uno."
    assert p.reasons == ("Uno.", "Two.", "Four.", "Off topic.")
    assert len(p.examples) == 2  # only the site's own examples
    assert [s.name for s in p.sources] == ["site.yaml", "base.yaml"]


def test_version_is_stable_and_covers_lists(tmp_path):
    write(tmp_path, {"default.yaml": RULE.replace("has_word: [x]", "has_word_from: w.txt"),
                     "w.txt": "a\n"})
    first = load_policy(tmp_path)
    assert first.version.startswith("sha256:") and len(first.version) == 7 + 64
    assert load_policy(tmp_path).version == first.version
    assert [s.name for s in first.sources] == ["default.yaml", "w.txt"]
    (tmp_path / "w.txt").write_text("a\nb\n")
    assert load_policy(tmp_path).version != first.version


def test_version_does_not_depend_on_the_folder(tmp_path):
    for name in ("one", "two"):
        write(tmp_path / name, {"default.yaml": RULE})
    assert load_policy(tmp_path / "one").version == load_policy(tmp_path / "two").version


def test_missing_site(tmp_path):
    with pytest.raises(PolicyError) as info:
        load_policy(tmp_path, "nope")
    assert str(info.value.problems[0]).startswith("nope.yaml:0: cannot read file")


def test_empty_policy_is_valid(make_policy):
    p = make_policy("{}\n")
    assert p.rules == () and p.thresholds == {} and p.reports == ReportRules()


def test_trust_settled_after_is_a_duration_that_author_questions_carry(make_policy, problems):
    from datetime import timedelta

    rule = ("rules:\n  - id: regulars\n    when: {author: {approved_before: {at_least: 3}}}\n"
            "    action: approve\n")
    policy = make_policy("trust: {settled_after: 7d}\n" + rule)
    assert policy.trust_settled == timedelta(days=7)
    assert policy.questions.author_settled == timedelta(days=7)
    assert make_policy(rule).questions.author_settled is None  # moderators' approvals only
    assert problems("trust: {settled_after: soon}\n") == [
        "default.yaml:1: trust.settled_after must be a duration like 7d or 48h (or null: only "
        "moderators' approvals count)"]


# What an author writes wrong most often, and what they are told: the line, in plain words,
# with a hint; never the parser's "expected <block end>, but found '<block mapping start>'".
YAML_MISTAKES = [
    ("rules:\n  - id: r\n    action: hold\n      reason: x\n",
     "default.yaml:4: line 4 is indented more than line 3 above it"),
    ("rules:\n  - id: r\n    action: hold\n   reason: x\n",
     "default.yaml:4: line 4 is indented less than line 3 above it"),
    ("rules:\n  - id: r\n  action: hold\n",
     "default.yaml:3: line 3 is indented as far as the dash of the list item on line 2"),
    ("rules:\n\t- id: r\n", "default.yaml:2: line 2 is indented with a tab"),
    ("rules:\n  - id: r\n    reason: Links: are held\n",
     'default.yaml:3: line 3 has a second ": " in its value'),
    ("rules:\n  - id:r\n    action: hold\n",
     'default.yaml:2: line 2 needs a space after the colon'),
    ('rules:\n  - id: r\n    reason: "held\n    action: hold\n',
     "default.yaml:3: the quote opened on line 3 is never closed"),
    ("rules:\n  - id: r\n    when: {body: {has_word: x}\n    action: hold\n",
     'default.yaml:3: the "{" opened on line 3 is not closed'),
    ("required: [thread, name\nrules: []\n",
     'default.yaml:1: the "[" opened on line 1 is not closed'),
    ("reason: @home\n", 'default.yaml:1: line 1: a value cannot start with "@"'),
    ("rules:\n  -id: r\n  - id: s\n",
     'default.yaml:2: line 2 starts with "-" but no space'),
]


@pytest.mark.parametrize(("text", "expected"), YAML_MISTAKES)
def test_yaml_mistakes_are_explained_in_plain_words(problems, text, expected):
    (found,) = problems(text)
    assert found.startswith(expected), found
    assert "<block" not in found and "token" not in found and "scalar" not in found


def test_a_list_item_and_its_keys_line_up_after_the_dash(problems):
    (found,) = problems('rules:\n  - id: r\n    reason: "Held" for now\n')
    assert found.startswith("default.yaml:3: line 3 has more text after a closing quote")
