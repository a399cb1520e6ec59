from eplanning_common.consumer import retry_delay_ms
from eplanning_common.topology import PROJECT_TOPOLOGY, Subscription, Topology, declare


def test_retry_delay_grows_fourfold_and_is_capped():
    assert [retry_delay_ms(a, 1000, 60_000) for a in (1, 2, 3, 4, 5)] == [1000, 4000, 16000, 60000, 60000]


def test_subscription_queue_names():
    sub = Subscription("renja", "musrenbang", "usulan.routed.v1")
    assert sub.queue == "q.renja.musrenbang.usulan.routed.v1"
    assert sub.retry_queue == sub.queue + ".retry"
    assert sub.dead_queue == sub.queue + ".dead"


class RecordingChannel:
    def __init__(self):
        self.calls = []

    def exchange_declare(self, name, type_, **kw):
        self.calls.append(("exchange", name, type_, kw.get("durable")))

    def queue_declare(self, name, **kw):
        self.calls.append(("queue", name, kw.get("durable"), kw.get("arguments")))

    def queue_bind(self, queue, exchange, routing_key):
        self.calls.append(("bind", queue, exchange, routing_key))


def test_declare_creates_durable_queues_with_retry_dead_lettering_back_to_the_main_queue():
    sub = Subscription("renja", "musrenbang", "usulan.routed.v1")
    channel = RecordingChannel()
    declare(channel, Topology(exchanges=("musrenbang.events",), subscriptions=(sub,)))
    assert ("exchange", "musrenbang.events", "topic", True) in channel.calls
    assert ("queue", sub.queue, True, None) in channel.calls
    assert ("bind", sub.queue, "musrenbang.events", "usulan.routed.v1") in channel.calls
    assert ("queue", sub.retry_queue, True, {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": sub.queue}) in channel.calls
    assert ("queue", sub.dead_queue, True, None) in channel.calls


def test_project_topology_declares_every_service_exchange():
    assert set(PROJECT_TOPOLOGY.exchanges) == {"musrenbang.events", "pokir.events", "renja.events", "rkpd.events"}
