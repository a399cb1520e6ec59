"""Prometheus metrics on the real stack (issue #19): the gateway under gunicorn with two workers,
the Renja service and the webhooks worker as nameko containers, RabbitMQ's own plugin. Each
/metrics is scraped over HTTP and parsed; the numbers must follow what was done: requests summed
across gunicorn workers under their route template, a poison message moving the dead-letter count,
the outbox backlog read from the service's database, paused webhook subscriptions."""
from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request
import uuid

import pytest
import sqlalchemy as sa
from nameko.containers import ServiceContainer
from nameko.standalone.rpc import ClusterRpcProxy
from prometheus_client.parser import text_string_to_metric_families

from eplanning_common.metrics.catalogue import RABBITMQ_SERIES
from eplanning_common.publisher import ConfirmingPublisher, OutgoingMessage, open_connection
from eplanning_common.topology import Subscription, Topology, declare
from gateway.webhooks.service import WebhookService
from renja.service import RenjaService

from . import support
from .gateway_stack import start_gateway, stop_gateway

pytestmark = pytest.mark.timeout(120)

ROUTED = Subscription("renja", "musrenbang", "usulan.routed.v1")
RABBITMQ_PROMETHEUS = "http://127.0.0.1:15692"


def scrape(url: str) -> dict[tuple[str, frozenset], float]:
    """{(sample name, labels): value} of a Prometheus text endpoint."""
    with urllib.request.urlopen(url, timeout=10) as answer:
        text = answer.read().decode()
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(samples, name: str, **labels) -> float:
    """The sample's value, 0 when absent (a counter nobody incremented yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def names(samples) -> set[str]:
    return {name for name, _ in samples}


@pytest.fixture(scope="module")
def metrics_dir(tmp_path_factory):
    """PROMETHEUS_MULTIPROC_DIR of the gateway, with a previous run's file the start must remove."""
    path = tmp_path_factory.mktemp("gateway-multiproc")
    (path / "counter_1.db").write_bytes(b"left over from a previous run")
    return path


@pytest.fixture(scope="module")
def gateway(amqp_uri, tmp_path_factory, metrics_dir):
    gw = start_gateway(amqp_uri, "metrics", tmp_path_factory.mktemp("gateway-metrics"), workers=2,
                       extra_env={"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)})
    yield gw
    stop_gateway(gw)


def workers_that_counted(metrics_dir) -> set[str]:
    return {path.stem.rsplit("_", 1)[1] for path in metrics_dir.glob("counter_*.db")}


def test_the_gateway_counts_requests_of_every_worker_by_route_template_method_and_status(gateway, metrics_dir):
    assert "1" not in workers_that_counted(metrics_dir)  # the stale file was removed at start
    before = scrape(gateway.metrics_url)
    sent = 0
    while sent < 12 or len(workers_that_counted(metrics_dir)) < 2:  # until both workers served some
        assert gateway.request("GET", "/healthz").status == 200
        sent += 1
        assert sent < 500, "gunicorn's second worker never answered"
    usulan_id = str(uuid.uuid4())
    assert gateway.request("GET", f"/v1/musrenbang/usulan/{usulan_id}").status == 401
    assert gateway.request("GET", "/no/such/thing").status == 404

    after = scrape(gateway.metrics_url)
    healthz = dict(route="/healthz", method="GET", status="200")
    assert value(after, "eplanning_http_requests_total", **healthz) - \
        value(before, "eplanning_http_requests_total", **healthz) == sent
    # the route template, not the path: no series per usulan
    templates = {dict(labels)["route"] for name, labels in after if name == "eplanning_http_requests_total"}
    assert "/v1/musrenbang/usulan/{usulan_id}" in templates
    assert not any(usulan_id in t or "/no/such" in t for t in templates)
    assert value(after, "eplanning_http_requests_total", route="(unmatched)", method="GET", status="404") >= 1
    # the duration histogram: every request observed once, in the +Inf bucket
    count = value(after, "eplanning_http_request_duration_seconds_count", route="/healthz", method="GET")
    assert count - value(before, "eplanning_http_request_duration_seconds_count", route="/healthz", method="GET") == sent
    assert value(after, "eplanning_http_request_duration_seconds_bucket", route="/healthz", method="GET",
                 le="+Inf") == count
    # both workers wrote samples (their own files): the master summed them (multiprocess mode)
    assert len(workers_that_counted(metrics_dir)) >= 2


def test_the_metrics_listener_is_not_the_api(gateway):
    """The API port does not serve /metrics (the public entry point exposes nothing of it)."""
    assert gateway.request("GET", "/metrics").status == 404


@pytest.fixture(scope="module")
def renja_db():
    return support.service_database("renja", "metrics")


@pytest.fixture(scope="module")
def renja(amqp_uri, renja_db):
    """One Renja container for the module, its relay off: outbox rows stay pending, ours to set."""
    conn = open_connection(amqp_uri)
    channel = conn.channel()
    declare(channel, Topology(exchanges=("musrenbang.events",), subscriptions=(ROUTED,)))
    for queue in (ROUTED.queue, ROUTED.retry_queue, ROUTED.dead_queue):
        channel.queue_purge(queue)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OUTBOX_RELAY_ENABLED", "false")
        container = ServiceContainer(RenjaService, {"AMQP_URI": amqp_uri, "DATABASE_URL": renja_db, "max_workers": 4,
                                                    "METRICS_PORT": 0})
        container.start()
    yield container, channel
    container.stop()
    conn.close()


def metrics_url_of(container) -> str:
    (provider,) = [d for d in container.dependencies if type(d).__name__ == "Metrics"]
    return f"http://127.0.0.1:{provider.port}/metrics"


def test_a_service_exports_entrypoint_timings_and_a_poison_message_moves_the_dead_letter_count(
        amqp_uri, renja):
    container, channel = renja
    url = metrics_url_of(container)
    before = scrape(url)
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=10) as cluster:
        assert cluster.renja.health()["service"] == "renja"
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        publisher.publish(OutgoingMessage(exchange="musrenbang.events", routing_key="usulan.routed.v1",
                                          body=b"{not json", message_id="metrics-poison"))
    finally:
        publisher.close()
    support.wait_for(lambda: support.queue_depth(channel, ROUTED.dead_queue) == 1, what="the parked message")

    after = scrape(url)
    dead = dict(service="renja", queue=ROUTED.queue, reason="poison")
    assert value(after, "eplanning_events_dead_lettered_total", **dead) - \
        value(before, "eplanning_events_dead_lettered_total", **dead) == 1
    health = dict(service="renja", kind="rpc", entrypoint="health")
    assert value(after, "eplanning_entrypoint_calls_total", **health, outcome="ok") - \
        value(before, "eplanning_entrypoint_calls_total", **health, outcome="ok") == 1
    assert value(after, "eplanning_entrypoint_duration_seconds_count", **health) - \
        value(before, "eplanning_entrypoint_duration_seconds_count", **health) == 1

    # RabbitMQ's own plugin sees the same parked message: the series the DeadLettersWaiting and
    # queue alerts read (deploy/k8s/monitoring/rules.yaml) are real
    vhost = urllib.parse.unquote(amqp_uri.rsplit("/", 1)[1])
    # (queue statistics are refreshed every few seconds: collect_statistics_interval)
    detailed_url = (f"{RABBITMQ_PROMETHEUS}/metrics/detailed?family=queue_coarse_metrics"
                    f"&vhost={urllib.parse.quote(vhost, safe='')}")
    detailed = support.wait_for(
        lambda: (lambda d: d if value(d, "rabbitmq_detailed_queue_messages", vhost=vhost,
                                      queue=ROUTED.dead_queue) == 1 else None)(scrape(detailed_url)),
        timeout=20, interval=0.5, what="rabbitmq_prometheus to count the parked message")
    assert value(detailed, "rabbitmq_detailed_queue_messages_ready", vhost=vhost, queue=ROUTED.queue) == 0
    assert RABBITMQ_SERIES <= names(detailed)


def test_the_outbox_backlog_is_read_from_the_service_database_at_scrape(renja, renja_db):
    container, _ = renja
    engine = sa.create_engine(renja_db)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("delete from outbox where status in ('pending', 'unrouted')"))
            for status, age in (("pending", 120), ("pending", 5), ("unrouted", 3600)):
                event_id = str(uuid.uuid4())
                conn.execute(sa.text(
                    "insert into outbox (event_id, exchange, routing_key, envelope, created_at, status) "
                    "values (:id, 'renja.events', 'test.metric.v1', cast(:env as jsonb), "
                    "now() - make_interval(secs => :age), :status)"),
                    {"id": event_id, "env": json.dumps({"id": event_id}), "age": age, "status": status})
        samples = scrape(metrics_url_of(container))
        assert value(samples, "eplanning_outbox_pending", service="renja") == 2
        assert 120 <= value(samples, "eplanning_outbox_oldest_pending_age_seconds", service="renja") < 180
        assert value(samples, "eplanning_outbox_unrouted", service="renja") == 1
        assert value(samples, "eplanning_outbox_scrape_ok", service="renja") == 1
        with engine.begin() as conn:
            conn.execute(sa.text("delete from outbox where routing_key = 'test.metric.v1'"))
        samples = scrape(metrics_url_of(container))
        assert value(samples, "eplanning_outbox_pending", service="renja") == 0
        assert value(samples, "eplanning_outbox_oldest_pending_age_seconds", service="renja") == 0
    finally:
        engine.dispose()


def test_the_webhooks_worker_exports_paused_subscriptions_and_its_entrypoints(amqp_uri, gateway, start_container):
    container = start_container(WebhookService, gateway.database_url, GATEWAY_DATABASE_URL=gateway.database_url,
                                METRICS_PORT=0)
    engine = sa.create_engine(gateway.database_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(
                "insert into webhook_subscriptions (id, pemda, name, url, event_types, secret, active, paused_at, "
                "pause_reason, consecutive_failures, created_by, created_at, updated_at) values "
                "(:id, '12.21', 'mitra', 'https://example.org/hook', '[\"#\"]', 's', false, now(), 'failures', 10, "
                "'test', now(), now())"), {"id": str(uuid.uuid4())})
        with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=10) as cluster:
            cluster.webhooks.health()
        # read at scrape from the gateway database (a scrape whose query failed leaves the gauge out)
        samples = support.wait_for(
            lambda: (lambda s: s if ("eplanning_webhook_subscriptions_paused", frozenset({("reason", "failures")}))
                     in s else None)(scrape(metrics_url_of(container))),
            timeout=10, interval=0.5, what="the paused-subscriptions gauge")
    finally:
        engine.dispose()
    assert value(samples, "eplanning_webhook_subscriptions_paused", reason="failures") == 1
    assert value(samples, "eplanning_webhook_subscriptions_paused", reason="manual") == 0
    assert value(samples, "eplanning_entrypoint_calls_total", service="webhooks", kind="rpc", entrypoint="health",
                 outcome="ok") >= 1
