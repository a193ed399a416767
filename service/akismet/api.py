"""Akismet's REST API 1.1, so that a comment system that speaks it switches by a host name.

The paths (``/1.1/verify-key``, ``/1.1/comment-check``, ``/1.1/submit-spam``,
``/1.1/submit-ham``, ``/1.2/usage-limit``), the form-encoded fields and the plain-text
answers and headers are Akismet's; ``api_key`` is a site key of ours.  A comment-check is a
submission like ``POST /v1/comments``: the same pipeline decides and stores it, so it is in
the queue, the audit log, the stats, the events and the webhooks.  ``true`` means held or
rejected (``X-akismet-pro-tip: discard`` with a rejection), ``false`` published;
``X-akismet-guid`` is our comment id.  Operators' guide: docs/akismet.md.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, g, jsonify, request
from sqlalchemy import func, select

from policy_engine import Action, Reason
from service.akismet.fields import AkismetComment, AkismetError, read_comment
from service.akismet.verdicts import apply_verdict, find_comment
from service.auth import MAX_KEY_LENGTH
from service.domain_errors import Refused
from service.extensions import db
from service.intake.browser import HONEYPOT
from service.intake.pipeline import decide, moderate, resolve
from service.keys import verify
from service.limits import akismet_limits
from service.models import ApiKey, Comment, Role, Status
from service.runtime import current_runtime

blp = Blueprint("akismet", __name__)

THANKS = "Thanks for making the web a better place."
PATHS = ("/1.1/", "/1.2/")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
INVALID_KEY_HELP = ("We were unable to verify your API key: send a live site key of this "
                    "service (moderation keys create --role site) as api_key.")
ADMINISTRATOR = Reason(rule="akismet:administrator", message="", action=Action.APPROVE,
                       note="The site says its administrator wrote it (Akismet user_role); "
                       "Akismet never calls an administrator's comment spam.")
STATUS_ANSWERS = {Status.PUBLISHED: ("false", {}),
                  Status.PENDING: ("true", {}),
                  Status.REJECTED: ("true", {"X-akismet-pro-tip": "discard"})}


def _text(body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(body, status=status, mimetype="text/plain")
    response.headers.update(headers or {})
    return response


def _invalid_key() -> Response:
    """Akismet's answer to a wrong key: ``invalid``, with the reason in a header."""
    return _text("invalid", headers={"X-akismet-debug-help": INVALID_KEY_HELP})


def _site_key() -> ApiKey | None:
    """The live site key in ``api_key`` (``key`` in WordPress's verify-key), else None."""
    if request.content_length and request.mimetype not in FORM_TYPES:
        raise AkismetError("Content-Type", "Send the fields form-encoded "
                           "(application/x-www-form-urlencoded).")
    secret = request.values.get("api_key") or request.values.get("key") or ""
    if not secret or len(secret) > MAX_KEY_LENGTH:
        return None
    key = verify(secret)
    if key is None or Role(key.role) is not Role.SITE:
        return None
    g.api_key = key
    return key


def _check_answer(status: str, comment_id: int | None) -> Response:
    body, headers = STATUS_ANSWERS[Status(status)]
    if comment_id is not None:
        headers = {**headers, "X-akismet-guid": str(comment_id)}
    return _text(body, headers=headers)


@blp.route("/1.1/verify-key", methods=["GET", "POST"])
@akismet_limits[0]
def verify_key() -> Response:
    """``valid`` for a live site key, else ``invalid``."""
    return _text("valid") if _site_key() is not None else _invalid_key()


@blp.route("/1.1/comment-check", methods=["POST"])
@akismet_limits[0]
@akismet_limits[1]
def comment_check() -> Response:
    """Decide and store a comment; ``true`` if it was held or rejected, ``false`` if not."""
    key = _site_key()
    if key is None:
        return _invalid_key()
    incoming = read_comment(key.site or "", request.form)
    if incoming.recheck:
        # A re-check of a comment we have: its decision as it stands, a moderator's
        # included (a human decision always wins over a re-check); nothing new is stored.
        stored = find_comment(key.site or "", incoming)
        if stored is not None:
            return _check_answer(stored.status, stored.id)
    verdict = _verdict(incoming)
    resolved = resolve(current_runtime(), key.site or "")
    try:
        if incoming.is_test:
            moderated = moderate(resolved, incoming.submission, verdict=verdict)
            return _check_answer(moderated.status, None)
        decided = decide(resolved, incoming.submission, verdict)
    except Refused as err:
        if err.kind != "thread-closed":
            raise
        # Refused and stored nowhere, so the site should not keep it either.
        return _text("true", headers={"X-akismet-pro-tip": "discard",
                                      "X-akismet-debug-help": err.detail})
    return _check_answer(decided.status, decided.id)


def _verdict(incoming: AkismetComment) -> Reason | None:
    """A decision made without the policy: an administrator's comment, a honeypot bot."""
    if incoming.administrator:
        return ADMINISTRATOR
    return HONEYPOT if incoming.honeypot else None


@blp.route("/1.1/submit-spam", methods=["POST"])
@akismet_limits[0]
@akismet_limits[1]
def submit_spam() -> Response:
    """The site's moderator says it is spam: our comment is rejected (or taken down)."""
    return _submit(spam=True)


@blp.route("/1.1/submit-ham", methods=["POST"])
@akismet_limits[0]
@akismet_limits[1]
def submit_ham() -> Response:
    """The site's moderator says it is not spam: our comment is published (or restored)."""
    return _submit(spam=False)


def _submit(spam: bool) -> Response:
    key = _site_key()
    if key is None:
        return _invalid_key()
    incoming = read_comment(key.site or "", request.form)
    if incoming.is_test:
        return _text(THANKS)
    comment = find_comment(key.site or "", incoming)
    if comment is None:
        # Never checked with us (sent to Akismet before the switch, say): stored and
        # decided as a submission first, so that the verdict has a comment to decide.
        decided = decide(resolve(current_runtime(), key.site or ""), incoming.submission)
        comment = db.session.get(Comment, decided.id)
        assert comment is not None  # just stored and committed
    apply_verdict(comment, key, spam)
    return _text(THANKS)


@blp.route("/1.2/usage-limit", methods=["GET", "POST"])
@akismet_limits[0]
def usage_limit() -> Response:
    """Akismet's monthly usage: this site's comments this month; no monthly limit here
    (the rate limits are per minute), so never throttled."""
    key = _site_key()
    if key is None:
        return _invalid_key()
    month = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    usage = db.session.execute(select(func.count()).select_from(Comment).where(
        Comment.site == key.site, Comment.created_at >= month)).scalar_one()
    return jsonify({"limit": "none", "usage": usage, "percentage": "0.00",
                    "throttled": False})


@blp.errorhandler(AkismetError)
def _bad_field(error: AkismetError) -> Response:
    """A field Akismet would refuse: a 400 naming it, in the body and in Akismet's header."""
    return _text(error.message, status=400, headers={"X-akismet-debug-help": error.message})


@blp.after_app_request
def _debug_help_on_errors(response: Response) -> Response:
    """Every other error (a rate limit, a body too large, a wrong method, a conflict, the
    database down) is the service's usual problem body; Akismet clients read the reason in
    this header.  An app-wide hook: a 405 is answered before any blueprint is chosen."""
    if (response.status_code >= 400 and request.path.startswith(PATHS)
            and "X-akismet-debug-help" not in response.headers):
        problem = response.get_json(silent=True) if response.is_json else None
        detail = problem.get("detail") if isinstance(problem, dict) else None
        response.headers["X-akismet-debug-help"] = " ".join(
            str(detail or response.status).split())[:500]
    return response
