"""``moderation policy backtest`` on stored comments and on a labelled CSV."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from tests.service.intake.test_submit import GOOD, post


def _draft(policy_dir: Path, tmp_path: Path) -> Path:
    """A copy of the live policy with one more rule: hold comments that mention 'budget'."""
    draft = tmp_path / "draft"
    shutil.copytree(policy_dir, draft)
    default = draft / "default.yaml"
    default.write_text(default.read_text() + """
rules:
  - id: budget-talk
    when: {body: {has_word: [budget]}}
    action: hold
    reason: Budget comments are reviewed this week.
""")
    return draft


def test_backtest_on_stored_comments_lists_what_flips(app: Flask, client: FlaskClient,
                                                     site_key: str, moderator_key: str,
                                                     policy_dir: Path, tmp_path: Path) -> None:
    budget = post(client, site_key, GOOD).get_json()
    other = post(client, site_key, {**GOOD, "body": "Lovely photos of the harbour."}).get_json()
    assert budget["status"] == other["status"] == "published"
    draft = _draft(policy_dir, tmp_path)
    result = app.test_cli_runner().invoke(
        args=["policy", "backtest", str(draft), "--site", "news", "--since", "1h"])
    assert result.exit_code == 0, result.output
    assert "2 comments" in result.output
    assert f"{budget['id']}: approve -> hold (budget-talk)" in result.output
    assert f"{other['id']}:" not in result.output
    assert "1 decisions changed" in result.output


def test_backtest_on_a_csv_compares_with_the_live_policy(app: Flask, policy_dir: Path,
                                                         tmp_path: Path) -> None:
    data = tmp_path / "labelled.csv"
    data.write_text("text,label\nThe budget is too small,0\nNice harbour photos,0\n")
    result = app.test_cli_runner().invoke(
        args=["policy", "backtest", str(_draft(policy_dir, tmp_path)), "--data", str(data)])
    assert result.exit_code == 0, result.output
    assert "row 1: approve -> hold (budget-talk)" in result.output
    assert "against labels" in result.output


def test_backtest_of_a_broken_draft_reports_file_and_line(app: Flask, policy_dir: Path,
                                                          tmp_path: Path) -> None:
    draft = tmp_path / "broken"
    shutil.copytree(policy_dir, draft)
    (draft / "default.yaml").write_text("extends: base.yaml\nrules:\n  - id: x\n    acton: hold\n")
    result = app.test_cli_runner().invoke(args=["policy", "backtest", str(draft)])
    assert result.exit_code == 1
    assert "default.yaml:4" in result.output or "default.yaml:3" in result.output


def test_backtest_bad_duration(app: Flask, policy_dir: Path) -> None:
    result = app.test_cli_runner().invoke(args=["policy", "backtest", str(policy_dir),
                                                "--since", "soon"])
    assert result.exit_code == 2
    assert "--since" in result.output


def test_backtest_on_a_site_without_comments_names_the_sites_that_have_some(
        app: Flask, client: FlaskClient, site_key: str, other_site_key: str,
        policy_dir: Path, tmp_path: Path) -> None:
    post(client, site_key, GOOD)
    post(client, site_key, {**GOOD, "body": "Lovely photos of the harbour."})
    post(client, other_site_key, GOOD)
    draft = _draft(policy_dir, tmp_path)
    result = app.test_cli_runner().invoke(args=["policy", "backtest", str(draft)])
    assert result.exit_code == 0, result.output
    assert "0 comments" in result.output
    assert ("Site 'default' has no comments in the last 30d; these sites have: "
            "news (2 comments), other (1 comment). Choose one with --site, e.g. --site news."
            ) in result.output
    # a site that has comments is not told about the others
    chosen = app.test_cli_runner().invoke(args=["policy", "backtest", str(draft), "--site",
                                                "other"])
    assert "these sites have" not in chosen.output
