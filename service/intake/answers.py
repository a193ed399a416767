"""What the submitter of a comment is answered: the comment's id and a few of its stored
fields (``DecisionSchema`` documents them)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import datetime

from policy_engine import Action
from service.intake.storing import COMMENT_FIELDS, StoredRow
from service.models import Comment, Status
from service.reader_reasons import reader_reasons

STATUS_FOR = {Action.APPROVE: Status.PUBLISHED, Action.HOLD: Status.PENDING,
              Action.REJECT: Status.REJECTED}


@dataclass(frozen=True)
class Decided:
    """The stored comment as its submitter's answer shows it (``DecisionSchema``): a few
    of :class:`StoredRow`'s fields, and the comment's id."""

    id: int
    site: str
    thread: str
    status: str
    reasons: list[dict]
    scores: dict[str, float]
    policy_version: str
    model_version: str
    created_at: datetime

    @classmethod
    def of(cls, comment_id: int, row: StoredRow) -> Decided:
        return cls(id=comment_id, **{name: getattr(row, name) for name in ANSWERED})

    @classmethod
    def first_answer(cls, comment: Comment) -> Decided:
        """What the request that stored ``comment`` was answered (a retry gets it again)."""
        values = {name: getattr(comment, name) for name in ANSWERED}
        values.update(status=STATUS_FOR[Action(comment.decided_action)].value,
                      reasons=list(comment.reasons), scores=dict(comment.scores))
        return cls(id=comment.id, **values)

    def for_reader(self, language: str) -> Decided:
        """The answer as the reader sees it: see :func:`reader_reasons`."""
        return replace(self, reasons=reader_reasons(self.status, self.reasons, language))


ANSWERED = tuple(f.name for f in fields(Decided) if f.name != "id")
assert set(ANSWERED) <= set(COMMENT_FIELDS), "an answer field that is not stored"
