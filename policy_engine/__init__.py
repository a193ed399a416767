"""The comment policy engine: load editor-written policy files, evaluate comments against them.

Pure library: no Flask, no database.  The service passes what it knows through ``Facts``.
"""

from .facts import Facts, MemoryFacts, fingerprint
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
)
from .policy import FieldRules, Policy, Rule

__all__ = [
    "Action",
    "AuthorRecord",
    "Decision",
    "Facts",
    "FieldLimit",
    "FieldRules",
    "MemoryFacts",
    "Policy",
    "PolicyError",
    "Problem",
    "Reason",
    "ReportRules",
    "Rule",
    "Submission",
    "fingerprint",
    "load_policy",
    "load_policy_file",
]
