"""Reasons in several languages: ``language:``, ``languages:``, ``reason: {en: ..., ru: ...}``,
the generic threshold messages, and what ``policy check`` says about missing translations."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from policy_engine import Action, MemoryFacts, PolicyError, Texts, load_policy
from policy_engine.cli import policy as policy_cli
from policy_engine.i18n import CATALOGUE, languages

from .conftest import SHIPPED, sub, write

BASE = """
languages: [en, ru]
thresholds:
  abuse: {hold: 0.5, reject: 0.9}
rules:
  - id: links
    when: {body: {links: {more_than: 0}}}
    action: hold
    reason:
      en: Links are reviewed.
      ru: Ссылки проверяются.
"""


def test_a_reason_in_several_languages_is_carried_by_the_decision(make_policy):
    p = make_policy(BASE)
    assert (p.language, p.languages) == ("en", ("en", "ru"))
    (reason,) = p.evaluate(sub("see http://a.example"), {}, MemoryFacts()).reasons
    assert reason.message == "Links are reviewed."
    assert reason.messages.as_dict() == {"en": "Links are reviewed.", "ru": "Ссылки проверяются."}


def test_threshold_messages_come_in_every_language_of_the_catalogue(make_policy):
    p = make_policy(BASE)
    (held,) = p.evaluate(sub(), {"abuse": 0.6}, MemoryFacts()).reasons
    assert held.messages.languages == languages() == ("en", "ru")
    assert held.messages.get("ru") == "Ваш комментарий появится после проверки модератором."
    (rejected,) = p.evaluate(sub(), {"abuse": 0.95}, MemoryFacts()).reasons
    assert rejected.action is Action.REJECT
    assert "не опубликован" in (rejected.messages.get("ru") or "")


def test_language_is_the_default_and_the_language_of_plain_reasons(tmp_path):
    write(tmp_path, {
        "base.yaml": BASE,
        "site.yaml": """
            extends: base.yaml
            language: ru
            rules:
              - id: caps
                when: {body: {capitals: {more_than: 0.9}}}
                action: hold
                reason: Заглавные буквы проверяются.
        """,
    })
    p = load_policy(tmp_path, "site")
    assert (p.language, p.languages) == ("ru", ("ru", "en"))  # languages: inherited
    links, caps = p.rules
    assert links.reason == "Ссылки проверяются."  # the policy's language, though base is en
    assert caps.reason_texts.as_dict() == {"ru": "Заглавные буквы проверяются."}
    assert p.reasons == ("Ссылки проверяются.", "Заглавные буквы проверяются.")
    (held,) = p.evaluate(sub(), {"abuse": 0.6}, MemoryFacts()).reasons
    assert held.message == "Ваш комментарий появится после проверки модератором."
    # caps lacks en, which the policy serves: a warning with file and line, not an error
    assert [str(w) for w in p.warnings] == [
        'site.yaml:7: rule "caps": the reason has no en text, but the policy answers readers '
        "in ru, en (under reason:, write one line per language, like en: ...)"]


def test_without_languages_a_policy_serves_its_language_only(make_policy):
    p = make_policy("language: ru\nrules:\n  - id: r\n    when: always\n    action: hold\n"
                    "    reason: Проверяется.\n")
    assert p.languages == ("ru",) and p.warnings == ()


@pytest.mark.parametrize(("text", "expected"), [
    ("language: rus\n",
     'default.yaml:1: unknown language "rus" in language (did you mean "ru"?): the service '
     "answers readers in en, ru"),
    ("language: [ru]\n",
     'default.yaml:1: unknown language "[\'ru\']" in language: the service answers readers in '
     "en, ru"),
    ("languages: [en, RU]\n",
     'default.yaml:1: unknown language "RU" in languages (did you mean "ru"?): the service '
     "answers readers in en, ru"),
    ("languages: ru\n",
     "default.yaml:1: languages must be a list of language codes, like [en, ru]"),
    ("rules:\n  - id: r\n    when: always\n    action: hold\n    reason:\n      en: Yes.\n"
     "      fr: Oui.\n",
     'default.yaml:7: unknown language "fr" in the reason of rule "r": the service answers '
     "readers in en, ru"),
    ("rules:\n  - id: r\n    when: always\n    action: hold\n    reason:\n      en: ''\n",
     'default.yaml:6: rule "r": reason en must be a text'),
    ("rules:\n  - id: r\n    when: always\n    action: hold\n    reason: {}\n",
     'default.yaml:5: rule "r" needs a reason: the text a reader sees'),
])
def test_language_mistakes_are_reported_with_file_and_line(make_policy, text, expected):
    with pytest.raises(PolicyError) as err:
        make_policy(text)
    assert [str(p) for p in err.value.problems] == [expected]


def test_policy_check_warns_about_a_missing_translation_and_strict_fails(tmp_path):
    write(tmp_path, {"default.yaml": BASE + """
  - id: caps
    when: {body: {capitals: {more_than: 0.9}}}
    action: hold
    reason: Capitals are reviewed.
"""})
    result = CliRunner().invoke(policy_cli, ["check", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert ('default.yaml:15: warning: rule "caps": the reason has no ru text, but the policy '
            "answers readers in en, ru") in result.output
    assert "1 policy file(s) checked, 1 warning(s)" in result.output
    strict = CliRunner().invoke(policy_cli, ["check", "--strict", str(tmp_path)])
    assert strict.exit_code == 1 and "default.yaml:15: warning:" in strict.output


def test_policy_check_reports_a_bad_language_with_file_and_line(tmp_path):
    write(tmp_path, {"default.yaml": "description: x\nlanguage: russian\n"})
    result = CliRunner().invoke(policy_cli, ["check", str(tmp_path)])
    assert result.exit_code == 1
    assert 'default.yaml:2: unknown language "russian" in language' in result.output


def test_the_shipped_policies_have_every_reason_in_every_language_they_serve():
    result = CliRunner().invoke(policy_cli, ["check", "--strict", str(SHIPPED)])
    assert result.exit_code == 0, result.output
    p = load_policy(SHIPPED, "default")
    assert p.languages == ("en", "ru")
    for rule in p.rules:
        if rule.action is not Action.APPROVE:
            assert set(rule.reason_texts.languages) == {"en", "ru"}, rule.id


def test_texts_value():
    texts = Texts.of({"en": "Hi.", "ru": "Привет."})
    assert texts.get("ru") == "Привет." and texts.get("uz") is None
    assert bool(Texts()) is False and hash(texts) == hash(Texts.of({"en": "Hi.", "ru": "Привет."}))


def test_the_catalogue_falls_back_to_english():
    assert CATALOGUE.gettext("uz", "Anything.") == "Anything."
    assert CATALOGUE.gettext("ru", "Not in the catalogue.") == "Not in the catalogue."
