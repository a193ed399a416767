"""The comment policy engine: load editor-written policy files, evaluate comments against them.

Pure library: no Flask, no database.  The service passes what it knows through ``Facts``.
"""

from .facts import Answers, BatchFacts, Facts, MemoryFacts, Questions, fingerprint
from .loader import load_policy, load_policy_file
from .model import (
    Action,
    AuthorRecord,
    Decision,
    FieldLimit,
    PolicyError,
    Problem,
    Reason,
    ReportRules,
    Submission,
    Texts,
)
from .policy import FieldRules, Policy, Rule

__all__ = [
    "Action",
    "Answers",
    "AuthorRecord",
    "BatchFacts",
    "Decision",
    "Facts",
    "FieldLimit",
    "FieldRules",
    "MemoryFacts",
    "Policy",
    "PolicyError",
    "Problem",
    "Questions",
    "Reason",
    "ReportRules",
    "Rule",
    "Submission",
    "Texts",
    "fingerprint",
    "load_policy",
    "load_policy_file",
]
