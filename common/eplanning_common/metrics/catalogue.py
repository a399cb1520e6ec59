"""Every series a nameko process (a stage service, the webhooks worker) exports, defined once.

Counters and histograms live in prometheus_client's default registry, created at import; the
places that count (consumer.py, relay.py, exporter.py) import them from here. Scrape-time gauges
(backlog.py, the webhooks worker's subscription gauge) are collectors that declare their names in
`describe()`. `exported_names()` lists every sample name the processes can expose: the alert rules
and the Grafana dashboard are checked against it (tests/unit/test_monitoring_rules.py).
"""
from prometheus_client import Counter, Histogram

# Durations of RPC and event-handler workers: from the worker's setup to its result, in seconds.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

ENTRYPOINT_DURATION = Histogram(
    "eplanning_entrypoint_duration_seconds",
    "Duration of one RPC or event-handler worker",
    ["service", "kind", "entrypoint"], buckets=DURATION_BUCKETS)

ENTRYPOINT_CALLS = Counter(
    "eplanning_entrypoint_calls",
    "Workers run, by outcome: ok, refused (a 4xx refusal raised for the caller), error (a fault)",
    ["service", "kind", "entrypoint", "outcome"])

EVENTS_CONSUMED = Counter(
    "eplanning_events_consumed",
    "Events whose handler succeeded and were acked (a redelivered duplicate counts: it is a no-op)",
    ["service", "queue"])

EVENTS_RETRIED = Counter(
    "eplanning_events_retried",
    "Failed handler attempts sent to the retry queue for another attempt after a backoff",
    ["service", "queue"])

EVENTS_DEAD_LETTERED = Counter(
    "eplanning_events_dead_lettered",
    "Messages parked in the subscription's .dead queue: reason poison (parked at once) or exhausted "
    "(EVENT_MAX_ATTEMPTS failed attempts)",
    ["service", "queue", "reason"])

OUTBOX_PUBLISHED = Counter(
    "eplanning_outbox_published",
    "Outbox rows the relay published, by result: routed, unrouted (no queue bound), failed (not confirmed)",
    ["service", "result"])

# Series of RabbitMQ's own rabbitmq_prometheus plugin that the alert rules and the dashboard read
# (per-queue depths, endpoint /metrics/detailed?family=queue_coarse_metrics; labels vhost, queue).
# Not exported by this code: tests/integration/test_metrics.py checks them on a real broker.
RABBITMQ_SERIES = frozenset({
    "rabbitmq_detailed_queue_messages",
    "rabbitmq_detailed_queue_messages_ready",
    "rabbitmq_detailed_queue_messages_unacked",
})

KINDS = ("rpc", "event", "other")
OUTCOMES = ("ok", "refused", "error")


def exported_names() -> set[str]:
    """Every sample name a nameko process of this project can expose (counters with their `_total`,
    histograms with `_bucket`, `_sum`, `_count`), scrape-time gauges included. (`_created` samples
    are left out: the gateway's multiprocess mode does not export them; nothing should use them.)"""
    from .backlog import OutboxBacklog

    names: set[str] = set()
    for metric in (ENTRYPOINT_DURATION, ENTRYPOINT_CALLS, EVENTS_CONSUMED, EVENTS_RETRIED, EVENTS_DEAD_LETTERED,
                   OUTBOX_PUBLISHED):
        names |= sample_names(metric)
    names |= sample_names(OutboxBacklog(engine=None, service="x"))
    return names


def sample_names(collector) -> set[str]:
    """The sample names a collector exposes, from its `describe()` (no database, no samples needed)."""
    names = set()
    for family in collector.describe():
        if family.type == "counter":
            names.add(family.name + "_total")
        elif family.type == "histogram":
            names |= {family.name + suffix for suffix in ("_bucket", "_sum", "_count")}
        else:
            names.add(family.name)
    return names
