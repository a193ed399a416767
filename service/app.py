"""The application factory."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from service import config, limits, logs, metrics
from service.errors import ProblemApi
from service.extensions import db, migrate
from service.i18n import say_content_language
from service.input_guard import refuse_unstorable_input
from service.limits import reject_unparseable_json
from service.runtime import Runtime, install
from service.schemas import MAX_ID, SubmissionSchema, submission_schema
from service.tools import cli

log = logging.getLogger("service.request")


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment (then ``overrides``), extensions, routes."""
    app = Flask(__name__, instance_relative_config=True,
                instance_path=os.environ.get("INSTANCE_PATH") or None)
    app.config.update(config.from_environment(app.instance_path))
    app.config.update(
        API_TITLE="Comment moderation API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        # No ping before each request (a round trip on every one): a connection that died
        # with the database fails its first statement, that request gets a 503, and the
        # pool drops every connection older than the failure.
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False, "pool_recycle": 3600},
        JSON_SORT_KEYS=False,
    )
    app.config.update(overrides or {})
    logs.configure(app.config["LOG_LEVEL"])

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)
    if app.config["TRUSTED_PROXIES"] > 0:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore

    db.init_app(app)
    migrate.init_app(app, db)
    limits.init_app(app)
    app.before_request(reject_unparseable_json)
    app.before_request(refuse_unstorable_input)
    app.after_request(say_content_language)
    app.url_map.converters["id"] = IdConverter
    runtime = Runtime(
        policy_dir=app.config["POLICY_DIR"],
        default_site=app.config["DEFAULT_SITE_POLICY"],
        model_path=app.config["MODEL_PATH"],
        reload_seconds=app.config["POLICY_RELOAD_SECONDS"],
        site_models_dir=app.config.get("SITE_MODELS_DIR"),
        lazy=bool(app.config.get("LAZY_RUNTIME")),
    )
    runtime.install_signal_handler()
    install(app, runtime)

    api = ProblemApi(app)
    api.register_converter(IdConverter, lambda _: {"type": "integer", "format": "int64",
                                                   "minimum": 1, "maximum": MAX_ID})
    _describe_api(api, runtime)

    from service import ops
    from service.akismet import api as akismet
    from service.events import api as events
    from service.intake import browser, comments, edits, threads
    from service.review import api as review
    from service.review import audit, bans, qa, reports

    app.register_blueprint(metrics.blp)
    app.register_blueprint(akismet.blp)  # Akismet's own API: plain text, not in /openapi.json

    api.register_blueprint(comments.blp)
    for blueprint in (browser.blp, review.blp, reports.blp, bans.blp, audit.blp, events.blp,
                      threads.blp, qa.blp, edits.blp):
        api.register_blueprint(blueprint)
    app.register_blueprint(ops.blp)
    from service.review.moderate.views import blp as moderate_page

    app.register_blueprint(moderate_page)
    cli.register(app)
    _log_requests(app)
    return app


class IdConverter(IntegerConverter):
    """``<id:name>`` in a route: a positive 64-bit integer, else 404 (never a database error)."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def _describe_api(api: ProblemApi, runtime: Runtime) -> None:
    """Security schemes, and the submission schema as the default policy makes it."""
    spec = api.spec
    policy = runtime.policy_for(runtime.default_site)
    schema = (submission_schema(policy.fields.required, policy.fields.limits)
              if policy is not None else SubmissionSchema)
    spec.components.schema("Submission", schema=schema, description=(
        "A comment as a form posts it. Required fields and limits come from the site's policy; "
        "shown here as the default policy has them."))
    for name, role in (("siteKey", "site"), ("moderatorKey", "moderator"),
                       ("adminKey", "admin")):
        spec.components.security_scheme(name, {
            "type": "http", "scheme": "bearer",
            "description": f"A {role} key from `moderation keys create --role {role}`",
        })


def _log_requests(app: Flask) -> None:
    @app.before_request
    def _start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _log(response: Any) -> Any:
        started = g.get("started")
        seconds = time.perf_counter() - started if started is not None else None
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        metrics.observe_request(endpoint, request.method, response.status_code, seconds)
        log.info("request", extra={
            "method": request.method, "path": request.path, "status": response.status_code,
            "duration_ms": round(seconds * 1000, 2) if seconds is not None else None,
            "remote_addr": request.remote_addr, **g.get("log_extra", {}),
        })
        return response
