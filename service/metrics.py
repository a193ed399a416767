"""Prometheus metrics at ``/metrics``.

Under gunicorn every worker is its own process, so counters are kept in prometheus_client's
multiprocess mode when ``PROMETHEUS_MULTIPROC_DIR`` is set (``gunicorn.conf.py`` sets it):
a scrape then sums all workers.  Queue sizes are read from the database at scrape time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, current_app
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

REQUESTS = Counter("moderation_http_requests_total", "HTTP requests answered",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("moderation_http_request_duration_seconds", "Time to answer a request",
                    ["endpoint"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
DECISIONS = Counter("moderation_decisions_total", "Submissions decided, by outcome", ["status"])
RULE_MATCHES = Counter("moderation_rule_matches_total", "Rules and thresholds that fired",
                       ["rule", "action"])
SHADOW_MATCHES = Counter("moderation_shadow_matches_total",
                         "Rules in shadow mode that matched, by what they would have done",
                         ["rule", "action"])
CLASSIFIER_LATENCY = Histogram("moderation_classifier_seconds", "Time to score one comment",
                               buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                        0.025, 0.1))
REVIEW_DECISIONS = Counter("moderation_review_decisions_total", "Moderator decisions",
                           ["action"])

blp = Blueprint("metrics", __name__)


class QueueCollector(Collector):
    """Queue sizes and the age of the oldest pending comment, read at scrape time."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from sqlalchemy import func, select

        from service.extensions import db
        from service.models import Comment, Delivery, Status, utcnow

        size = GaugeMetricFamily("moderation_queue_size", "Comments by status",
                                 labels=["status"])
        oldest = GaugeMetricFamily("moderation_queue_oldest_seconds",
                                   "Age of the oldest pending comment")
        backlog = GaugeMetricFamily("moderation_webhook_deliveries",
                                    "Webhook deliveries by state (pending is the backlog)",
                                    labels=["state"])
        waiting = GaugeMetricFamily("moderation_queue_waiting", "Items waiting for a moderator",
                                    labels=["queue"])
        waited = GaugeMetricFamily(
            "moderation_queue_waiting_oldest_seconds",
            "How long the oldest item of each queue has waited (0: empty); alert on it",
            labels=["queue"])
        from service.review.queue import waiting_ages

        with self.app.app_context():
            ages = waiting_ages()
            rows = db.session.execute(
                select(Comment.status, func.count(), func.min(Comment.created_at))
                .group_by(Comment.status)).all()
            deliveries = dict(db.session.execute(
                select(Delivery.state, func.count()).where(Delivery.state != "delivered")
                .group_by(Delivery.state)).all())
            db.session.remove()
        for state in ("pending", "dead"):
            backlog.add_metric([state], deliveries.get(state, 0))
        counts = {status: (n, first) for status, n, first in rows}
        for status in Status:
            size.add_metric([status.value], counts.get(status.value, (0, None))[0])
        first_pending = counts.get(Status.PENDING.value, (0, None))[1]
        if first_pending is not None:
            if first_pending.tzinfo is None:
                from datetime import UTC

                first_pending = first_pending.replace(tzinfo=UTC)
            oldest.add_metric([], (utcnow() - first_pending).total_seconds())
        else:
            oldest.add_metric([], 0.0)
        now = utcnow()
        for name, (count, since) in ages.items():
            waiting.add_metric([name], count)
            waited.add_metric([name], (now - since).total_seconds() if since else 0.0)
        yield size
        yield oldest
        yield backlog
        yield waiting
        yield waited


@blp.get("/metrics")
def metrics() -> Response:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry = REGISTRY  # type: ignore[assignment]
    data = generate_latest(registry)
    data += generate_latest(_queue_registry(current_app))
    return Response(data, mimetype=CONTENT_TYPE_LATEST)


def _queue_registry(app: Flask) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(QueueCollector(app))
    return registry


def observe_request(endpoint: str, method: str, status: int, seconds: float | None) -> None:
    """Count and time one answered request, labelled by its route (not the raw path)."""
    REQUESTS.labels(endpoint, method, str(status)).inc()
    if seconds is not None:
        LATENCY.labels(endpoint).observe(seconds)
