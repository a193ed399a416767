"""The submit path loads no review code (the review blueprints, the workflow)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["service.intake.pipeline", "service.intake.comments",
                                    "service.intake.stored_facts"])
def test_the_submit_path_does_not_import_review_code(module: str) -> None:
    code = (f"import sys, {module}; "
            "print(sorted(m for m in sys.modules if m.startswith('service.review')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "[]"
