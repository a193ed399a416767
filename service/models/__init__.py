"""Database tables, one module per area: column types (``types``), who may call
(``keys``), comments and their audit log (``comments``), what moderators and readers add
(``review``) and the outbox (``events``). Every table is importable from here."""

from service.models.comments import (
    PENDING_QUEUE,
    REJECTED_BY_MODERATOR,
    AuditEntry,
    Comment,
    CommentVersion,
)
from service.models.events import Delivery, Event, NotifierState, WebhookEndpoint
from service.models.keys import ApiKey, BrowserSite, ModeratorSession
from service.models.review import Ban, QaSample, Report, ThreadSetting
from service.models.types import BigId, Role, Status, UTCDateTime, utcnow

__all__ = [
    "PENDING_QUEUE", "REJECTED_BY_MODERATOR", "ApiKey", "AuditEntry", "Ban", "BigId",
    "BrowserSite", "Comment", "CommentVersion", "Delivery", "Event", "ModeratorSession",
    "NotifierState", "QaSample", "Report", "Role", "Status", "ThreadSetting", "UTCDateTime",
    "WebhookEndpoint", "utcnow",
]
