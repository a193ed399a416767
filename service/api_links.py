"""OpenAPI links: which operation a response's ids lead to.

They tell a client (and schemathesis' stateful tests) that the ``id`` of a new comment is
the ``comment_id`` of its status, its reports and its review; that of a new webhook or ban
is what deletes it.  Used as ``@blp.doc(**links_from(201, ...))`` on the producing view.
"""

from __future__ import annotations

from typing import Any


def operation_ref(method: str, path: str) -> str:
    """A JSON pointer to an operation of this document (RFC 6901 escapes)."""
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method.lower()


def links_from(status: int, source: str, *targets: tuple[str, str, str]) -> dict[str, Any]:
    """``blp.doc`` arguments linking the ``status`` response to each ``(name, method, path)``
    target, whose single path parameter is taken from ``source`` (a runtime expression such
    as ``$response.body#/id``)."""
    links = {}
    for name, method, path in targets:
        parameter = path[path.index("{") + 1:path.index("}")]
        links[name] = {"operationRef": operation_ref(method, path),
                       "parameters": {parameter: source}}
    # flask-smorest keys responses by int: a str key would be a second "201" in the JSON
    return {"responses": {status: {"links": links}}}


COMMENT_TARGETS = (
    ("GetComment", "GET", "/v1/comments/{comment_id}"),
    ("ReportComment", "POST", "/v1/comments/{comment_id}/reports"),
    ("ReviewComment", "GET", "/v1/review/comments/{comment_id}"),
    ("ClaimComment", "POST", "/v1/review/comments/{comment_id}/claim"),
    ("DecideComment", "POST", "/v1/review/comments/{comment_id}/decision"),
    ("BanAuthor", "POST", "/v1/review/comments/{comment_id}/ban"),
    ("RemoveComment", "POST", "/v1/review/comments/{comment_id}/remove"),
    ("ReopenComment", "POST", "/v1/review/comments/{comment_id}/reopen"),
    ("EditComment", "PATCH", "/v1/comments/{comment_id}"),
    ("WithdrawComment", "DELETE", "/v1/comments/{comment_id}"),
    ("GradeComment", "POST", "/v1/review/comments/{comment_id}/qa"),
)
NEW_COMMENT = links_from(201, "$response.body#/id", *COMMENT_TARGETS)
DECIDED_COMMENT = links_from(200, "$request.path.comment_id",
                             ("UndoDecision", "POST", "/v1/review/comments/{comment_id}/undo"),
                             ("RestoreComment", "POST",
                              "/v1/review/comments/{comment_id}/restore"))
NEW_WEBHOOK = links_from(201, "$response.body#/id",
                         ("DeleteWebhook", "DELETE", "/v1/webhooks/{endpoint_id}"),
                         ("RotateSecret", "POST", "/v1/webhooks/{endpoint_id}/secret"))
NEW_BAN = links_from(201, "$response.body#/id",
                     ("LiftBan", "DELETE", "/v1/review/bans/{ban_id}"))
