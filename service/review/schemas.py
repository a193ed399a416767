"""Schemas of the review API: queue listings, items, decisions, claims, audit (bans:
:mod:`service.review.ban_schemas`)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from service.review.queues import NAMES as QUEUE_NAMES
from service.schemas import (
    FIELD_CAPS,
    REQUIRED_MESSAGE,
    ModeratorReasonSchema,
    PageArgsSchema,
    id_field,
)


class _Base(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE


class QueueArgsSchema(PageArgsSchema):
    queue = ma.fields.String(load_default="pending", validate=validate.OneOf(QUEUE_NAMES),
                             metadata={"description": "Which queue to list"})
    sort = ma.fields.String(load_default="score",
                            validate=validate.OneOf(["score", "age", "newest"]),
                            metadata={"description": "score: highest first; age: oldest first"})
    site = ma.fields.String(validate=validate.Length(max=100))
    thread = ma.fields.String(validate=validate.Length(max=FIELD_CAPS["thread"]))
    rule = ma.fields.String(validate=validate.Regexp(r"^[\w:.-]{1,100}$"),
                            metadata={"description": "Only items where this rule fired"})
    min_score = ma.fields.Float(validate=validate.Range(min=0, max=1))
    max_score = ma.fields.Float(validate=validate.Range(min=0, max=1))
    since = ma.fields.AwareDateTime(default_timezone=None,
                                    metadata={"description": "Submitted at or after (ISO 8601)"})
    until = ma.fields.AwareDateTime(metadata={"description": "Submitted before (ISO 8601)"})
    email = ma.fields.String(validate=validate.Length(max=320))
    author_id = ma.fields.String(validate=validate.Length(max=200), metadata={
        "description": "Only comments by this reader (the site's own author id)"})
    ip = ma.fields.String(validate=validate.Length(max=45))


class ActionSchema(_Base):
    id = ma.fields.Integer()
    action = ma.fields.String()
    actor = ma.fields.String()
    from_status = ma.fields.String(allow_none=True)
    to_status = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)
    detail = ma.fields.Dict()
    created_at = ma.fields.DateTime()


class ClaimSchema(_Base):
    claimed_by = ma.fields.String(allow_none=True)
    claim_expires_at = ma.fields.DateTime(allow_none=True)


class QueueItemSchema(_Base):
    id = ma.fields.Integer()
    site = ma.fields.String()
    thread = ma.fields.String()
    status = ma.fields.String()
    name = ma.fields.String(attribute="author_name")
    body = ma.fields.String()
    reasons = ma.fields.List(ma.fields.Nested(ModeratorReasonSchema))
    scores = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float())
    risk = ma.fields.Float()
    priority = ma.fields.Integer()
    open_reports = ma.fields.Integer()
    hidden = ma.fields.Boolean()
    escalated = ma.fields.Boolean()
    claimed_by = ma.fields.String(allow_none=True)
    claim_expires_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    decided_at = ma.fields.DateTime(allow_none=True)
    decided_by = ma.fields.String(allow_none=True)


class QueuePageSchema(_Base):
    items = ma.fields.List(ma.fields.Nested(QueueItemSchema))
    next_cursor = ma.fields.String(allow_none=True)


class AuthorRecordSchema(_Base):
    approved = ma.fields.Integer()
    rejected = ma.fields.Integer()
    pending = ma.fields.Integer()
    reported = ma.fields.Integer(metadata={"description": "Reports against the author's comments"})
    reports_upheld = ma.fields.Integer(metadata={
        "description": "Reports against the author's comments that a moderator upheld"})
    first_seen = ma.fields.DateTime(allow_none=True)
    keyed_by = ma.fields.String(metadata={
        "description": "author_id when the site identifies the reader, else email: what the "
                       "record counts by", "enum": ["author_id", "email"]})
    same_ip_authors = ma.fields.List(ma.fields.String(),
                                     metadata={"description": "Other emails seen from this IP"})


class ReportSchema(_Base):
    id = ma.fields.Integer()
    reason = ma.fields.String()
    reporter = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    closed_at = ma.fields.DateTime(allow_none=True)
    resolution = ma.fields.String(allow_none=True)


class ThreadContextSchema(_Base):
    thread = ma.fields.String()
    published = ma.fields.Integer()
    pending = ma.fields.Integer()
    parent = ma.fields.Dict(allow_none=True)


class ThresholdSchema(_Base):
    score = ma.fields.String()
    value = ma.fields.Float()
    hold = ma.fields.Float(allow_none=True)
    reject = ma.fields.Float(allow_none=True)
    terms = ma.fields.List(ma.fields.Raw())


QA_GRADES = ("ok", "hold", "reject")


class QaStateSchema(_Base):
    sampled_at = ma.fields.DateTime()
    grade = ma.fields.String(allow_none=True)
    graded_by = ma.fields.String(allow_none=True)
    graded_at = ma.fields.DateTime(allow_none=True)


class QaSampleSchema(QaStateSchema):
    """A comment of the QA sample, as ``POST /v1/review/comments/<id>/qa`` answers."""

    comment_id = ma.fields.Integer()
    site = ma.fields.String()


class QaGradeArgsSchema(_Base):
    grade = ma.fields.String(required=True, validate=validate.OneOf(QA_GRADES), metadata={
        "description": "ok: rightly published; hold: should have been held; reject: should "
                       "have been rejected"})
    note = ma.fields.String(validate=validate.Length(max=2000))


class VersionSchema(_Base):
    version = ma.fields.Integer()
    body = ma.fields.String()
    status = ma.fields.String()
    reasons = ma.fields.List(ma.fields.Dict())
    scores = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float())
    policy_version = ma.fields.String()
    model_version = ma.fields.String()
    decided_by = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    replaced_at = ma.fields.DateTime()


class ReviewItemSchema(QueueItemSchema):
    """Everything a moderator needs to decide one comment."""

    email = ma.fields.String(attribute="author_email")
    author_id = ma.fields.String(allow_none=True, metadata={
        "description": "The site's own id of the reader, when it sent one"})
    website = ma.fields.String(attribute="author_website", allow_none=True)
    parent_id = ma.fields.Integer(allow_none=True)
    ip = ma.fields.String(allow_none=True)
    user_agent = ma.fields.String(allow_none=True)
    referrer = ma.fields.String(allow_none=True)
    terms = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Raw(),
                           metadata={"description": "Per score, the terms that drove it"})
    score_details = ma.fields.List(ma.fields.Nested(ThresholdSchema))
    labels = ma.fields.List(ma.fields.String())
    policy_version = ma.fields.String()
    model_version = ma.fields.String()
    actions = ma.fields.List(ma.fields.Nested(ActionSchema))
    reports = ma.fields.List(ma.fields.Nested(ReportSchema))
    author = ma.fields.Nested(AuthorRecordSchema)
    context = ma.fields.Nested(ThreadContextSchema)
    edited_at = ma.fields.DateTime(allow_none=True, metadata={
        "description": "When the author last edited (or withdrew) it"})
    versions = ma.fields.List(ma.fields.Nested(VersionSchema), metadata={
        "description": "The text as it stood before each of the author's edits, oldest first"})
    qa = ma.fields.Nested(QaStateSchema, allow_none=True, metadata={
        "description": "When the comment was drawn for the QA sample: its grade (null while "
                       "it waits)"})


class DecisionArgsSchema(_Base):
    action = ma.fields.String(required=True,
                              validate=validate.OneOf(["approve", "reject", "escalate"]),
                              error_messages={"required": REQUIRED_MESSAGE})
    reason = ma.fields.String(validate=validate.Length(max=500),
                              metadata={"description": "Reason for the reader (a policy reason "
                                        "or free text)"})
    note = ma.fields.String(validate=validate.Length(max=2000))


class OverrideArgsSchema(_Base):
    """Remove, restore or re-open: the body is optional."""

    reason = ma.fields.String(validate=validate.Length(max=500),
                              metadata={"description": "Why (a legal request, a false "
                                        "rejection); kept in the audit log"})
    note = ma.fields.String(validate=validate.Length(max=2000))


class BulkDecisionArgsSchema(DecisionArgsSchema):
    ids = ma.fields.List(id_field(), required=True,
                         validate=validate.Length(min=1, max=200),
                         error_messages={"required": REQUIRED_MESSAGE})


class BulkOutcomeSchema(_Base):
    id = ma.fields.Integer()
    ok = ma.fields.Boolean()
    status = ma.fields.Integer(metadata={"description": "HTTP status this item alone would get"})
    comment_status = ma.fields.String(allow_none=True)
    detail = ma.fields.String(allow_none=True)


class BulkResultSchema(_Base):
    results = ma.fields.List(ma.fields.Nested(BulkOutcomeSchema))


class ClaimNextArgsSchema(_Base):
    count = ma.fields.Integer(load_default=10, validate=validate.Range(min=1, max=100))
    site = ma.fields.String(validate=validate.Length(max=100))
    thread = ma.fields.String(validate=validate.Length(max=FIELD_CAPS["thread"]))


class ClaimedSchema(_Base):
    items = ma.fields.List(ma.fields.Nested(QueueItemSchema))


class AuditArgsSchema(PageArgsSchema):
    comment_id = id_field()
    actor = ma.fields.String(validate=validate.Length(max=240))
    day = ma.fields.Date(metadata={"description": "Only entries of this UTC day"})
    action = ma.fields.String(validate=validate.Length(max=32))


class AuditEntrySchema(ActionSchema):
    comment_id = ma.fields.Integer(allow_none=True)
    site = ma.fields.String(allow_none=True)


class AuditPageSchema(_Base):
    items = ma.fields.List(ma.fields.Nested(AuditEntrySchema))
    next_cursor = ma.fields.String(allow_none=True)


class StatsArgsSchema(_Base):
    site = ma.fields.String(validate=validate.Length(max=100))
    days = ma.fields.Integer(load_default=7, validate=validate.Range(min=1, max=90))
