"""Akismet's REST API over the submit path and the review workflow."""
