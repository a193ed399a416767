"""The moderation work of POST /v1/comments and nothing else: a ceiling for the service.

Parses JSON, validates it with the default policy's schema (marshmallow), scores the body
with the default model (with explanations), evaluates the default policy with facts answered
from memory (no database), and answers 201 with the decision.  No database, no keys, no rate
limits, no metrics, no log line.  The load benchmark runs it beside the service and the bare
app: its throughput is the most the service could reach on this machine if storing,
authentication and the rest cost nothing.
"""

from __future__ import annotations

import itertools

import marshmallow as ma
from flask import Flask, jsonify, request

from classifier import DEFAULT_MODEL_PATH, load_model
from policy_engine import MemoryFacts, Submission
from policy_engine.loader import load_policy
from service.schemas import submission_schema

_ids = itertools.count(1)


def create_app(policy_dir: str = "policies") -> Flask:
    app = Flask(__name__)
    model = load_model(DEFAULT_MODEL_PATH)
    policy = load_policy(policy_dir)
    schema = submission_schema(policy.fields.required, policy.fields.limits)

    @app.post("/v1/comments")
    def submit():  # noqa: ANN202
        try:
            fields = schema.load(request.get_json(silent=True) or {})
        except ma.ValidationError as err:
            return jsonify(status=422, errors=err.messages), 422
        submission = Submission(site="bench", thread=fields.get("thread", ""),
                                name=fields.get("name", ""), email=fields.get("email", ""),
                                body=fields["body"], website=fields.get("website"),
                                ip=str(fields["ip"]) if fields.get("ip") is not None
                                else request.remote_addr)
        scored = model.score(submission.body)
        decision = policy.evaluate(submission, scored.scores, MemoryFacts())
        return jsonify(id=next(_ids), status=str(decision.action),
                       reasons=[r.rule for r in decision.reasons],
                       scores={k: round(float(v), 6) for k, v in scored.scores.items()},
                       terms={k: [(t, round(float(w), 4)) for t, w in v[:5]]
                              for k, v in scored.terms.items()},
                       policy_version=decision.policy_version, model_version=model.version), 201

    return app
