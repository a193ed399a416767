"""Moderators' work: the review queue, decisions and overrides, bans, readers' reports,
the QA sample, the audit trail, and the moderator page (``moderate/``)."""
