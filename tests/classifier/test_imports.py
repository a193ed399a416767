"""The classifier is a library: importing it must not drag in the web stack."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_classifier_imports_no_flask_or_service():
    code = ("import classifier, classifier.cli, sys; "
            "bad = [m for m in ('flask', 'sqlalchemy', 'service') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
