"""The ``moderation`` command as an operator first meets it: fast and quiet."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

MODERATION = Path(sys.executable).parent / "moderation"


def run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "LOG_LEVEL"}
    return subprocess.run([str(MODERATION), *args], capture_output=True, text=True,
                          timeout=120, env={**environ, **env}, check=False)


@pytest.fixture
def db_env(app: Flask, _migrated: str, policy_dir: Path) -> dict[str, str]:
    return {"DATABASE_URL": _migrated, "POLICY_DIR": str(policy_dir)}


def test_help_lists_the_commands_and_says_nothing_else(tmp_path: Path) -> None:
    result = run(["--help"], INSTANCE_PATH=str(tmp_path))
    assert result.returncode == 0, result.stderr
    for command in ("keys", "policy", "model", "webhooks", "db"):
        assert f"  {command} " in result.stdout
    assert result.stderr == ""  # no JSON log lines about models and policies


def test_keys_create_prints_the_secret_and_one_plain_line(db_env: dict[str, str]) -> None:
    result = run(["keys", "create", "--role", "site", "--site", "news"], **db_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("cm_") and len(result.stdout.split()) == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("Created site key ") and "for site news" in line


def test_log_level_still_speaks_when_asked(db_env: dict[str, str]) -> None:
    result = run(["policy", "--help"], LOG_LEVEL="DEBUG", **db_env)
    assert result.returncode == 0
    assert "backtest" in result.stdout


def test_a_command_loads_neither_model_nor_scikit_learn_unless_it_scores() -> None:
    """What made every command take seconds: the model (and scikit-learn, SciPy) loaded
    when the app was made.  It now loads on first use."""
    code = ("import sys; from service.tools.cli import create_cli_app; app = create_cli_app(); "
            "runtime = app.extensions['moderation.runtime']; "
            "print('sklearn' in sys.modules, runtime._model_loaded); "
            "print(runtime.model is not None, 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout.split("\n")
    assert out[0] == "False False"  # made: nothing loaded
    assert out[1] == "True True"  # asked for: loaded
