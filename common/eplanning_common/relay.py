"""The outbox relay: publishes committed outbox rows with confirms, then marks them.

Normal case: a unit of work that emitted events NOTIFYs at commit, the relay wakes within
milliseconds. Crash case: rows a NOTIFY never announced (the process died after commit, the relay
was down, the broker was unreachable) are found by the periodic sweep. Several relays (scaled
replicas) share the work with `FOR UPDATE SKIP LOCKED`; a row is marked only after the broker
confirmed it, so a crash in between means a second publish, never a lost one (consumers dedupe).
"""
import logging
import os
import select

import psycopg2
import psycopg2.extensions
import sqlalchemy as sa
from nameko.extensions import DependencyProvider

from . import config
from .db import make_engine
from .dependencies import service_database_url
from .metrics.catalogue import OUTBOX_PUBLISHED
from .publisher import ConfirmingPublisher, json_message
from .schema import OUTBOX_CHANNEL, outbox
from .topology import PROJECT_TOPOLOGY, Topology, ensure

log = logging.getLogger(__name__)


class OutboxPublisher:
    """Moves pending outbox rows to the broker. Independent of nameko (used by the CLI too)."""

    def __init__(self, engine: sa.Engine, amqp_uri: str, topology: Topology = PROJECT_TOPOLOGY,
                 batch_size: int | None = None, service: str = ""):
        self.engine = engine
        self.service = service  # the `service` label of eplanning_outbox_published
        self.topology = topology
        self.batch_size = batch_size or config.relay_batch_size()
        self.publisher = ConfirmingPublisher(amqp_uri, config.confirm_timeout_seconds())
        self._declared_on = None

    def _ensure_topology(self) -> None:
        channel = self.publisher.channel()
        if self._declared_on is not channel:
            ensure(channel, self.topology)  # declared, or only checked (AMQP_TOPOLOGY=definitions)
            self._declared_on = channel

    def publish_pending(self) -> tuple[int, int]:
        """One batch. Returns (rows taken, rows that could not be published)."""
        self._ensure_topology()
        with self.engine.begin() as conn:
            rows = conn.execute(
                sa.select(outbox.c.seq, outbox.c.event_id, outbox.c.exchange, outbox.c.routing_key, outbox.c.envelope)
                .where(outbox.c.status == "pending")
                .order_by(outbox.c.seq)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                return 0, 0
            messages = [
                json_message(r.exchange, r.routing_key, r.envelope,
                             headers={"nameko.correlation_id": r.envelope.get("correlationid") or ""})
                for r in rows
            ]
            result = self.publisher.publish_batch(messages)
            now = sa.func.now()
            if result.routed:
                conn.execute(outbox.update().where(outbox.c.event_id.in_(result.routed))
                             .values(status="sent", published_at=now, attempts=outbox.c.attempts + 1, last_error=None))
            if result.unrouted:
                # Confirmed but no queue was bound for it: nobody subscribes to this type yet. The
                # row stays in the outbox as the record; `eplanning-outbox republish` sends it again.
                conn.execute(outbox.update().where(outbox.c.event_id.in_(result.unrouted))
                             .values(status="unrouted", published_at=now, attempts=outbox.c.attempts + 1,
                                     last_error="no queue bound for this routing key"))
                log.warning("events had no subscriber", extra={"event_ids": result.unrouted})
            if result.failed:
                conn.execute(outbox.update().where(outbox.c.event_id.in_(result.failed))
                             .values(attempts=outbox.c.attempts + 1, last_error="not confirmed by the broker"))
            for outcome in ("routed", "unrouted", "failed"):
                if getattr(result, outcome):
                    OUTBOX_PUBLISHED.labels(self.service, outcome).inc(len(getattr(result, outcome)))
            return len(rows), len(result.failed)

    def drain(self) -> int:
        """Publish until nothing is pending. Returns rows published; raises if the broker fails."""
        total = 0
        while True:
            taken, failed = self.publish_pending()
            if failed:
                raise ConnectionError(f"{failed} outbox rows were not confirmed by the broker")
            total += taken
            if taken < self.batch_size:
                return total

    def close(self) -> None:
        self.publisher.close()


def _listen(url: sa.URL):
    conn = psycopg2.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
    conn.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
    conn.cursor().execute(f"LISTEN {OUTBOX_CHANNEL}")
    return conn


class OutboxRelay(DependencyProvider):
    """Runs the relay loop in a managed green thread of the service container."""

    def __init__(self, topology: Topology = PROJECT_TOPOLOGY):
        self.topology = topology

    def setup(self):
        self.enabled = config.relay_enabled()
        self.sweep_seconds = config.relay_sweep_seconds()
        self.engine = make_engine(service_database_url(self.container), pool_size=2)
        self.outbox = OutboxPublisher(self.engine, self.container.config["AMQP_URI"], self.topology,
                                      service=self.container.service_name)
        self._running = False

    def start(self):
        if self.enabled:
            self._running = True
            self._wake_r, self._wake_w = os.pipe()  # lets stop() interrupt the wait at once
            self._thread = self.container.spawn_managed_thread(self._run)
        else:
            log.warning("outbox relay disabled (OUTBOX_RELAY_ENABLED=false): events stay in the outbox")

    def stop(self):
        if self._running:
            self._running = False
            os.write(self._wake_w, b"x")
            self._thread.wait()
            os.close(self._wake_r)
            os.close(self._wake_w)
        self.outbox.close()
        self.engine.dispose()

    def kill(self):
        self._running = False
        self.outbox.close()
        self.engine.dispose()

    def _run(self):
        backoff = 0.5
        listener = None
        while self._running:
            try:
                if listener is None:
                    listener = _listen(self.engine.url)
                self.outbox.drain()
                backoff = 0.5
                ready, _, _ = select.select([listener, self._wake_r], [], [], self.sweep_seconds)
                if listener in ready:
                    listener.poll()
                    listener.notifies.clear()
            except Exception:
                if not self._running:
                    break
                log.warning("outbox relay failed; retrying in %.1fs", backoff, exc_info=True)
                self.outbox.close()
                if listener is not None:
                    try:
                        listener.close()
                    except Exception:
                        pass
                    listener = None
                select.select([self._wake_r], [], [], backoff)  # a stop() ends the wait
                backoff = min(backoff * 2, 30.0)
        if listener is not None:
            listener.close()
