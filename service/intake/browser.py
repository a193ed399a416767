"""Submissions straight from readers' browsers.

A site that allows it gets a public id (``moderation sites browser SITE --origin ...``).
Its page posts to ``/v1/public/<public_id>/comments`` with no secret: the service accepts
only requests whose ``Origin`` is on the site's list (and answers CORS preflights for
them), takes the reader's IP, user agent and referrer from the request itself, and treats a
filled-in honeypot field as a bot (stored as rejected, answered like any rejection).
Server-to-server submissions keep using secret site keys.
"""

from __future__ import annotations

import secrets

from flask import Response, g, request
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from policy_engine import Action, Reason
from service.errors import ApiError
from service.extensions import db
from service.i18n import N_, choose_language, reader_language, texts
from service.intake.answers import Decided
from service.intake.comments import SUBMISSION_BODY, load_submission, request_data
from service.intake.pipeline import decide, resolve
from service.limits import submit_limits
from service.models import BrowserSite
from service.runtime import current_runtime
from service.schemas import DecisionSchema

blp = Blueprint("browser", __name__, url_prefix="/v1/public",
                description="Submissions from readers' browsers")
PREFLIGHT_MAX_AGE = 600
HONEYPOT_MESSAGE = N_("Your comment could not be accepted.")
HONEYPOT = Reason(rule="honeypot", message=HONEYPOT_MESSAGE,
                  action=Action.REJECT, note="The hidden honeypot field was filled in: a bot.",
                  labels=("spam", "bot"), matched=(), messages=texts(HONEYPOT_MESSAGE))


def new_public_id() -> str:
    return "pub_" + secrets.token_urlsafe(12)


def _site(public_id: str) -> BrowserSite:
    site = db.session.execute(select(BrowserSite).where(BrowserSite.public_id == public_id)
                              ).scalar_one_or_none()
    if site is None:
        raise ApiError(404, "No site with this public id accepts browser submissions.")
    return site


def _allowed_origin(site: BrowserSite) -> str:
    origin = request.headers.get("Origin", "")
    if origin not in site.origins:
        raise ApiError(403, "This page's origin may not post comments for the site.",
                       kind="origin-not-allowed")
    return origin


def _cors(response: Response, origin: str) -> Response:
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Vary"] = "Origin"
    return response


@blp.route("/<public_id>/comments", methods=["OPTIONS"])
def preflight(public_id: str) -> Response:
    """CORS preflight: allowed for the site's origins only."""
    origin = _allowed_origin(_site(public_id))
    response = Response(status=204)
    response.headers["Access-Control-Allow-Methods"] = "POST"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type"
    response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    return _cors(response, origin)


@blp.route("/<public_id>/comments", methods=["POST"])
@submit_limits[1]
@blp.doc(requestBody=SUBMISSION_BODY, security=[])
@blp.response(201, DecisionSchema)
@blp.alt_response(403, description="The request's Origin is not allowed for this site.")
def submit(public_id: str) -> Decided:
    """Submit a comment from a reader's browser (JSON or a plain form post)."""
    site = _site(public_id)
    g.cors_origin = _allowed_origin(site)
    resolved = resolve(current_runtime(), site.site)
    choose_language(resolved.policy)
    data = request_data()
    trap = data.pop(site.honeypot, None)
    submission = load_submission(resolved, data, from_browser=True)
    decided = decide(resolved, submission, verdict=HONEYPOT if trap else None)
    return decided.for_reader(reader_language())


@blp.after_request
def _cors_on_every_answer(response: Response) -> Response:
    """Validation errors too must reach the page's script, so it can show them: also those
    answered before the view ran (``service.input_guard``), for an allowed origin."""
    origin = g.get("cors_origin")
    if origin is None and response.status_code >= 400:
        origin = _allowed_origin_or_none((request.view_args or {}).get("public_id"))
    return _cors(response, origin) if origin else response


def _allowed_origin_or_none(public_id: str | None) -> str | None:
    if not public_id or "\x00" in public_id:
        return None
    try:
        site = db.session.execute(select(BrowserSite).where(BrowserSite.public_id == public_id)
                                  ).scalar_one_or_none()
    except SQLAlchemyError:  # the answer is already an error: it goes out without CORS
        db.session.rollback()
        return None
    origin = request.headers.get("Origin", "")
    return origin if site is not None and origin in site.origins else None
