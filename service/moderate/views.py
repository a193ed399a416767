"""The moderators' page: sign-in, the queue, one comment, and the forms that act on it.

Thin views over the review service: the queue is ``service.queue.page`` with the review
API's own argument schema, an item is ``service.review.ItemView``, and every action is the
function the API calls (``workflow.decide``, ``overrides.override``, ``bans.ban_author``).
Every POST needs the session's CSRF token; a page without a session redirects to sign-in.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import marshmallow as ma
from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from service import overrides, queue, workflow
from service.bans import ban_author
from service.errors import ApiError, flatten_messages
from service.extensions import db
from service.highlight import pieces
from service.limits import limiter
from service.models import Comment, Role, Status, utcnow
from service.moderate import sessions, texts
from service.moderate.texts import P_
from service.review import ItemView, load
from service.review_schemas import (
    QUEUES,
    BanArgsSchema,
    BulkDecisionArgsSchema,
    DecisionArgsSchema,
    OverrideArgsSchema,
    QueueArgsSchema,
)

blp = Blueprint("moderate", __name__, url_prefix="/moderate", template_folder="templates",
                static_folder="static", static_url_path="/static")
queue_args_schema = QueueArgsSchema()
decision_args_schema = DecisionArgsSchema()
override_args_schema = OverrideArgsSchema()
ban_args_schema = BanArgsSchema()
bulk_args_schema = BulkDecisionArgsSchema()
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
        "release": P_("You gave back comment #%(id)s.")}
STATUS_NAMES = (P_("published"), P_("pending"), P_("rejected"))  # shown with _(c.status)
QUEUE_NAMES = {"pending": P_("Pending"), "reported": P_("Reported"),
               "escalated": P_("Escalated"), "approved": P_("Approved"),
               "rejected": P_("Rejected"), "published": P_("All published")}


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
        return _message(texts.gettext(P_("The form was not sent from this page (its security "
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
            "queue_names": QUEUE_NAMES, "now": utcnow()}


def _message(text: str, status: int, detail: str | None = None) -> BaseResponse:
    return Response(render_template("moderate/message.html", message=text, detail=detail),
                    status=status)


def _problem(err: ApiError) -> BaseResponse:
    said = CONFLICTS.get(err.kind or "")
    if said is not None:
        return _message(texts.gettext(said), err.status, err.detail)
    if err.errors:
        fields = "; ".join(f"{name}: {' '.join(m)}" for name, m in err.errors.items())
        return _message(err.detail, err.status, fields)
    return _message(err.detail, err.status)


def _invalid(err: ma.ValidationError) -> BaseResponse:
    fields = flatten_messages(err.messages)
    return _message(texts.gettext(P_("Some fields are not valid.")), 422,
                    "; ".join(f"{name}: {' '.join(m)}" for name, m in fields.items()))


def _back(default: str) -> str:
    """Where a form asks to go back to: a page of ours only (never another site)."""
    target = request.form.get("next") or ""
    if target.startswith("/moderate") and "//" not in target and "\\" not in target:
        return target
    return default


def _done(action: str, comment_id: int, default: str | None = None) -> BaseResponse:
    target = _back(default or url_for("moderate.queue_page"))
    separator = "&" if "?" in target else "?"
    return redirect(f"{target}{separator}{urlencode({'done': comment_id, 'did': action})}", 303)


def _form(schema: ma.Schema, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    raw = {k: v for k, v in request.form.items() if v.strip() and k not in ("csrf_token",
                                                                           "next")}
    return schema.load({**raw, **(extra or {})})


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
                return sessions.start(redirect(_back(url_for("moderate.queue_page")), 303),
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
    except ApiError as err:  # a cursor that is not ours
        return _problem(err)
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
    runtime = current_app.extensions["moderation.runtime"]
    policy = runtime.policy_for(site or runtime.default_site)
    return policy.reasons if policy is not None else ()


# -- one comment ----------------------------------------------------------------------------

def _waiting(comment: Comment) -> bool:
    return comment.status == Status.PENDING or (
        comment.status == Status.PUBLISHED and comment.reported)


def _undoable(comment: Comment) -> bool:
    """The moderator's own latest decision on it, still within ``UNDO_MINUTES``."""
    window = timedelta(minutes=int(current_app.config["UNDO_MINUTES"]))
    decisions = [a for a in comment.actions if a.action in (*workflow.UNDOABLE, "undo")]
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
    except (ma.ValidationError, ApiError):
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
    except ApiError as err:
        return _problem(err)
    held_by_other = None
    may_decide = not comment.escalated or Role(key.role) is Role.ADMIN
    if _waiting(comment) and may_decide:
        try:
            workflow.claim(comment, key)
        except ApiError as err:
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
        body=marked(comment), waiting=_waiting(comment),
        may_decide=may_decide and held_by_other is None, held_by_other=held_by_other,
        mine=comment.claim_key_id == key.id, undoable=_undoable(comment),
        policy_reasons=_reasons(comment.site), back=back,
        done=done if did in DONE else None, done_text=DONE.get(did)))


def _item_url(comment_id: int) -> str:
    return url_for("moderate.item_page", comment_id=comment_id)


@blp.post("/comments/<id:comment_id>/decision")
def decide(comment_id: int) -> BaseResponse:
    try:
        args = _form(decision_args_schema)
        comment = workflow.decide(load(comment_id), g.api_key, args["action"],
                                  note=args.get("note"), reason=args.get("reason"))
    except ma.ValidationError as err:
        return _invalid(err)
    except ApiError as err:
        return _problem(err)
    return _done(args["action"], comment.id)


@blp.post("/comments/<id:comment_id>/undo")
def undo(comment_id: int) -> BaseResponse:
    try:
        comment = workflow.undo(load(comment_id), g.api_key)
    except ApiError as err:
        return _problem(err)
    return _done("undo", comment.id)


@blp.post("/comments/<id:comment_id>/release")
def release(comment_id: int) -> BaseResponse:
    try:
        comment = workflow.release(load(comment_id), g.api_key)
    except ApiError as err:
        return _problem(err)
    return _done("release", comment.id)


@blp.post("/comments/<id:comment_id>/<any(remove, restore, reopen):action>")
def override(comment_id: int, action: str) -> BaseResponse:
    try:
        args = _form(override_args_schema)
        comment = overrides.override(load(comment_id), g.api_key, action,
                                     note=args.get("note"), reason=args.get("reason"))
    except ma.ValidationError as err:
        return _invalid(err)
    except ApiError as err:
        return _problem(err)
    return _done(action, comment.id, _item_url(comment.id))


@blp.post("/comments/<id:comment_id>/ban")
def ban(comment_id: int) -> BaseResponse:
    try:
        args = _form(ban_args_schema)
        ban_author(load(comment_id), g.api_key, args["kind"], args.get("value"),
                   args["reason"], args.get("days"))
    except ma.ValidationError as err:
        return _invalid(err)
    except ApiError as err:
        db.session.rollback()
        return _problem(err)
    return _done("ban", comment_id, _item_url(comment_id))


@blp.post("/decisions")
def bulk() -> BaseResponse:
    """Decide the ticked comments; each on its own, as the API's bulk call does."""
    ids = request.form.getlist("ids")
    try:
        args = _form(bulk_args_schema, {"ids": ids})
    except ma.ValidationError as err:
        return _invalid(err)
    outcomes = workflow.bulk_decide(list(dict.fromkeys(args["ids"])), g.api_key,
                                    args["action"], args.get("note"), args.get("reason"), load)
    failed = [o for o in outcomes if not o.ok]
    if not failed:
        return _done(args["action"], outcomes[0].id) if len(outcomes) == 1 else redirect(
            _back(url_for("moderate.queue_page")), 303)
    return _message(texts.gettext(P_("Some comments could not be decided.")), 409,
                    "; ".join(f"#{o.id}: {o.detail}" for o in failed))
