"""Bearer-key authentication and role checks for views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request

from service.errors import ApiError
from service.keys import verify
from service.models import ApiKey, Role

F = TypeVar("F", bound=Callable[..., Any])

# Which roles may use an endpoint that asks for a given role.
_ALLOWED = {
    Role.SITE: {Role.SITE},
    Role.MODERATOR: {Role.MODERATOR, Role.ADMIN},
    Role.ADMIN: {Role.ADMIN},
}
MAX_KEY_LENGTH = 200


def current_key() -> ApiKey:
    return g.api_key


def _bearer_secret() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise ApiError(401, "Send an API key as 'Authorization: Bearer <key>'.",
                       kind="missing-key")
    if len(secret) > MAX_KEY_LENGTH:
        raise ApiError(401, "The API key is not valid.", kind="invalid-key")
    return secret


def require(role: Role) -> Callable[[F], F]:
    """Decorate a view so that it needs a live key of ``role`` (admins pass moderator checks)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = verify(_bearer_secret())
            if key is None:
                raise ApiError(401, "The API key is not valid.", kind="invalid-key")
            if Role(key.role) not in _ALLOWED[role]:
                raise ApiError(403, f"This endpoint needs a {role.value} key; this is a "
                               f"{key.role} key.", kind="wrong-role")
            g.api_key = key
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def review_endpoint(blp: Any, rule: str, method: str,
                    role: Role = Role.MODERATOR) -> Callable[[F], F]:
    """Route a review view: rate-limited per key, then the role check, then documented.

    The same stack for every moderator and admin endpoint, in the order that matters: the
    limit is counted before the key is checked, so guessing keys is limited too.
    """
    from service.limits import review_limit

    scheme = "adminKey" if role is Role.ADMIN else "moderatorKey"

    def decorate(view: F) -> F:
        documented = blp.doc(security=[{scheme: []}])(view)
        return blp.route(rule, methods=[method])(review_limit(require(role)(documented)))

    return decorate
