"""Health, readiness, the OpenAPI document and the docs page."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient


def test_healthz(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_reports_database_policy_and_model(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    checks = response.get_json()["checks"]
    assert checks["database"]["ok"] and checks["policy"]["ok"] and checks["model"]["ok"]
    assert checks["policy"]["version"].startswith("sha256:")


def test_openapi_document_describes_the_endpoints(client: FlaskClient) -> None:
    spec = client.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/v1/comments", "/v1/comments/{comment_id}", "/v1/threads/{thread}/comments",
                 "/v1/review/queue", "/v1/review/comments/{comment_id}",
                 "/v1/review/comments/{comment_id}/decision"):
        assert path in spec["paths"], path
    submission = spec["components"]["schemas"]["Submission"]["properties"]
    assert {"thread", "name", "email", "website", "body", "parent_id"} <= set(submission)
    assert "siteKey" in spec["components"]["securitySchemes"]


def test_docs_page_and_its_assets_are_served_locally(client: FlaskClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "http://" not in html and "https://" not in html
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js"):
        assert f"/docs/assets/{asset}" in html
        with client.get(f"/docs/assets/{asset}") as response:
            assert response.status_code == 200
            assert len(response.get_data()) > 1000
    assert client.get("/docs/assets/../../etc/passwd").status_code == 404


def test_model_missing_means_failsafe_hold(app: Flask, client: FlaskClient, site_key: str,
                                           tmp_path: Path) -> None:
    from tests.conftest import auth
    from tests.service.intake.test_submit import GOOD

    runtime = app.extensions["moderation.runtime"]
    runtime.model_path = tmp_path / "no-such-model"
    runtime.load_model()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["model"]["ok"] is False
    body = client.post("/v1/comments", json=GOOD, headers=auth(site_key)).get_json()
    assert body["status"] == "pending"
    assert body["reasons"][-1]["rule"] == "model-unavailable"
    assert body["model_version"] == "unavailable"


def test_a_model_replaced_on_disk_is_read_again_and_a_damaged_one_is_refused(
        app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    """Apps in one process share a loaded model, but never a stale or damaged one."""
    import shutil

    from classifier import DEFAULT_MODEL_PATH

    runtime = app.extensions["moderation.runtime"]
    copy = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_PATH, copy)
    runtime.model_path = copy
    runtime.load_model()
    first = runtime.model
    runtime.load_model()
    assert runtime.model is first  # unchanged on disk: the same loaded copy
    bias = copy / "bias.npy"
    good = bias.read_bytes()
    bias.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))  # tampered: its hash no longer matches
    runtime.load_model()
    assert runtime.model is None and "bias.npy" in runtime.model_error
    assert client.get("/readyz").status_code == 503
    shutil.copy(DEFAULT_MODEL_PATH / "bias.npy", bias)  # repaired: loads again
    runtime.load_model()
    assert runtime.model is not None and runtime.model.version == first.version
    assert client.get("/readyz").status_code == 200


def test_broken_policy_edit_keeps_the_last_good_policy(app: Flask, client: FlaskClient,
                                                       site_key: str, policy_dir: Path) -> None:
    from tests.conftest import auth
    from tests.service.intake.test_submit import GOOD

    before = client.get("/readyz").get_json()["checks"]["policy"]["version"]
    default = policy_dir / "default.yaml"
    default.write_text(default.read_text() + "\nthis is: [not valid\n")
    response = client.post("/v1/comments", json=GOOD, headers=auth(site_key))
    assert response.status_code == 201
    assert response.get_json()["policy_version"] == before
    ready = client.get("/readyz").get_json()
    assert ready["checks"]["policy"]["version"] == before
    problems = ready["checks"]["policy"]["problems"]["default"]
    assert any("default.yaml:" in p for p in problems)


def test_logs_are_json_lines(app: Flask, client: FlaskClient, capfd) -> None:  # noqa: ANN001
    import json
    import logging

    from service.logs import JsonFormatter

    record = logging.makeLogRecord({"msg": "hello %s", "args": ("x",), "levelname": "INFO",
                                    "comment_id": 7})
    line = JsonFormatter().format(record)
    assert json.loads(line)["message"] == "hello x"
    assert json.loads(line)["comment_id"] == 7


def test_valid_policy_edit_takes_effect_without_restart(client: FlaskClient, site_key: str,
                                                        policy_dir: Path) -> None:
    from tests.conftest import auth
    from tests.service.intake.test_submit import GOOD

    before = client.post("/v1/comments", json=GOOD, headers=auth(site_key)).get_json()
    assert before["status"] == "published"
    again = {**GOOD, "body": "A second thought on the budget: the library cuts are too deep."}
    default = policy_dir / "default.yaml"
    default.write_text(default.read_text() + """
rules:
  - id: budget-week
    when: {body: {has_word: [budget]}}
    action: hold
    reason: Budget comments are reviewed this week.
""")
    after = client.post("/v1/comments", json=again, headers=auth(site_key)).get_json()
    assert after["status"] == "pending"
    assert [r["rule"] for r in after["reasons"]][0] == "budget-week"
    assert after["policy_version"] != before["policy_version"]


def test_word_list_edit_takes_effect_without_restart(client: FlaskClient, site_key: str,
                                                     policy_dir: Path) -> None:
    from tests.conftest import auth
    from tests.service.intake.test_submit import GOOD

    # a slur in the reader's name is refused whatever the abuse score (base.yaml, slurs)
    data = {**GOOD, "name": "Blatherskite"}
    assert client.post("/v1/comments", json=data, headers=auth(site_key)
                       ).get_json()["status"] == "published"
    data = {**data, "body": GOOD["body"] + " Again."}
    slurs = policy_dir / "lists" / "slurs.txt"
    slurs.write_text(slurs.read_text() + "\nblatherskite\n")
    refused = client.post("/v1/comments", json=data, headers=auth(site_key)).get_json()
    assert refused["status"] == "rejected"
    assert "slurs" in [r["rule"] for r in refused["reasons"]]
