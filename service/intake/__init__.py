"""The submit path: a comment from a site's server or a reader's browser, validated,
scored, decided by the site's policy, routed and stored (see docs/architecture.md)."""
