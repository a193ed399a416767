"""Telling the site: the outbox written with each change, the events feed, webhook
endpoints, and the delivery worker."""
