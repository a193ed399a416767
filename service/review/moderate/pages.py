"""The moderators' pages: sign-in, the queue, one comment.

Thin views over the review service: the queue is ``service.review.queue.page`` with the review
API's own argument schema, an item is ``service.review.api.ItemView``; opening an item claims
it (``workflow.claim``) and is audited like the API's item view.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import marshmallow as ma
from flask import Response, current_app, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from service.domain_errors import DomainError
from service.errors import ApiError, flatten_messages
from service.limits import limiter
from service.models import Comment, Role, utcnow
from service.review import queue, workflow
from service.review.api import ItemView, load
from service.review.moderate import sessions, texts
from service.review.moderate.frame import (
    DONE,
    QA_GRADES,
    QUEUE_FILTERS,
    blp,
    problem_page,
    safe_next,
)
from service.review.moderate.highlight import pieces
from service.review.moderate.texts import P_
from service.review.queues import NAMES as QUEUES
from service.review.queues import is_waiting
from service.review.schemas import QueueArgsSchema
from service.review.undo import UNDOABLE
from service.runtime import current_runtime

queue_args_schema = QueueArgsSchema()


# -- sign-in --------------------------------------------------------------------------------

def _signin_limit() -> str:
    return str(current_app.config["RATELIMIT_SIGNIN_PER_IP"])


@blp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_signin_limit, methods=["POST"], scope="moderate-sign-in")
def sign_in() -> BaseResponse:
    """Sign in with a moderator or admin key; the page keeps a session, never the key."""
    error, status = None, 200
    if request.method == "POST":
        if not sessions.signin_csrf_ok():
            error, status = P_("The form expired. Please sign in again."), 403
        else:
            try:
                token, _ = sessions.sign_in(request.form.get("key", ""))
            except sessions.SignInRefused as refused:
                if refused.reason == "role":
                    error, status = P_("Only moderator and admin keys can sign in here; "
                                       "this key is not one."), 403
                else:
                    error, status = P_("This key is not valid."), 401
            else:
                return sessions.start(redirect(safe_next(url_for("moderate.queue_page")), 303),
                                      token)
    target = request.values.get("next", "")
    response = Response(render_template(
        "moderate/sign_in.html", error=texts.gettext(error) if error else None,
        signin_csrf=sessions.signin_csrf(),
        next=target if target.startswith("/moderate") and "//" not in target else ""),
        status=status)
    return response


@blp.post("/sign-out")
def sign_out() -> BaseResponse:
    return sessions.end(redirect(url_for("moderate.sign_in"), 303))


# -- the queue ------------------------------------------------------------------------------

def _matched_and_terms(comment: Comment) -> tuple[list[str], list[str]]:
    matched = [m for r in comment.reasons for m in r.get("matched") or ()]
    terms = [t[0] if isinstance(t, list | tuple) else str(t)
             for values in comment.terms.values() for t in values]
    return matched, terms


def marked(comment: Comment, limit: int | None = None) -> list[Any]:
    matched, terms = _matched_and_terms(comment)
    body = comment.body if limit is None or len(comment.body) <= limit else (
        comment.body[:limit] + "…")
    return pieces(body, matched, terms)


@blp.get("/")
def queue_page() -> BaseResponse:
    """A queue with the review API's filters and sorts (the same query, ``queue.page``)."""
    raw = {k: v for k, v in request.args.items()
           if v.strip() and k in (*QUEUE_FILTERS, "cursor", "limit")}
    error = None
    try:
        args = queue_args_schema.load(raw)
    except ma.ValidationError as err:
        error = flatten_messages(err.messages)
        args = queue_args_schema.load({k: v for k, v in raw.items() if k not in error})
    try:
        page = queue.page(args, g.api_key)
    except (ApiError, DomainError) as err:  # a cursor that is not ours
        return problem_page(err)
    filters = {k: raw[k] for k in QUEUE_FILTERS if k in raw and not (error and k in error)}
    done = request.args.get("done", type=int)
    did = request.args.get("did", "")
    here = _queue_url(filters)
    return Response(render_template(
        "moderate/queue.html", page=page, args=args, filters=filters, errors=error,
        items=[(c, marked(c, 400)) for c in page["items"]], queues=QUEUES, here=here,
        done=done if did in DONE else None, done_text=DONE.get(did),
        next_url=(_queue_url({**filters, "cursor": page["next_cursor"]})
                  if page["next_cursor"] else None),
        policy_reasons=_reasons(None)), status=422 if error else 200)


def _queue_url(query: dict[str, str]) -> str:
    base = url_for("moderate.queue_page")
    return f"{base}?{urlencode(query)}" if query else base


def _reasons(site: str | None) -> tuple[str, ...]:
    runtime = current_runtime()
    policy = runtime.policy_for(site or runtime.default_site)
    return policy.reasons if policy is not None else ()


# -- one comment ----------------------------------------------------------------------------

def _undoable(comment: Comment) -> bool:
    """The moderator's own latest decision on it, still within ``UNDO_MINUTES``."""
    window = timedelta(minutes=int(current_app.config["UNDO_MINUTES"]))
    decisions = [a for a in comment.actions if a.action in (*UNDOABLE, "undo")]
    if not decisions:
        return False
    last = decisions[-1]
    return (last.action != "undo" and last.key_id == g.api_key.id
            and utcnow() - last.created_at <= window)


def _neighbours(comment_id: int, back: str) -> tuple[int | None, int | None]:
    """The items before and after this one on the queue page it was opened from (j/k)."""
    query = dict(parse_qsl(urlsplit(back).query))
    raw = {k: v for k, v in query.items() if v.strip() and k in (*QUEUE_FILTERS, "cursor")}
    try:
        ids = [c.id for c in queue.page(queue_args_schema.load(raw), g.api_key)["items"]]
    except (ma.ValidationError, ApiError, DomainError):
        return None, None
    if comment_id not in ids:
        return None, ids[0] if ids else None
    at = ids.index(comment_id)
    return (ids[at - 1] if at > 0 else None), (ids[at + 1] if at + 1 < len(ids) else None)


@blp.get("/comments/<id:comment_id>")
def item_page(comment_id: int) -> BaseResponse:
    """One comment; opening it claims it (if it waits and nobody else holds it)."""
    key = g.api_key
    try:
        comment = load(comment_id)
    except (ApiError, DomainError) as err:
        return problem_page(err)
    held_by_other = None
    may_decide = not comment.escalated or Role(key.role) is Role.ADMIN
    if is_waiting(comment) and may_decide:
        try:
            workflow.claim(comment, key)
        except (ApiError, DomainError) as err:
            if err.kind == "claimed":
                held_by_other = err.extra
            comment = load(comment_id)
    view = ItemView(comment)
    back = request.args.get("back", "")
    back = back if back.startswith("/moderate") and "//" not in back else url_for(
        "moderate.queue_page")
    previous_id, next_id = _neighbours(comment.id, back)
    workflow.audit(comment, key, "view")
    workflow.commit_log_entry()
    done = request.args.get("done", type=int)
    did = request.args.get("did", "")
    return Response(render_template(
        "moderate/item.html", previous_id=previous_id, next_id=next_id, c=view,
        body=marked(comment), waiting=is_waiting(comment),
        may_decide=may_decide and held_by_other is None, held_by_other=held_by_other,
        mine=comment.claim_key_id == key.id, undoable=_undoable(comment),
        policy_reasons=_reasons(comment.site), back=back, qa_grades=QA_GRADES,
        done=done if did in DONE else None, done_text=DONE.get(did)))


