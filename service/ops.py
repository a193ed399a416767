"""Operations endpoints: liveness, readiness and the human-readable API page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    render_template_string,
    send_from_directory,
)
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from swagger_ui_bundle import swagger_ui_path

from service.extensions import db
from service.runtime import current_runtime

blp = Blueprint("ops", __name__)

DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Comment moderation API</title>
  <link rel="stylesheet" href="{{ url_for('ops.docs_asset', filename='swagger-ui.css') }}">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{{ url_for('ops.docs_asset', filename='swagger-ui-bundle.js') }}"></script>
  <script src="{{ url_for('ops.docs_asset', filename='swagger-ui-standalone-preset.js') }}">
  </script>
  <script src="{{ url_for('ops.docs_init') }}"></script>
</body>
</html>
"""
DOCS_INIT = """window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: %r, dom_id: "#swagger-ui", deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout", validatorUrl: null
  });
};
"""
DOCS_ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js",
               "favicon-32x32.png", "favicon-16x16.png"}


@blp.get("/healthz")
def healthz() -> Any:
    """The process is alive and answering."""
    return jsonify(status="ok")


@blp.get("/readyz")
def readyz() -> Any:
    """Ready when the database answers and a policy and a model are loaded."""
    runtime = current_runtime()
    checks: dict[str, Any] = {}
    ready = True
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except SQLAlchemyError as exc:
        db.session.rollback()
        checks["database"] = {"ok": False, "error": type(exc).__name__}
        ready = False
    policy = runtime.policy_for(runtime.default_site)
    problems = runtime.problems()
    checks["policy"] = {"ok": policy is not None,
                        "version": policy.version if policy is not None else None,
                        "problems": problems}
    ready &= policy is not None
    model = runtime.model
    checks["model"] = {"ok": model is not None,
                       "version": model.version if model is not None else None,
                       "error": runtime.model_error}
    if model is not None and model.second_stage is not None:
        # the fast path scores alone when the encoder cannot load: ready, but say so
        checks["model"]["second_stage"] = ("on" if model.second_stage_error is None
                                           else f"off: {model.second_stage_error}")
    site_problems = runtime.site_model_problems()
    if site_problems:  # those sites are scored by the shipped model meanwhile
        checks["model"]["site_models"] = site_problems
    ready &= model is not None
    from service.limits import storage_status

    checks["rate_limits"] = storage_status()
    if current_app.config.get("RATELIMIT_STORAGE_REQUIRED"):
        ready &= checks["rate_limits"]["ok"]
    if not ready:
        checks["mode"] = "fail-safe: every comment is held for review"
    return jsonify(status="ready" if ready else "not ready", checks=checks), (
        200 if ready else 503)


@blp.get("/docs")
def docs() -> Any:
    """Swagger UI for /openapi.json, served from the package's own copy (works offline)."""
    return render_template_string(DOCS_PAGE)


@blp.get("/docs/init.js")
def docs_init() -> Any:
    body = DOCS_INIT % "/openapi.json"
    return current_app.response_class(body, mimetype="text/javascript")


@blp.get("/docs/assets/<path:filename>")
def docs_asset(filename: str) -> Any:
    if filename not in DOCS_ASSETS:
        abort(404)
    return send_from_directory(Path(swagger_ui_path), filename, max_age=86400)
