"""A bare Flask app of the same shape as POST /v1/comments: parse JSON, answer 201.

The load benchmark runs it beside the real service to show what the moderation costs.
"""

from __future__ import annotations

import itertools

from flask import Flask, jsonify, request

_ids = itertools.count(1)


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/v1/comments")
    def submit():  # noqa: ANN202
        data = request.get_json(silent=True)
        if not isinstance(data, dict) or not data.get("body"):
            return jsonify(status=422, errors={"body": ["This field is required."]}), 422
        return jsonify(id=next(_ids), status="published", reasons=[], scores={},
                       policy_version="bare", model_version="bare"), 201

    return app
