"""The outbox backlog, read from the service's database when Prometheus scrapes (not per request).

    eplanning_outbox_pending{service}                    rows waiting for the relay (capped, see below)
    eplanning_outbox_oldest_pending_age_seconds{service} age of the oldest waiting row (0 if none)
    eplanning_outbox_unrouted{service}                   rows the broker confirmed with no queue bound
    eplanning_outbox_scrape_ok{service}                  1 if the query answered, 0 if not

Bounded: one statement under a `statement_timeout` of `timeout_ms`; the pending count walks the
partial index `outbox_pending` and stops at `cap` rows (a count of `cap` means "at least"), the oldest
pending row is the first of that index; the unrouted count (no index: unrouted rows are rare and
their status never changes back on its own) stops at `cap` too. When the database does not answer,
the gauges are left out and `eplanning_outbox_scrape_ok` is 0: an alert on a stale value would lie.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

BACKLOG_SQL = sa.text("""
    select
      (select count(*) from (select 1 from outbox where status = 'pending' limit :cap) p) as pending,
      (select extract(epoch from now() - created_at) from outbox
        where status = 'pending' order by seq limit 1) as oldest_age,
      (select count(*) from (select 1 from outbox where status = 'unrouted' limit :cap) u) as unrouted
""")


class OutboxBacklog(Collector):
    def __init__(self, engine: sa.Engine | None, service: str, cap: int = 100_000, timeout_ms: int = 2000):
        self.engine = engine
        self.service = service
        self.cap = cap
        self.timeout_ms = timeout_ms

    def _families(self):
        labels = ["service"]
        return (
            GaugeMetricFamily("eplanning_outbox_pending", "Outbox rows waiting for the relay (capped)", labels=labels),
            GaugeMetricFamily("eplanning_outbox_oldest_pending_age_seconds",
                              "Seconds since the oldest waiting outbox row was committed (0 if none)", labels=labels),
            GaugeMetricFamily("eplanning_outbox_unrouted", "Outbox rows confirmed by the broker with no queue bound",
                              labels=labels),
            GaugeMetricFamily("eplanning_outbox_scrape_ok", "1 if the outbox backlog could be read at this scrape",
                              labels=labels),
        )

    def describe(self):
        return list(self._families())

    def read(self) -> tuple[int, float, int]:
        with self.engine.begin() as conn:
            conn.execute(sa.text(f"set local statement_timeout = {int(self.timeout_ms)}"))
            row = conn.execute(BACKLOG_SQL, {"cap": self.cap}).one()
        return int(row.pending), float(row.oldest_age or 0.0), int(row.unrouted)

    def collect(self):
        pending, oldest, unrouted, ok = self._families()
        try:
            values = self.read()
        except Exception as exc:  # the database is away: say so, and keep the rest of the scrape
            log.warning("outbox backlog not readable for the metrics: %s", str(exc).splitlines()[0])
            ok.add_metric([self.service], 0)
            return [ok]
        pending.add_metric([self.service], values[0])
        oldest.add_metric([self.service], values[1])
        unrouted.add_metric([self.service], values[2])
        ok.add_metric([self.service], 1)
        return [pending, oldest, unrouted, ok]
