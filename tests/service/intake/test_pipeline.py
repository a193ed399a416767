"""The submit pipeline's steps, each called alone: no HTTP client, no request context."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask

from policy_engine import Action, Reason, Submission
from tests.service.intake.test_submit import GOOD

BUDGET_RULE = """
rules:
  - id: budget-week
    when: {body: {has_word: [budget]}}
    action: hold
    reason: Budget comments are reviewed this week.
"""
HONEYPOT = Reason(rule="honeypot", message="Caught.", action=Action.REJECT)


def _submission(**changes: object) -> Submission:
    base = Submission(site="news", thread=GOOD["thread"], name=GOOD["name"],
                      email=GOOD["email"], body=GOOD["body"], ip="192.0.2.7")
    return replace(base, **changes)  # type: ignore[arg-type]


def _resolved(app: Flask, site: str = "news"):  # noqa: ANN202
    from service.intake.pipeline import resolve
    from service.runtime import runtime_of

    return resolve(runtime_of(app), site)


def test_resolve_looks_up_the_sites_policy_and_model_once(app: Flask) -> None:
    with app.app_context():
        resolved = _resolved(app)
    assert resolved.site == "news"
    assert resolved.policy is not None and resolved.model is not None
    assert resolved.language == resolved.policy.language


def test_validate_makes_a_submission_from_fields_and_the_sender(app: Flask) -> None:
    from service.domain_errors import InvalidField
    from service.intake.validation import Sender, validate

    with app.app_context():
        resolved = _resolved(app)
        sender = Sender(ip="198.51.100.4", user_agent="Browser/1", referrer=None)
        submission = validate(resolved, GOOD, sender, "en")
        assert (submission.site, submission.body, submission.ip) == (
            "news", GOOD["body"], "198.51.100.4")
        assert submission.user_agent == "Browser/1"
        own = validate(resolved, {**GOOD, "ip": "192.0.2.9", "author_id": "u-1"}, sender, "en")
        assert (own.ip, own.author_id) == ("192.0.2.9", "u-1")
        browser = validate(resolved, {**GOOD, "ip": "192.0.2.9", "author_id": "u-1"},
                           replace(sender, from_browser=True), "en")
        assert (browser.ip, browser.author_id) == ("198.51.100.4", None)
        with pytest.raises(InvalidField) as refused:
            validate(resolved, {**GOOD, "body": ""}, sender, "en")
    assert "body" in refused.value.errors and refused.value.kind == "validation-error"


def test_recall_reads_the_story_and_the_policys_facts_in_one_round_trip(app: Flask) -> None:
    from service.extensions import db
    from service.intake.pipeline import recall
    from service.intake.story import Story
    from service.models import ThreadSetting, utcnow

    with app.app_context():
        resolved = _resolved(app)
        db.session.add(ThreadSetting(site="news", thread="pre", moderation="pre", links="hold",
                                     updated_at=utcnow()))
        db.session.commit()
        story = recall(resolved, _submission(thread="pre"))
        plain = recall(resolved, _submission())
        new_id = recall(resolved, _submission(), reserve_id=True)
        postgres = db.session.get_bind().dialect.name == "postgresql"
    assert story.story == Story(moderation="pre", links="hold")
    assert plain.story is None and plain.comment_id is None
    assert resolved.policy is not None and resolved.policy.questions
    assert plain.answers.duplicate  # the default policy asks about duplicates: answered
    assert (new_id.comment_id is not None) == postgres  # SQLite numbers on insert


def test_admit_refuses_a_closed_story_and_passes_on_a_pre_moderated_one(app: Flask) -> None:
    from service.domain_errors import Refused
    from service.extensions import db
    from service.intake.pipeline import admit, recall
    from service.models import ThreadSetting, utcnow

    with app.app_context():
        resolved = _resolved(app)
        db.session.add_all([
            ThreadSetting(site="news", thread="closed", moderation="closed", updated_at=utcnow()),
            ThreadSetting(site="news", thread="pre", moderation="pre", updated_at=utcnow())])
        db.session.commit()
        closed = _submission(thread="closed")
        with pytest.raises(Refused) as refused:
            admit(closed, recall(resolved, closed))
        pre = _submission(thread="pre")
        admitted = admit(pre, recall(resolved, pre))
        submission = _submission()
        plain = admit(submission, recall(resolved, submission))
    assert refused.value.kind == "thread-closed"
    assert admitted.submission.thread_moderation == "pre" and admitted.story is not None
    assert plain.story is None and plain.submission is submission


def test_score_uses_the_resolved_model_and_none_without_one(app: Flask) -> None:
    from service.intake.pipeline import score

    with app.app_context():
        resolved = _resolved(app)
    scored = score(resolved, _submission())
    assert scored is not None and set(scored.scores) >= {"abuse"}
    assert resolved.model is not None and scored.model_version == resolved.model.version
    assert score(replace(resolved, model=None), _submission()) is None


def test_evaluate_applies_the_policy_a_verdict_or_the_failsafe(app: Flask) -> None:
    from service.intake.pipeline import evaluate, recall, score

    with app.app_context():
        resolved = _resolved(app)
        scored = score(resolved, _submission())
        recalled = recall(resolved, _submission())
        judged = evaluate(resolved, _submission(), scored, recalled)
        caught = evaluate(resolved, _submission(), scored, recalled, verdict=HONEYPOT)
        no_policy = evaluate(replace(resolved, policy=None), _submission(), scored, recalled)
        no_model = evaluate(resolved, _submission(), None, recalled)
    assert judged.action is Action.APPROVE and judged.decision is not None
    assert resolved.policy is not None
    assert judged.decision.policy_version == resolved.policy.version
    assert (caught.action, caught.by_verdict, caught.reasons) == (
        Action.REJECT, True, (HONEYPOT,))
    assert no_policy.action is Action.HOLD
    assert [r.rule for r in no_policy.reasons] == ["policy-unavailable"]
    assert no_model.action is Action.HOLD
    assert [r.rule for r in no_model.reasons][-1] == "model-unavailable"


def test_route_maps_the_verdict_to_a_status_and_applies_the_storys_hold(app: Flask) -> None:
    from service.intake.pipeline import Admitted, Judged, route
    from service.intake.story import Story
    from service.models import Status

    with app.app_context():
        resolved = _resolved(app)
    approve = Judged(Action.APPROVE, ())
    plain = route(resolved, Admitted(_submission(), None), approve)
    pre = route(resolved, Admitted(_submission(), Story(moderation="pre")), approve)
    verdict = route(resolved, Admitted(_submission(), Story(moderation="pre")),
                    Judged(Action.APPROVE, (), by_verdict=True))
    rejected = route(resolved, Admitted(_submission(), Story(moderation="pre")),
                     Judged(Action.REJECT, (HONEYPOT,)))
    assert (plain.status, plain.reasons) == (Status.PUBLISHED, ())
    assert pre.status is Status.PENDING and [r.rule for r in pre.reasons] == ["thread:pre"]
    assert verdict.status is Status.PUBLISHED
    assert rejected.status is Status.REJECTED and rejected.reasons == (HONEYPOT,)


def test_store_writes_the_row_and_its_audit_entry(app: Flask) -> None:
    from service.extensions import db
    from service.intake.answers import Decided
    from service.intake.pipeline import moderate
    from service.intake.storing import DECISION_FIELDS, store
    from service.models import AuditEntry, Comment

    with app.app_context():
        moderated = moderate(_resolved(app), _submission())
        comment_id = store(moderated.row)
        comment = db.session.get(Comment, comment_id)
        assert comment is not None
        assert {name: getattr(comment, name) for name in DECISION_FIELDS} == (
            moderated.row.decision())
        entries = db.session.query(AuditEntry).filter_by(comment_id=comment_id).all()
        assert [(e.action, e.to_status) for e in entries] == [("submitted", "published")]
        assert Decided.of(comment_id, moderated.row) == Decided.first_answer(comment)


def test_a_reload_between_steps_cannot_mix_policy_versions(app: Flask,
                                                            policy_dir: Path) -> None:
    """Validated with one version, decided with the same one, however a reload falls."""
    from service.extensions import db
    from service.intake.pipeline import decide
    from service.intake.validation import Sender, validate
    from service.models import Comment
    from service.runtime import runtime_of

    runtime = runtime_of(app)
    with app.app_context():
        resolved = _resolved(app)
        submission = validate(resolved, GOOD, Sender(ip="192.0.2.7"), "en")
        default = policy_dir / "default.yaml"
        default.write_text(default.read_text() + BUDGET_RULE)  # a reload happens here
        runtime.request_reload()
        newer = runtime.policy_for("news")
        assert newer is not None and resolved.policy is not None
        assert newer.version != resolved.policy.version
        decided = decide(resolved, submission)
        comment = db.session.get(Comment, decided.id)
    assert decided.policy_version == resolved.policy.version
    assert decided.status == "published"  # the older version has no budget rule
    assert comment is not None and comment.policy_version == resolved.policy.version


def test_one_submission_looks_the_policy_up_once(app: Flask, monkeypatch: pytest.MonkeyPatch,
                                                 site_key: str) -> None:
    """Through the API: the view resolves the policy, and every step uses that one."""
    from service.runtime import Runtime
    from tests.service.intake.test_submit import post

    calls: list[str] = []
    looked_up = Runtime.policy_for

    def counted(self: Runtime, site: str):  # noqa: ANN202
        calls.append(site)
        return looked_up(self, site)

    monkeypatch.setattr(Runtime, "policy_for", counted)
    answer = post(app.test_client(), site_key, GOOD)
    assert answer.status_code == 201, answer.get_json()
    assert calls == ["news"]


def test_the_answer_and_its_schema_are_read_from_the_one_list_of_stored_fields() -> None:
    from dataclasses import fields

    from service.intake.answers import Decided
    from service.intake.storing import COMMENT_FIELDS, DECISION_FIELDS
    from service.models import Comment
    from service.schemas import DecisionSchema

    columns = set(Comment.__table__.columns.keys())
    assert set(COMMENT_FIELDS) <= columns
    assert set(DECISION_FIELDS) < set(COMMENT_FIELDS)
    answered = {f.name for f in fields(Decided)}
    assert answered - {"id"} <= set(COMMENT_FIELDS)
    assert set(DecisionSchema().fields) <= answered
