"""The worker's send loop, as a nameko extension (like eplanning_common.relay.OutboxRelay).

One green thread claims due deliveries (as many as there are free senders, `concurrency`) and
hands each to a green thread of a pool that sends it and records the outcome. It sleeps until a
NOTIFY on `eplanning_webhooks` (new deliveries, a replay, a resume: from any process), a sender
finishing, or `poll_seconds` (retries coming due). Once an hour it prunes old deliveries.

Two replicas never send the same delivery at once: a claim is `FOR UPDATE SKIP LOCKED` plus a
lease longer than an attempt's hard deadline (store.claim_due). A failure of the database or of
the loop is logged and retried with backoff; it never stops the container.
"""
from __future__ import annotations

import logging
import os
import select
import time

import eventlet
import psycopg2
import psycopg2.extensions
import sqlalchemy as sa
from eventlet.greenpool import GreenPool
from nameko.extensions import DependencyProvider

from eplanning_common.db import make_engine

from . import metrics
from .freetext import FreeText
from .schema import CHANNEL
from .sender import Sender
from .settings import WebhookSettings
from .store import Claim, WebhookStore

log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 3600


def database_url(container) -> str:
    """GATEWAY_DATABASE_URL (container config, else the environment / gateway default). The generic
    DATABASE_URL names a service's database and is ignored, as in the gateway."""
    from .. import settings as gateway_settings

    return container.config.get("GATEWAY_DATABASE_URL") or gateway_settings.database_url()


def _listen(url: sa.URL):
    conn = psycopg2.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
    conn.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
    conn.cursor().execute(f"LISTEN {CHANNEL}")
    return conn


class Dispatcher:
    """Claims and sends; independent of nameko (the extension below runs it)."""

    def __init__(self, store: WebhookStore, sender: Sender, settings: WebhookSettings):
        self.store = store
        self.sender = sender
        self.settings = settings
        self.pool = GreenPool(settings.concurrency)
        self.sent = 0  # attempts finished by this process (health)

    def dispatch(self, on_done=None) -> int:
        """Claim what the free senders can take and start sending it. Returns the number claimed."""
        free = self.pool.free()
        if free <= 0:
            return 0
        claims = self.store.claim_due(free, self.settings.lease_seconds)
        for claim in claims:
            self.pool.spawn_n(self._deliver, claim, on_done)
        return len(claims)

    def _deliver(self, claim: Claim, on_done=None) -> None:
        try:
            outcome = self.sender.send(url=claim.url, secret=claim.secret, body=claim.body.encode("utf-8"),
                                       event_id=claim.event_id, delivery_id=claim.delivery_id,
                                       attempt_no=claim.attempt_no)
            for wait in (0.5, 2.0, 5.0, None):  # the outcome is worth a few retries of the database
                try:
                    finished = self.store.finish_attempt(claim, outcome, self.settings)
                    break
                except sa.exc.OperationalError:
                    if wait is None:
                        raise
                    eventlet.sleep(wait)
            self.sent += 1
            metrics.record_attempt(outcome.ok, outcome.duration_ms, finished.status, finished.paused)
            log.info("webhook attempt", extra={
                "delivery_id": claim.delivery_id, "subscription_id": claim.subscription_id,
                "event_id": claim.event_id, "attempt": claim.attempt_no, "ok": outcome.ok,
                "http_status": outcome.http_status, "duration_ms": outcome.duration_ms,
                "status": finished.status, "paused": finished.paused})
        except Exception:
            # the lease runs out and another attempt follows: at least once
            log.exception("webhook attempt could not be recorded", extra={"delivery_id": claim.delivery_id})
        finally:
            if on_done is not None:
                on_done()

    def drain(self, timeout: float | None = None) -> None:
        """Wait for the attempts in flight (each is bounded by the attempt deadline)."""
        with eventlet.Timeout(timeout, False):
            self.pool.waitall()


class WebhookDispatcher(DependencyProvider):
    """Runs the Dispatcher in a managed green thread of the `webhooks` service container."""

    def setup(self):
        self.settings = WebhookSettings.from_env()
        self.engine = make_engine(database_url(self.container), pool_size=self.settings.concurrency + 2)
        self.store = WebhookStore(self.engine)
        self.sender = Sender(self.settings.connect_timeout, self.settings.timeout, self.settings.allow_private)
        self.dispatcher = Dispatcher(self.store, self.sender, self.settings)
        self.free_text = FreeText.from_contract(self.settings.free_text_pemda)
        self._running = False
        self._thread = None

    def start(self):
        self._running = True
        self._wake_r, self._wake_w = os.pipe()
        self._thread = self.container.spawn_managed_thread(self._run)

    def _wake(self):
        try:
            os.write(self._wake_w, b"x")
        except OSError:  # closed at stop
            pass

    def stop(self):
        if self._running:
            self._running = False
            self._wake()
            self._thread.wait()
            self.dispatcher.drain(self.settings.timeout + 5)
            os.close(self._wake_r)
            os.close(self._wake_w)
        self.sender.close()
        self.engine.dispose()

    def kill(self):
        self._running = False
        for thread in list(self.dispatcher.pool.coroutines_running):
            thread.kill()
        self.sender.close()
        self.engine.dispose()

    def get_dependency(self, worker_ctx):
        return self

    def collect(self, event: dict) -> int:
        """Record the deliveries of one consumed event as partners may see it (no free text unless
        its pemda opted in: gateway.webhooks.freetext); the NOTIFY at commit wakes the senders."""
        return self.store.collect(self.free_text.for_partners(event))

    def check(self) -> dict:
        return self.store.check()

    def status(self) -> dict:
        return {"ok": bool(self._running and self._thread is not None and not self._thread.dead),
                "in_flight": self.dispatcher.pool.running(), "attempts_finished": self.dispatcher.sent}

    def _run(self):
        backoff = 0.5
        listener = None
        next_prune = time.monotonic() + 60  # not at start: replicas starting together
        while self._running:
            try:
                if listener is None:
                    listener = _listen(self.engine.url)
                if time.monotonic() >= next_prune:
                    expired, deleted = self.store.prune(self.settings.retention_days)
                    if expired or deleted:
                        log.info("webhook deliveries pruned", extra={"expired": expired, "deleted": deleted})
                    next_prune = time.monotonic() + PRUNE_EVERY_SECONDS
                # fills the free senders; a sender finishing wakes the loop to fill its place
                self.dispatcher.dispatch(on_done=self._wake)
                backoff = 0.5
                ready, _, _ = select.select([listener, self._wake_r], [], [], self.settings.poll_seconds)
                if listener in ready:
                    listener.poll()
                    listener.notifies.clear()
                if self._wake_r in ready:
                    os.read(self._wake_r, 4096)
            except Exception:
                if not self._running:
                    break
                log.warning("webhook dispatcher failed; retrying in %.1fs", backoff, exc_info=True)
                if listener is not None:
                    try:
                        listener.close()
                    except Exception:
                        pass
                    listener = None
                select.select([self._wake_r], [], [], backoff)
                backoff = min(backoff * 2, 30.0)
        if listener is not None:
            listener.close()
