"""`Metrics`: the DependencyProvider every nameko service of the project declares, once.

    class MusrenbangService:
        metrics = Metrics(outbox_backlog)

- Times every worker (RPC and event handler) and counts it by outcome: `ok`, `refused` (one of the
  entrypoint's expected exceptions: a 4xx refusal for the caller, not a fault), `error`.
- Registers the scrape-time collectors it is given (factories `f(container) -> Collector`, e.g.
  `outbox_backlog`), which read their gauges when Prometheus scrapes, never per request.
- Serves prometheus_client's default registry over HTTP on METRICS_ADDR:METRICS_PORT (the
  container config wins over the environment): prometheus_client's WSGI app on an eventlet WSGI
  server in a green thread (its `start_http_server` resolves the address with arguments eventlet's
  green `getaddrinfo` does not take). METRICS_PORT unset or empty: no endpoint (the counters still
  count); 0: a free port, for tests (`.port` tells which).

The counters of the event consumer and the outbox relay (consumer.py, relay.py) are counted where
they happen and are served by the same endpoint. One process, one service container: the series
carry a `service` label, and in the tests, where several containers share a process, each endpoint
shows all of them.
"""
from __future__ import annotations

import logging
import threading
import time

import eventlet
import eventlet.wsgi
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from prometheus_client import REGISTRY, make_wsgi_app
from prometheus_client.registry import Collector

from .. import config
from ..consumer import EventHandler
from ..db import make_engine
from ..dependencies import service_database_url
from .backlog import OutboxBacklog
from .catalogue import ENTRYPOINT_CALLS, ENTRYPOINT_DURATION

log = logging.getLogger(__name__)


class ScrapeSources(Collector):
    """The scrape-time collectors of every container in this process, registered once as one
    collector. A process runs one container in production; in the tests it runs several (the four
    services in one process), whose collectors expose the same families with other `service`
    labels: registered one by one they would be refused as duplicates, and exposed side by side
    they would repeat a family. Here each family comes out once with the samples of all."""

    def __init__(self):
        self._collectors: list = []
        self._lock = threading.Lock()

    def add(self, collector) -> None:
        with self._lock:
            self._collectors.append(collector)

    def remove(self, collector) -> None:
        with self._lock:
            if collector in self._collectors:
                self._collectors.remove(collector)

    def describe(self):
        return []  # the names vary with the containers; nothing to check them against

    def collect(self):
        with self._lock:
            collectors = list(self._collectors)
        merged: dict = {}
        for collector in collectors:
            for family in collector.collect():
                if family.name in merged:
                    merged[family.name].samples.extend(family.samples)
                else:
                    merged[family.name] = family
        return list(merged.values())


SCRAPE_SOURCES = ScrapeSources()
REGISTRY.register(SCRAPE_SOURCES)


def outbox_backlog(container) -> OutboxBacklog:
    """The outbox gauges of a service with an outbox (its own small pool: a scrape never waits
    behind the workers' connections)."""
    return OutboxBacklog(make_engine(service_database_url(container), pool_size=1), container.service_name)


def entrypoint_kind(entrypoint) -> str:
    if isinstance(entrypoint, Rpc):
        return "rpc"
    if isinstance(entrypoint, EventHandler):
        return "event"
    return "other"


def outcome_of(entrypoint, exc_info) -> str:
    if exc_info is None:
        return "ok"
    expected = getattr(entrypoint, "expected_exceptions", ()) or ()
    return "refused" if expected and isinstance(exc_info[1], expected) else "error"


class Metrics(DependencyProvider):
    def __init__(self, *collectors):
        self.collector_factories = collectors

    def setup(self):
        self.service = self.container.service_name
        self.port = config.metrics_port(self.container.config.get("METRICS_PORT"))
        self.addr = self.container.config.get("METRICS_ADDR") or config.metrics_addr()
        self.collectors = [factory(self.container) for factory in self.collector_factories]
        self.socket = self.server = None
        self._started: dict[int, float] = {}

    def start(self):
        for collector in self.collectors:
            SCRAPE_SOURCES.add(collector)
        if self.port is not None:
            try:
                self.socket = eventlet.listen((self.addr, self.port))
            except OSError as exc:  # the service works without it; the operator sees why (MetricsTargetDown)
                log.error("metrics endpoint not started on %s:%s: %s", self.addr, self.port, exc)
                return
            self.port = self.socket.getsockname()[1]
            self.server = eventlet.spawn(eventlet.wsgi.server, self.socket, make_wsgi_app(), log_output=False,
                                         log=log)
            log.info("metrics on http://%s:%s/metrics", self.addr, self.port)

    def stop(self):
        self._close()

    def kill(self):
        self._close()

    def _close(self):
        if self.server is not None:
            server, self.server = self.server, None
            server.kill()
            self.socket.close()
        for collector in self.collectors:
            SCRAPE_SOURCES.remove(collector)
            engine = getattr(collector, "engine", None)
            if engine is not None:
                engine.dispose()
        self.collectors = []

    def worker_setup(self, worker_ctx):
        self._started[id(worker_ctx)] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self._started.pop(id(worker_ctx), None)
        entrypoint = worker_ctx.entrypoint
        labels = (self.service, entrypoint_kind(entrypoint), getattr(entrypoint, "method_name", "?"))
        if started is not None:
            ENTRYPOINT_DURATION.labels(*labels).observe(time.perf_counter() - started)
        ENTRYPOINT_CALLS.labels(*labels, outcome_of(entrypoint, exc_info)).inc()
