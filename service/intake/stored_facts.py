"""The policy engine's questions about the past, answered from the database."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import any_, bindparam, func, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY

from policy_engine import Answers, AuthorRecord, Questions, Submission
from service.extensions import db
from service.intake.ban_match import active_ban_filter, ban_targets
from service.intake.storing import NEXT_ID
from service.intake.story import Story
from service.models import Ban, Comment, Report, Status, ThreadSetting, utcnow

UNCAPPED = 2**31 - 1  # an author-record count limit that never stops the count
COUNTED = ("approved", "rejected", "comments", "reports_upheld")
RECORD = frozenset({"approved", "rejected", "comments", "reports_upheld", "first_seen"})


@dataclass(frozen=True)
class Recalled:
    """What a submission needs from the database before it is decided, read in one SELECT
    (:meth:`DatabaseFacts.recall`): the answers to the policy's questions, the story's
    settings (None: the defaults) and, on PostgreSQL, the id the new comment will have (so
    that the comment, its audit row and its event are written by one statement).
    ``facts`` give ``Policy.evaluate`` those answers without asking again;
    ``body_fingerprint`` is the one the read used (the comment stores it)."""

    answers: Answers
    story: Story | None
    comment_id: int | None
    facts: Any = None  # a Facts; set by recall()
    body_fingerprint: str = ""


class _Answered:
    """Facts for ``Policy.evaluate`` whose batch answer was read already (``recall``);
    a question outside that batch is asked of the database as usual."""

    def __init__(self, facts: DatabaseFacts, questions: Questions, answers: Answers) -> None:
        self._facts, self._questions, self._answers = facts, questions, answers

    def answer_all(self, questions: Questions, submission: Submission,
                   body_fingerprint: str) -> Answers:
        if questions == self._questions:
            return self._answers
        return self._facts.answer_all(questions, submission, body_fingerprint)

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401 - the one-by-one Facts methods
        return getattr(self._facts, name)


class DatabaseFacts:
    """:class:`policy_engine.BatchFacts` for one site, over the ``comments`` table.

    ``answer_all`` answers every question of a policy in one statement (one round trip);
    the one-by-one methods serve callers that ask a single question.

    ``as_of`` answers as the database stood just before a past comment (for backtests):
    only comments older than it count.  ``exclude_id`` leaves one comment out (the one an
    edit replaces).
    """

    def __init__(self, site: str, as_of: Comment | None = None,
                 exclude_id: int | None = None) -> None:
        self.site = site
        self.as_of = as_of
        self.exclude_id = exclude_id

    def _now(self):  # noqa: ANN202
        return self.as_of.created_at if self.as_of is not None else utcnow()

    # One question at a time (the Facts protocol): the same statement as answer_all, asked
    # with that one question, so the SQL of each fact is written once.
    def _ask(self, questions: Questions, email: str = "", ip: str | None = None,
             body_fingerprint: str = "", author_id: str | None = None) -> Answers:
        probe = Submission(site=self.site, thread="", name="", email=email, body="", ip=ip,
                           author_id=author_id)
        return self.answer_all(questions, probe, body_fingerprint)

    def recent_count(self, field: str, value: str, within: timedelta) -> int:
        if field not in ("ip", "email", "author_id") or not value:
            return 0
        by = "ip" if field == "ip" else "author"
        asked = Questions(recent=frozenset({(by, within)}))
        return self._ask(asked, **{field: value}).recent.get((by, within), 0)

    def duplicate_count(self, body_fingerprint: str, within: timedelta) -> int:
        asked = Questions(duplicate=frozenset({within}))
        return self._ask(asked, body_fingerprint=body_fingerprint).duplicate.get(within, 0)

    def author_record(self, field: str, value: str) -> AuthorRecord:
        # the whole record, not only what rules need
        asked = Questions(author=RECORD, author_cap=UNCAPPED)
        return self._ask(asked, **{field: value}).author or AuthorRecord()

    def ban_reason(self, email: str, ip: str | None, author_id: str | None = None) -> str | None:
        return self._ask(Questions(ban=True), email=email, ip=ip, author_id=author_id).ban

    def answer_all(self, questions: Questions, submission: Submission,
                   body_fingerprint: str) -> Answers:
        """Every answer in one SELECT of scalar subqueries (one round trip)."""
        return self._read(questions, submission, body_fingerprint, story=False,
                          reserve=False).answers

    def recall(self, questions: Questions, submission: Submission, body_fingerprint: str,
               reserve_id: bool = False) -> Recalled:
        """The answers to ``questions``, the story's settings and (``reserve_id``, on
        PostgreSQL) the new comment's id, in one round trip."""
        got = self._read(questions, submission, body_fingerprint, story=True,
                         reserve=reserve_id)
        return replace(got, facts=_Answered(self, questions, got.answers),
                       body_fingerprint=body_fingerprint)

    def _read(self, questions: Questions, submission: Submission, body_fingerprint: str,
              story: bool, reserve: bool) -> Recalled:
        now = self._now()
        dialect = db.session.get_bind().dialect.name
        shape = _Shape(questions, has_ip=bool(submission.ip), has_email=bool(submission.email),
                       has_author_id=bool(submission.author_id),
                       before=self.as_of is not None, exclude=self.exclude_id is not None,
                       dialect=dialect, story=story,
                       reserve=reserve and dialect == "postgresql")
        statement, recent, windows = _statement(shape)
        if statement is None:
            return Recalled(Answers(), None, None)
        params: dict[str, Any] = {
            "site": self.site, "thread": submission.thread, "ip": submission.ip,
            "email": submission.email, "author_id": submission.author_id,
            "fingerprint": body_fingerprint, "now": utcnow(),
            "before_id": self.as_of.id if self.as_of is not None else None,
            "exclude_id": self.exclude_id,
            **ban_targets(submission.email, submission.ip, submission.author_id)}
        for name, (_, within) in recent.items():
            params[f"{name}_since"] = now - within
        for name, within in windows.items():
            params[f"{name}_since"] = now - within
        if questions.author_settled is not None:
            params["settled_before"] = now - questions.author_settled
        got = db.session.execute(statement, params).one()._mapping
        author = None
        if questions.author and (shape.has_author_id or shape.has_email):
            first = got.get("first_seen")
            if isinstance(first, str):  # SQLite's MIN() of a timestamp loses its type
                first = datetime.fromisoformat(first)
            if first is not None and first.tzinfo is None:
                first = first.replace(tzinfo=UTC)
            author = AuthorRecord(
                **{part: int(got[part] or 0) for part in COUNTED if part in got},
                first_seen=first)
        answers = Answers(
            recent={key: int(got[name]) for name, key in recent.items()},
            duplicate={within: int(got[name]) for name, within in windows.items()},
            author=author,
            ban=got.get("ban"),
        )
        settings = None
        if story and got["story_moderation"] is not None:
            settings = Story(moderation=got["story_moderation"], links=got["story_links"])
        return Recalled(answers, settings, got.get("reserved_id"))


@dataclass(frozen=True)
class _Shape:
    """What decides the form of the facts statement (the values are bound parameters)."""

    questions: Questions
    has_ip: bool
    has_email: bool
    has_author_id: bool
    before: bool
    dialect: str
    exclude: bool = False
    story: bool = False  # also read the story's settings
    reserve: bool = False  # also take the next comment id (PostgreSQL)


@lru_cache(maxsize=256)
def _statement(shape: _Shape) -> tuple[Any, dict[str, tuple[str, timedelta]],
                                       dict[str, timedelta]]:
    """The statement answering ``shape.questions``, built once per shape: building a SQL
    expression costs more than running it.  Also returns which column answers what."""
    questions = shape.questions
    site = bindparam("site", type_=Comment.site.type)
    before = [Comment.id < bindparam("before_id", type_=Comment.id.type)] if shape.before else []
    if shape.exclude:
        before.append(Comment.id != bindparam("exclude_id", type_=Comment.id.type))

    def count(*conditions: Any, cap: int = 0) -> Any:  # noqa: ANN401
        where = (Comment.site == site, *conditions, *before)
        if not cap:
            return select(func.count()).select_from(Comment).where(*where).scalar_subquery()
        first = select(literal(1)).select_from(Comment).where(*where).limit(cap).subquery()
        return select(func.count()).select_from(first).scalar_subquery()

    def since(name: str) -> Any:  # noqa: ANN401
        return Comment.created_at >= bindparam(f"{name}_since", type_=Comment.created_at.type)

    columns: dict[str, Any] = {}
    recent: dict[str, tuple[str, timedelta]] = {}
    # The author is the site's own id when it sent one, else the (self-declared) email.
    mine: Any = None
    if shape.has_author_id:
        mine = Comment.author_id == bindparam("author_id", type_=Comment.author_id.type)
    elif shape.has_email:
        mine = Comment.author_email == bindparam("email", type_=Comment.author_email.type)
    for i, (by, within) in enumerate(sorted(questions.recent)):
        if by == "ip":
            match = Comment.ip == bindparam("ip", type_=Comment.ip.type) if shape.has_ip else None
        else:
            match = mine
        if match is not None:
            name = f"recent{i}"
            recent[name] = (by, within)
            columns[name] = count(match, since(name))
    windows: dict[str, timedelta] = {}
    for i, within in enumerate(sorted(questions.duplicate)):
        name = f"dup{i}"
        windows[name] = within
        columns[name] = count(Comment.body_fingerprint == bindparam("fingerprint"), since(name))
    needs, cap = questions.author, questions.author_cap or UNCAPPED
    if needs and mine is not None:
        # Approved: published by a moderator, or published and left up (not removed,
        # re-opened or rejected since) for the policy's trust.settled_after.  A comment the
        # policy itself published a minute ago proves nothing: it may be the model's miss.
        settled: Any = Comment.decided_by.is_not(None)
        if questions.author_settled is not None:
            settled = or_(settled, Comment.created_at <= bindparam(
                "settled_before", type_=Comment.created_at.type))
        if "approved" in needs:
            columns["approved"] = count(mine, Comment.status == Status.PUBLISHED, settled,
                                        cap=cap)
        if "rejected" in needs:
            columns["rejected"] = count(mine, Comment.status == Status.REJECTED,
                                        Comment.decided_by.is_not(None), cap=cap)
        if "comments" in needs:
            columns["comments"] = count(mine, cap=cap)
        if "reports_upheld" in needs:
            # Readers' reports on the author's comments that a moderator upheld (removed it).
            upheld = (select(literal(1)).select_from(Report)
                      .join(Comment, Report.comment_id == Comment.id)
                      .where(Comment.site == site, mine, Report.resolution == "removed",
                             *before).limit(cap).subquery())
            columns["reports_upheld"] = select(func.count()).select_from(
                upheld).scalar_subquery()
        if "first_seen" in needs:
            columns["first_seen"] = select(func.min(Comment.created_at)).where(
                Comment.site == site, mine, *before).scalar_subquery()
    if questions.ban:
        network_match: Any
        if shape.dialect == "postgresql":  # one array parameter, not 33 or 129 of them
            network_match = Ban.value == any_(bindparam("networks", type_=ARRAY(Ban.value.type)))
        else:
            network_match = Ban.value.in_(bindparam("networks", expanding=True))
        columns["ban"] = select(Ban.reason).where(active_ban_filter(
            site, bindparam("email"), bindparam("domain"), network_match,
            bindparam("now", type_=Ban.expires_at.type), bindparam("author_id"),
        )).limit(1).scalar_subquery()
    if shape.story:
        story = (ThreadSetting.site == site,
                 ThreadSetting.thread == bindparam("thread", type_=ThreadSetting.thread.type))
        columns["story_moderation"] = select(ThreadSetting.moderation).where(
            *story).scalar_subquery()
        columns["story_links"] = select(ThreadSetting.links).where(*story).scalar_subquery()
    if shape.reserve:
        columns["reserved_id"] = NEXT_ID
    if not columns:
        return None, {}, {}
    return select(*(c.label(n) for n, c in columns.items())), recent, windows
