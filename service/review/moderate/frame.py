"""The frame of every page of ``/moderate``: the blueprint, the moderator's language, the
session and its CSRF check, security headers, and how a page answers (a message, a
redirect back with what was done).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from service.domain_errors import DomainError
from service.errors import ApiError, as_api_error, flatten_messages
from service.models import utcnow
from service.review.moderate import sessions, texts
from service.review.moderate.texts import P_
from service.review.queues import WAITING

blp = Blueprint("moderate", __name__, url_prefix="/moderate", template_folder="templates",
                static_folder="static", static_url_path="/static")
OPEN = ("sign_in", "static")  # the only pages without a session
QUEUE_FILTERS = ("queue", "sort", "site", "thread", "rule", "min_score", "max_score")
# The 409s of the review service, said in the moderator's language (their English detail,
# which names who and when, is shown beside).
CONFLICTS = {
    "claimed": P_("Another moderator holds this comment."),
    "already-decided": P_("This comment was already decided."),
    "escalated": P_("This comment was escalated to an admin."),
    "changed": P_("The comment changed while you acted on it; look again."),
    "not-in-queue": P_("This comment is not waiting for review."),
    "wrong-status": P_("This action does not apply to the comment as it is now."),
    "nothing-to-undo": P_("Only your own latest decision can be undone."),
    "undo-window-passed": P_("The time to undo has passed."),
    "not-claimed": P_("You do not hold this comment."),
    "ban-too-long": P_("Moderators can ban for a limited time only; ask an admin."),
}
DONE = {"approve": P_("Comment #%(id)s approved."), "reject": P_("Comment #%(id)s rejected."),
        "escalate": P_("Comment #%(id)s escalated to an admin."),
        "undo": P_("Your decision on comment #%(id)s was undone."),
        "remove": P_("Comment #%(id)s removed."), "restore": P_("Comment #%(id)s restored."),
        "reopen": P_("Comment #%(id)s is back in the queue."),
        "ban": P_("The author of comment #%(id)s is banned."),
        "release": P_("You gave back comment #%(id)s."),
        "qa": P_("Comment #%(id)s graded.")}
STATUS_NAMES = (P_("published"), P_("pending"), P_("rejected"),
                P_("withdrawn"))  # shown with _(c.status)
QA_GRADES = {"ok": P_("rightly published"), "hold": P_("should have been held"),
             "reject": P_("should have been rejected")}
# Each queue's tab (service/review/queues.py has the queues).
QUEUE_NAMES = {"pending": P_("Pending"), "reported": P_("Reported"),
               "escalated": P_("Escalated"), "approved": P_("Approved"),
               "rejected": P_("Rejected"), "published": P_("All published"),
               "qa": P_("QA sample")}


# -- the frame: language, session, CSRF -----------------------------------------------------

@blp.before_request
def _frame() -> BaseResponse | None:
    texts.choose_language()
    if request.endpoint and request.endpoint.split(".")[-1] in OPEN:
        return None
    found = sessions.current()
    if found is None:
        if request.method == "GET":
            return redirect(url_for("moderate.sign_in", next=request.full_path.rstrip("?")))
        return redirect(url_for("moderate.sign_in"), 303)
    g.moderator_session, g.api_key = found
    if request.method == "POST" and not sessions.csrf_ok(g.moderator_session):
        return message_page(texts.gettext(P_("The form was not sent from this page (its security "
                                         "token is missing or old). Reload the page and try "
                                         "again.")), 403)
    return None


@blp.after_request
def _after(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    response.headers["Referrer-Policy"] = "same-origin"
    sessions.remember_signin_csrf(response)
    return texts.remember_language(response)


@blp.context_processor
def _page_context() -> dict[str, Any]:
    session = g.get("moderator_session")
    return {"_": texts.gettext, "lang": texts.language(), "languages": texts.NAMES,
            "csrf_token": session.csrf_token if session is not None else None,
            "actor": g.api_key.actor if session is not None else None,
            "queue_names": QUEUE_NAMES, "waiting_queues": WAITING, "now": utcnow()}


def message_page(text: str, status: int, detail: str | None = None) -> BaseResponse:
    return Response(render_template("moderate/message.html", message=text, detail=detail),
                    status=status)


def problem_page(err: ApiError | DomainError) -> BaseResponse:
    if isinstance(err, DomainError):
        err = as_api_error(err)
    said = CONFLICTS.get(err.kind or "")
    if said is not None:
        return message_page(texts.gettext(said), err.status, err.detail)
    if err.errors:
        fields = "; ".join(f"{name}: {' '.join(m)}" for name, m in err.errors.items())
        return message_page(err.detail, err.status, fields)
    return message_page(err.detail, err.status)


def invalid_page(err: ma.ValidationError) -> BaseResponse:
    fields = flatten_messages(err.messages)
    return message_page(texts.gettext(P_("Some fields are not valid.")), 422,
                    "; ".join(f"{name}: {' '.join(m)}" for name, m in fields.items()))


def safe_next(default: str) -> str:
    """Where a form asks to go back to: a page of ours only (never another site)."""
    target = request.form.get("next") or ""
    if target.startswith("/moderate") and "//" not in target and "\\" not in target:
        return target
    return default


def redirect_done(action: str, comment_id: int, default: str | None = None) -> BaseResponse:
    target = safe_next(default or url_for("moderate.queue_page"))
    separator = "&" if "?" in target else "?"
    return redirect(f"{target}{separator}{urlencode({'done': comment_id, 'did': action})}", 303)


def form_args(schema: ma.Schema, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    raw = {k: v for k, v in request.form.items() if v.strip() and k not in ("csrf_token",
                                                                           "next")}
    return schema.load({**raw, **(extra or {})})


