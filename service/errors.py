"""The one error shape of the API: RFC 9457 ``application/problem+json``.

Every error a client sees, from a missing field to a database outage, is a problem body
with ``type``, ``title``, ``status``, ``detail`` and, for validation, ``errors`` mapping
each field to its messages.  Unexpected exceptions are logged with their traceback and
answered with a bare 500 problem: the client never sees a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask import Response, json
from flask_smorest import Api
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from service.domain_errors import Conflict, DomainError, InvalidField, NotFound, Refused, Unreadable
from service.i18n import N_, gettext

log = logging.getLogger(__name__)

# Readers see these too (in their language once a submit view has chosen it).
SERVER_FAILED = N_("The server failed to handle the request; it has been logged.")
DATABASE_UNAVAILABLE = N_(
    "The database is unavailable; nothing was stored. Retry the request later.")

PROBLEM_TYPE = "https://moderation.invalid/problems/"
RETRY_AFTER_SECONDS = 5


class ProblemSchema(ma.Schema):
    """The error body (documentation only: bodies are built by :func:`problem`)."""

    type = ma.fields.String(metadata={"description": "A URI naming the kind of problem"})
    title = ma.fields.String(metadata={"description": "Short summary of the kind of problem"})
    status = ma.fields.Integer(metadata={"description": "The HTTP status code"})
    detail = ma.fields.String(metadata={"description": "What went wrong with this request"})
    errors = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Per-field messages, for validation problems"},
    )
    # Extension members of conflicts (409), so that a client can show what happened instead.
    current_status = ma.fields.String(
        metadata={"description": "Conflicts: the comment's status now"})
    decided_by = ma.fields.String(
        allow_none=True, metadata={"description": "Conflicts: who decided the comment"})
    decided_at = ma.fields.DateTime(
        allow_none=True, metadata={"description": "Conflicts: when it was decided"})
    claimed_by = ma.fields.String(
        metadata={"description": "Conflicts: who holds the claim on the comment"})
    claim_expires_at = ma.fields.DateTime(
        metadata={"description": "Conflicts: when that claim runs out"})


class ApiError(Exception):
    """Raise in a view to answer with a problem body."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        kind: str | None = None,
        errors: Mapping[str, list[str]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.kind = kind
        self.errors = errors
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})


# The one mapping of the domain's refusals to HTTP: the most specific class listed wins.
STATUS_OF: dict[type[DomainError], int] = {
    Unreadable: 400, Refused: 403, NotFound: 404, Conflict: 409, InvalidField: 422,
    DomainError: 400,
}


def status_of(error: DomainError) -> int:
    """The HTTP status a domain error is answered with."""
    return next(STATUS_OF[c] for c in type(error).__mro__ if c in STATUS_OF)


def as_api_error(error: DomainError) -> ApiError:
    """The problem a domain error is answered with."""
    return ApiError(status_of(error), error.detail, kind=error.kind, errors=error.errors or None,
                    extra=error.extra)


def problem(
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    title: str | None = None,
    errors: Mapping[str, list[str]] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """Build a ``application/problem+json`` response."""
    from http import HTTPStatus

    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + (kind or phrase.lower().replace(" ", "-")),
        "title": title or phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = {field: list(messages) for field, messages in errors.items()}
    if extra:
        body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    response.headers.update(headers or {})
    return response


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn marshmallow's nested error dict into ``{"field": ["message", ...]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, Mapping | list) and not _is_message_list(value):
                flat.update(flatten_messages(value, name))
            else:
                flat[name] = [str(m) for m in (value if isinstance(value, list) else [value])]
    elif isinstance(messages, list):
        flat[prefix or "_schema"] = [str(m) for m in messages]
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat


def _is_message_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


class ProblemApi(Api):
    """flask-smorest's ``Api`` answering every error with a problem body."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        """Document error responses as ``application/problem+json`` (the library says JSON)."""
        import http

        from flask_smorest.utils import prepare_response

        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, "application/problem+json")
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, "application/problem+json")
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)

    def _register_error_handlers(self) -> None:
        app = self._app
        app.register_error_handler(HTTPException, self.handle_http_exception)
        app.register_error_handler(ApiError, _handle_api_error)
        app.register_error_handler(DomainError, _handle_domain_error)
        app.register_error_handler(OperationalError, _handle_database_unavailable)
        app.register_error_handler(DBAPIError, _handle_database_error)

    def handle_http_exception(self, error: HTTPException) -> Response:  # type: ignore[override]
        if isinstance(error, InternalServerError):
            original = getattr(error, "original_exception", None)
            if original is not None:
                log.error("unhandled error", exc_info=original)
            return problem(500, gettext(SERVER_FAILED))
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages")
        if errors:
            # webargs nests messages under the location ("json", "query"); flatten that away.
            if isinstance(errors, Mapping) and len(errors) == 1:
                (only,) = errors.values()
                if isinstance(only, Mapping):
                    errors = only
            errors = flatten_messages(errors)
        code = error.code or 500
        headers = dict(data.get("headers") or {})
        if code == 401:
            headers.setdefault("WWW-Authenticate", 'Bearer realm="moderation"')
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            headers.setdefault("Allow", ", ".join(error.valid_methods))  # RFC 9110: required
        return problem(
            code,
            data.get("message") or error.description or error.name,
            errors=errors,
            headers=headers,
        )


def _handle_api_error(error: ApiError) -> Response:
    headers = dict(error.headers)
    if error.status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="moderation"')
    return problem(
        error.status,
        error.detail,
        kind=error.kind,
        errors=error.errors,
        headers=headers,
        extra=error.extra,
    )


def _handle_domain_error(error: DomainError) -> Response:
    return _handle_api_error(as_api_error(error))


def _rollback() -> None:
    from service.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is already broken; nothing to undo
        log.debug("rollback after database error failed", exc_info=True)


def _handle_database_unavailable(error: OperationalError) -> Response:
    log.error("database unavailable: %s", error.orig if error.orig else error)
    _rollback()
    return problem(
        503,
        gettext(DATABASE_UNAVAILABLE),
        kind="database-unavailable",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _handle_database_error(error: DBAPIError) -> Response:
    if error.connection_invalidated:
        return _handle_database_unavailable(error)  # type: ignore[arg-type]
    log.error("database error", exc_info=error)
    _rollback()
    return problem(500, gettext(SERVER_FAILED))
