"""One evaluation's inputs, with caches so each field is normalised once and each fact is
asked once, however many rules need it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from .facts import Answers, Facts, Questions, fingerprint_folded
from .model import AuthorRecord, Submission
from .textfacts import FieldText

__all__ = ["EvalContext", "URL_FIELDS"]

URL_FIELDS = frozenset({"website", "referrer"})


class EvalContext:
    """The submission, the scores and the facts, plus per-evaluation caches."""

    def __init__(self, submission: Submission, scores: Mapping[str, float], facts: Facts):
        self.submission = submission
        self.scores = scores
        self.facts = facts
        self._texts: dict[str, FieldText] = {}
        self._answers: dict[tuple[Any, ...], Any] = {}
        self.language: tuple[str, float] | None = None
        self.language_known = False

    def text(self, field: str) -> FieldText:
        """The cached text view of a submission field."""
        view = self._texts.get(field)
        if view is None:
            view = self._texts[field] = FieldText(self.submission.field_text(field),
                                                  is_url=field in URL_FIELDS)
        return view

    def body_fingerprint(self) -> str:
        """The fingerprint of the body, as ``fingerprint`` computes it."""
        return fingerprint_folded(self.text("body").folded_raw)

    def preload(self, questions: Questions, answers: Answers) -> None:
        """Take every answer to ``questions`` at once, so no rule asks the facts again."""
        for field, within in questions.recent:
            self._answers[("recent", field, within)] = answers.recent.get((field, within), 0)
        for within in questions.duplicate:
            self._answers[("dup", within)] = answers.duplicate.get(within, 0)
        if questions.author:
            self._answers[("author",)] = answers.author or AuthorRecord()
        if questions.ban:
            self._answers[("ban",)] = answers.ban

    def _ask(self, key: tuple[Any, ...], question: Any) -> Any:
        if key not in self._answers:
            self._answers[key] = question()
        return self._answers[key]

    def recent_count(self, by: str, within: timedelta) -> int:
        """Earlier comments from the same ``ip`` or ``author`` (the site's author id, else
        the email) within the window (0 if unknown)."""
        field, value = (("ip", self.submission.ip or "") if by == "ip"
                        else self.submission.author_key)
        if not value:
            return 0
        return self._ask(("recent", by, within),
                         lambda: self.facts.recent_count(field, value, within))

    def duplicate_count(self, within: timedelta) -> int:
        """Earlier comments with the same body fingerprint within the window."""
        return self._ask(("dup", within), lambda: self.facts.duplicate_count(
            self.body_fingerprint(), within))

    def author_record(self) -> AuthorRecord:
        """The author's moderation history."""
        return self._ask(("author",), lambda: self.facts.author_record(
            *self.submission.author_key))

    def ban_reason(self) -> str | None:
        """The author's active ban, if any."""
        return self._ask(("ban",), lambda: self.facts.ban_reason(
            self.submission.email, self.submission.ip, self.submission.author_id))
