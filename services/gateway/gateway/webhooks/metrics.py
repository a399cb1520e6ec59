"""The webhooks worker's own series (beside eplanning_common.metrics, which it exports too).

    eplanning_webhook_attempts_total{result}                  HTTP attempts: ok (2xx) or failed
    eplanning_webhook_attempt_duration_seconds                one attempt, connect to answer
    eplanning_webhook_deliveries_total{outcome}               what an attempt left the delivery in:
                                                              delivered, retrying, dead (attempts used
                                                              up), lease_lost (another worker took it)
    eplanning_webhook_subscriptions_paused_by_worker_total    subscriptions this worker paused after
                                                              consecutive failures
    eplanning_webhook_subscriptions_paused{reason}            paused subscriptions now (failures |
                                                              manual), read from the database at scrape
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from eplanning_common.db import make_engine

from .policy import DEAD, DELIVERED, FAILED
from .schema import subscriptions

log = logging.getLogger(__name__)

ATTEMPTS = Counter("eplanning_webhook_attempts", "Webhook HTTP attempts, by result: ok (2xx) or failed", ["result"])
ATTEMPT_DURATION = Histogram("eplanning_webhook_attempt_duration_seconds", "Duration of one webhook HTTP attempt",
                             buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
DELIVERIES = Counter("eplanning_webhook_deliveries",
                     "Webhook deliveries after an attempt, by outcome: delivered, retrying, dead, lease_lost",
                     ["outcome"])
PAUSED_BY_WORKER = Counter("eplanning_webhook_subscriptions_paused_by_worker",
                           "Subscriptions the worker paused after consecutive failed attempts")

OUTCOMES = {DELIVERED: "delivered", FAILED: "retrying", DEAD: "dead", None: "lease_lost"}


def record_attempt(ok: bool, duration_ms: int, status: str | None, paused: bool) -> None:
    ATTEMPTS.labels("ok" if ok else "failed").inc()
    ATTEMPT_DURATION.observe(duration_ms / 1000)
    DELIVERIES.labels(OUTCOMES.get(status, str(status))).inc()
    if paused:
        PAUSED_BY_WORKER.inc()


class PausedSubscriptions(Collector):
    """Paused subscriptions by reason, counted at scrape (a small table, one grouped count)."""

    def __init__(self, engine: sa.Engine | None):
        self.engine = engine

    def _family(self):
        return GaugeMetricFamily("eplanning_webhook_subscriptions_paused",
                                 "Webhook subscriptions paused now, by reason (failures, manual)", labels=["reason"])

    def describe(self):
        return [self._family()]

    def collect(self):
        family = self._family()
        s = subscriptions
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.text("set local statement_timeout = 2000"))
                counts = dict(conn.execute(
                    sa.select(s.c.pause_reason, sa.func.count()).where(s.c.active.is_(False), s.c.paused_at.isnot(None))
                    .group_by(s.c.pause_reason)).all())
        except Exception as exc:
            log.warning("paused webhook subscriptions not readable for the metrics: %s", str(exc).splitlines()[0])
            return []
        for reason in ("failures", "manual"):
            family.add_metric([reason], counts.pop(reason, 0))
        for reason, count in counts.items():
            family.add_metric([str(reason)], count)
        return [family]


def paused_subscriptions(container) -> PausedSubscriptions:
    from .dispatcher import database_url

    return PausedSubscriptions(make_engine(database_url(container), pool_size=1))


def exported_names() -> set[str]:
    from eplanning_common.metrics.catalogue import sample_names

    names: set[str] = set()
    for metric in (ATTEMPTS, ATTEMPT_DURATION, DELIVERIES, PAUSED_BY_WORKER, PausedSubscriptions(None)):
        names |= sample_names(metric)
    return names
