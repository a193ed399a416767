"""The Docker image's layout, without a Docker engine (there is none on our machines).

The image installs the package from the files its build stage copies (not the checkout)
and starts `docker-entrypoint` in a folder holding only what its runtime stage copies. This
test reads those lists from the Dockerfile itself, builds the same layout in a temporary
folder, and runs the entrypoint: so a data file left out of the package (the model, the
migrations, the API page's assets) or out of the image fails here, not in production.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.server import REPO, free_port, request, stop, wait_until_up

pytestmark = pytest.mark.slow


def dockerfile_copies() -> tuple[list[str], list[tuple[str, str]]]:
    """The build stage's sources and the runtime stage's (source, destination) pairs."""
    stages: list[list[list[str]]] = []
    for line in (REPO / "Dockerfile").read_text().splitlines():
        if not line.startswith(("FROM ", "COPY ")):
            continue
        words = shlex.split(line, comments=True)
        if words[0] == "FROM":
            stages.append([])
        elif not any(w.startswith("--from") for w in words):  # --from: between stages
            stages[-1].append([w for w in words[1:] if not w.startswith("--")])  # --chown...
    build, runtime = stages
    return [src for words in build for src in words[:-1]], [
        (src, words[-1]) for words in runtime for src in words[:-1]]


def copy_into(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        shutil.copy2(source, target)


def test_the_dockerfile_layout_installs_and_serves(app, _migrated: str,  # noqa: ANN001
                                                   tmp_path: Path) -> None:
    """On the test database (SQLite, or PostgreSQL as in production); the entrypoint's
    migration step then finds the schema up to date, as after a container restart, and the
    ``app`` fixture empties the tables afterwards."""
    build_sources, runtime_copies = dockerfile_copies()
    src = tmp_path / "src"
    src.mkdir()
    for name in build_sources:
        copy_into(REPO / name, src / name)
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(site), str(src)], check=True, timeout=600)
    assert list(site.glob("comment_moderation-*.dist-info/licenses/LICENSE"))

    image = tmp_path / "app"  # the image's /app
    image.mkdir()
    for name, dest in runtime_copies:
        dest = dest.removeprefix("/app/").removeprefix("./")
        copy_into(REPO / name, image / dest / Path(name).name if dest.endswith("/") or not dest
                  else image / dest)
    (image / "instance").mkdir()

    # Only the installed package: dependencies come from the test environment, the project
    # itself from `site` (checked below), and the working folder is the image's /app.
    port = free_port()
    env = {"PATH": os.pathsep.join([str(site / "bin"), str(Path(sys.executable).parent),
                                    "/usr/bin", "/bin"]),
           "HOME": str(image), "PYTHONPATH": str(site), "DATABASE_URL": _migrated,
           "BIND": f"127.0.0.1:{port}",
           "POLICY_DIR": str(image / "policies"), "INSTANCE_PATH": str(image / "instance"),
           "WEB_CONCURRENCY": "1", "RATELIMIT_ENABLED": "0"}
    where = subprocess.run([sys.executable, "-c", "import service, classifier, policy_engine;"
                            "print(service.__file__, classifier.__file__)"],
                           cwd=image, env=env, capture_output=True, text=True, check=True)
    assert all(path.startswith(str(site)) for path in where.stdout.split()), where.stdout

    log_file = tmp_path / "server.log"
    log = log_file.open("w")
    server = subprocess.Popen(["./docker-entrypoint"], cwd=image, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        ready = wait_until_up(base + "/readyz", server, log_file, seconds=90)
        shipped = json.loads((REPO / "classifier" / "default_model" / "manifest.json")
                             .read_text())["model_version"]
        assert ready["status"] == "ready"
        assert ready["checks"]["model"]["version"] == shipped
        key = subprocess.run(["moderation", "keys", "create", "--role", "site", "--site",
                              "news", "--label", "image test"], cwd=image, env=env,
                             capture_output=True, text=True, check=True).stdout.strip()
        status, created, _ = request(base + "/v1/comments", {
            "thread": "a", "name": "Ann", "email": "ann@example.org",
            "body": "You are an 1d10t and everyone here knows it."}, key)
        assert status == 201 and created["status"] in ("pending", "rejected"), created
        assert created["model_version"] == shipped
        assert request(base + "/openapi.json")[0] == 200
        with urllib.request.urlopen(base + "/docs", timeout=10) as page:  # noqa: S310
            assert page.status == 200 and b"<html" in page.read().lower()
        # the image's HEALTHCHECK, run as Docker runs it, passes on a ready server
        check = healthcheck_command().replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        assert "/readyz" in check
        assert subprocess.run(["sh", "-c", check], cwd=image, env=env,
                              timeout=30).returncode == 0
    finally:
        stop(server)
        log.close()
    # `docker run IMAGE moderation ...` runs that command, not the server
    listed = subprocess.run(["./docker-entrypoint", "moderation", "keys", "list"], cwd=image,
                            env=env, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert "image test" in listed.stdout
    assert "listening on" not in listed.stderr
    # ... and the health check fails where no server answers
    assert subprocess.run(["sh", "-c", check], cwd=image, env=env, capture_output=True,
                          timeout=30).returncode != 0


def healthcheck_command() -> str:
    """The shell command of the Dockerfile's HEALTHCHECK (``CMD`` in shell form)."""
    (line,) = [line for line in (REPO / "Dockerfile").read_text().splitlines()
               if line.startswith("HEALTHCHECK ")]
    return line.split(" CMD ", 1)[1]


def test_compose_starts_the_stack_with_the_image() -> None:
    """compose.yaml (no engine here to run it): PostgreSQL, Redis, the service and a webhook
    worker from the same image, wired by the settings the service reads."""
    import yaml

    from service import config

    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "redis", "app", "webhooks"}
    app, worker = services["app"], services["webhooks"]
    assert app["build"] == worker["build"] == "."
    assert "command" not in app  # the entrypoint's default: migrate, then gunicorn
    assert worker["command"] == ["moderation", "webhooks", "run"]
    assert worker["depends_on"]["app"]["condition"] == "service_healthy"  # migrated first
    for service in (app, worker):
        env = service["environment"]
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
        assert "@db:5432/" in env["DATABASE_URL"] and env["REDIS_URL"].startswith("redis://redis:")
    assert app["environment"]["BIND"].startswith("0.0.0.0:")
    assert {"db", "redis"} <= set(app["depends_on"])
    # the settings named are ones the service reads
    source = Path(config.__file__).read_text() + (REPO / "gunicorn.conf.py").read_text()
    for name in {*app["environment"], *worker["environment"]}:
        assert f'"{name}"' in source, name
