"""Fuzz every operation from the service's own OpenAPI document (schemathesis).

No input may produce a 5xx, and every answer must match what the document says: status,
content type and body schema.  The number of cases is bounded so CI stays quick.
"""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.slow
CASES_PER_OPERATION = 25
# What the service promises: no 5xx, and answers as documented.  (Whether a schema-valid
# request is accepted also depends on the site's policy and data, so that is not checked.)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


def test_no_input_breaks_the_api(app: Flask, site_key: str, moderator_key: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        headers = {"Authorization": "Bearer " + (
            moderator_key if operation.path.startswith("/v1/review") else site_key)}

        @given(case=operation.as_strategy())
        @settings(max_examples=CASES_PER_OPERATION, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck), database=None)
        def run(case) -> None:  # noqa: ANN001
            case.call_and_validate(headers=headers, checks=CHECKS)  # noqa: B023 - run() is called right away

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure
            failures[f"{operation.method.upper()} {operation.path}"] = str(exc)[:2000]
    assert not failures, "\n\n".join(f"{op}: {msg}" for op, msg in failures.items())
