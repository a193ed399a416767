"""The comment moderation web service.

``create_app`` lives in :mod:`service.app`; it is imported lazily here so that
``gunicorn 'service:create_app()'`` works without making every import of a
``service`` submodule pull in the whole web stack.
"""

from __future__ import annotations

from typing import Any


def create_app(config: dict[str, Any] | None = None):  # noqa: ANN201 - returns flask.Flask
    """Build the Flask application (see :func:`service.app.create_app`)."""
    from service.app import create_app as _create_app

    return _create_app(config)
