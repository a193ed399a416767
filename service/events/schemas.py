"""Marshmallow schemas of the events feed, webhook endpoints and the dead-letter list."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import validate

from service.events.delivery_settings import State
from service.models import Status, utcnow
from service.schemas import REQUIRED_MESSAGE, ReasonSchema, cursor_field


class _Base(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE


class _PageArgs(_Base):
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


# -- the events feed -------------------------------------------------------------------------

class EventsArgsSchema(_PageArgs):
    after = cursor_field("`next_cursor` of the previous page; absent: from the first event")


class EventCommentSchema(_Base):
    id = ma.fields.Integer()
    thread = ma.fields.String()
    status = ma.fields.String(metadata={"enum": [s.value for s in Status]})
    visible = ma.fields.Boolean(metadata={"description": "Whether readers may see it now"})
    reasons = ma.fields.List(ma.fields.Nested(ReasonSchema))
    decided_at = ma.fields.String(allow_none=True, metadata={"format": "date-time"})


class EventSchema(_Base):
    """An event, exactly as a webhook delivers it."""

    id = ma.fields.String(metadata={"description": "Unique event id: de-duplicate on it"})
    type = ma.fields.String(metadata={"example": "comment.published"})
    site = ma.fields.String()
    created_at = ma.fields.String(metadata={"format": "date-time"})
    comment = ma.fields.Nested(EventCommentSchema)


class EventPageSchema(_Base):
    items = ma.fields.List(ma.fields.Nested(EventSchema))
    next_cursor = ma.fields.String(allow_none=True, metadata={
        "description": "Pass as `after` to continue; present even on the last page, so that "
                       "a poller can wait and ask again from where it stopped"})
    has_more = ma.fields.Boolean(metadata={"description": "More events are ready now"})


# -- webhook endpoints -----------------------------------------------------------------------

SECRET_LENGTH = validate.Length(min=16, max=200)
MAX_PREVIOUS_VALID_HOURS = 72
DEFAULT_PREVIOUS_VALID_HOURS = 24


class WebhookArgsSchema(_Base):
    url = ma.fields.URL(required=True, schemes={"http", "https"}, require_tld=False,
                        validate=validate.Length(max=2000),
                        error_messages={"required": REQUIRED_MESSAGE},
                        metadata={"description": "Where to POST events (http or https)"})
    secret = ma.fields.String(validate=SECRET_LENGTH, metadata={
        "description": "Signing secret; absent: one is generated and returned once"})


class RotateSecretArgsSchema(_Base):
    secret = ma.fields.String(validate=SECRET_LENGTH, metadata={
        "description": "The new signing secret (16 to 200 characters); absent: one is "
                       "generated and returned once"})
    previous_valid_hours = ma.fields.Integer(
        load_default=DEFAULT_PREVIOUS_VALID_HOURS, strict=True,
        validate=validate.Range(min=0, max=MAX_PREVIOUS_VALID_HOURS),
        metadata={"description": "How long the secret being replaced keeps signing "
                                 "deliveries, next to the new one (a second `v1=`); 0: it "
                                 "stops at once"})


class WebhookSchema(_Base):
    id = ma.fields.Integer()
    url = ma.fields.String()
    active = ma.fields.Boolean()
    created_at = ma.fields.DateTime()
    previous_secret_expires_at: ma.fields.Field = ma.fields.Method(
        "_overlap_ends", allow_none=True, metadata={
            "type": "string", "format": "date-time",
            "description": "While a rotation's overlap lasts: until when deliveries are also "
                           "signed with the previous secret; else null"})

    def _overlap_ends(self, endpoint: Any) -> str | None:
        def value(name: str) -> Any:  # a WebhookEndpoint row, or a view of one as a dict
            return endpoint.get(name) if isinstance(endpoint, dict) else getattr(endpoint, name)

        expires = value("previous_secret_expires_at")
        if value("previous_secret") and expires is not None and expires > utcnow():
            return str(expires.isoformat())
        return None


class NewWebhookSchema(WebhookSchema):
    secret = ma.fields.String(metadata={"description": "Shown now only: store it"})


class RotatedWebhookSchema(NewWebhookSchema):
    previous_secret_expires_at = ma.fields.DateTime(metadata={
        "description": "Until then deliveries are also signed with the previous secret; "
                       "the time of the rotation when `previous_valid_hours` was 0"})


class WebhookListSchema(_Base):
    items = ma.fields.List(ma.fields.Nested(WebhookSchema))


# -- deliveries, for admins ------------------------------------------------------------------

class DeliveryArgsSchema(_PageArgs):
    state = ma.fields.String(load_default=State.DEAD.value,
                             validate=validate.OneOf([s.value for s in State]))
    cursor = cursor_field()


class DeliverySchema(_Base):
    id = ma.fields.Integer()
    state = ma.fields.String(metadata={"enum": [s.value for s in State]})
    attempts = ma.fields.Integer()
    last_status = ma.fields.Integer(allow_none=True,
                                    metadata={"description": "HTTP status of the last attempt"})
    last_error = ma.fields.String(allow_none=True)
    next_attempt_at = ma.fields.DateTime()
    delivered_at = ma.fields.DateTime(allow_none=True)
    event_id = ma.fields.String(metadata={"description": "The event's unique id"})
    event_type = ma.fields.String()
    site = ma.fields.String()
    endpoint_id = ma.fields.Integer()
    url = ma.fields.String()


class DeliveryPageSchema(_Base):
    items = ma.fields.List(ma.fields.Nested(DeliverySchema))
    next_cursor = ma.fields.String(allow_none=True)
