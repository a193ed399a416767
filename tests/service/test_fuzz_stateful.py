"""Stateful fuzzing: schemathesis follows the document's links between operations.

A comment it submits is then read, reported, claimed, decided, banned from, removed and
reopened; a decision is undone; a ban is lifted; a webhook deleted.  No sequence may end
in a 5xx, and every answer must be as documented.  It runs once per ``scripts/test``, on
PostgreSQL (where text the database refuses used to surface), and prints its counts.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings

from tests.service.test_fuzz import CHECKS

pytestmark = pytest.mark.slow
SCENARIOS = 60
STEPS_PER_SCENARIO = 8


def test_linked_operations_never_break(app: Flask, is_postgres: bool, site_key: str,
                                       admin_key: str, capsys: pytest.CaptureFixture) -> None:
    if not is_postgres:
        pytest.skip("runs once per scripts/test: in its PostgreSQL pass")
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    # Follow the document's own links only (not links schemathesis guesses from names) ...
    schema.config.phases.stateful.inference.algorithms = []
    # ... and start from a submission: its optional parent_id and author_id made
    # schemathesis take it for a consumer of "Parent" and "Author" resources that nothing
    # produces, so it never started there.
    submit = schema.analysis.dependency_graph.operations["POST /v1/comments"]
    submit.inputs = [slot for slot in submit.inputs
                     if slot.resource.name not in ("Parent", "Author")]
    calls: Counter[str] = Counter()
    succeeded: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    scenarios = [0]

    class Machine(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            scenarios[0] += 1

        def before_call(self, case: Any) -> None:
            admin = case.path.startswith(("/v1/review", "/v1/admin"))
            case.headers = {**(case.headers or {}),
                            "Authorization": f"Bearer {admin_key if admin else site_key}"}

        def after_call(self, response: Any, case: Any) -> None:
            operation = f"{case.method.upper()} {case.path}"
            calls[operation] += 1
            succeeded[operation] += response.status_code < 300
            statuses[response.status_code] += 1

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None,
                              **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Machine.run(settings=settings(max_examples=SCENARIOS, stateful_step_count=STEPS_PER_SCENARIO,
                                  deadline=None, derandomize=True, database=None,
                                  suppress_health_check=list(HealthCheck)))
    linked = {op for op in calls if "{" in op}
    with capsys.disabled():
        print(f"\nstateful fuzz: {scenarios[0]} scenarios, {sum(calls.values())} calls to "
              f"{len(calls)} operations ({len(linked)} reached through links); statuses "
              + ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items())))
        for operation, n in sorted(calls.items()):
            print(f"  {operation}: {n} calls, {succeeded[operation]} 2xx")
    assert not [code for code in statuses if code >= 500]
    # the links were followed, and led somewhere: not only 404s from made-up ids
    assert len(linked) >= 5, calls
    assert sum(succeeded[op] for op in linked) >= 10, succeeded
