"""What the event_handler entrypoint decides before a handler runs (issue #9, poison messages): a
message no retry can change is parked at once; the contract is read tolerantly; the retry/park
decision and its headers. The broker side is in tests/integration/test_poison_messages.py."""
import pytest

from eplanning_common import contracts
from eplanning_common.consumer import ATTEMPT_HEADER, EventHandler, PoisonMessage, _attempt, topic_matches
from eplanning_common.envelope import make_event
from eplanning_common.topology import Subscription

PEMDA, TAHUN = "12.21", 2027


def routed_data(**changes):
    data = {"usulan_id": "u-1", "tracking_code": "ABCDEFGH", "version": 3, "kecamatan": "12.21.07",
            "desa": "12.21.07.1001", "kamus_kode": "DRN-01", "sub_kegiatan": "1.03.02.2.01.0026",
            "opd": "1.03.0.00.0.00.01.0000", "satuan": "meter", "harga_satuan": "850000.00", "volume": "20",
            "cost": "17000000.00", "volume_final": "20", "cost_final": "17000000.00",
            "gagasan": "Pintu air dusun lima", "decisions": []}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def routed(routing_key="usulan.routed.v1", **changes):
    return make_event("musrenbang", routing_key, "u-1", routed_data(**changes), PEMDA, TAHUN)


@pytest.mark.parametrize("pattern,key,expected", [
    ("usulan.routed.v1", "usulan.routed.v1", True),
    ("usulan.routed.v1", "usulan.routed.v9", False),
    ("#", "usulan.routed.v1", True),
    ("usulan.#", "usulan.routed.v1", True),
    ("usulan.#", "stage.closed.v1", False),
    ("usulan.*.v1", "usulan.routed.v1", True),
    ("usulan.*", "usulan.routed.v1", False),
    ("*.*.v1", "usulan.routed.v1", True),
    ("#.v1", "usulan.routed.v1", True),
    ("#.v1", "usulan.routed.v2", False),
])
def test_topic_matching_is_the_brokers(pattern, key, expected):
    assert topic_matches(pattern, key) is expected


def test_the_tolerant_copy_drops_only_closed_objects():
    schema = {"type": "object", "additionalProperties": False, "required": ["a"],
              "properties": {"a": {"additionalProperties": {"type": "string"}},
                             "b": {"allOf": [{"additionalProperties": False}]}}}
    assert contracts.tolerant(schema) == {"type": "object", "required": ["a"], "properties": {
        "a": {"additionalProperties": {"type": "string"}}, "b": {"allOf": [{}]}}}
    assert schema["additionalProperties"] is False  # the original is untouched


def test_a_received_event_that_follows_the_contract_passes_even_with_members_it_does_not_name():
    received = contracts.ReceivedEvents()
    received.check(routed())
    received.check(routed(a_later_optional_field="ok"))  # a newer revision of the document added it
    received.check({**routed(), "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"})


@pytest.mark.parametrize("event,message", [
    (routed(opd=None), "'opd' is a required property"),
    (routed(gagasan=None), "'gagasan' is a required property"),  # renja names its inbox item after it
    (routed(cost_final=17000000), "cost_final"),
    (routed(cost_final="17 juta"), "cost_final"),
    (routed("usulan.routed.v9"), "not in the contract"),
    ({**routed(), "tahun": "2027"}, "envelope"),
])
def test_a_received_event_that_breaks_the_contract_is_refused_saying_why(event, message):
    with pytest.raises(contracts.ContractError, match=message):
        contracts.ReceivedEvents().check(event)


def handler(source="musrenbang", routing_key="usulan.routed.v1", contract=True):
    h = EventHandler(source, routing_key)
    h.contract = contracts.ReceivedEvents() if contract else None
    return h


@pytest.mark.parametrize("body,why", [
    ("not an object", "EnvelopeError"),
    ({"id": "3f0c2b9e-1111-4222-8333-444455556666", "hello": "world"}, "EnvelopeError: event is missing"),
    ({**routed(), "id": "not-a-uuid"}, "not a UUID"),
    (routed("usulan.routed.v9"), "does not belong on musrenbang.events bound with 'usulan.routed.v1'"),
    (make_event("pokir", "usulan.routed.v1", "u-1", routed_data(), PEMDA, TAHUN), "does not belong"),
    (routed(volume_final=None), "ContractError: data of id.eplanning.musrenbang.usulan.routed.v1"),
])
def test_a_message_no_retry_can_change_is_poison(body, why):
    with pytest.raises(PoisonMessage, match=why):
        handler().check(body)


def test_a_follower_bound_with_hash_takes_any_documented_type_of_its_source_and_parks_an_unknown_version():
    follower = handler(routing_key="#")
    follower.check(routed())
    with pytest.raises(PoisonMessage, match="not in the contract"):
        follower.check(routed("usulan.routed.v9"))


def test_a_source_outside_the_project_is_checked_for_its_envelope_only():
    probe = handler(source="probe", routing_key="item.recorded.v1", contract=False)
    probe.check(make_event("probe", "item.recorded.v1", "k", {"key": "k"}, PEMDA, TAHUN))
    with pytest.raises(PoisonMessage):
        probe.check(make_event("probe", "item.erased.v1", "k", {"key": "k"}, PEMDA, TAHUN))


class FakeMessage:
    def __init__(self, headers=None):
        self.headers = headers
        self.body = b'{"x": 1}'
        self.content_type = "application/json"
        self.properties = {"message_id": "m-1"}


class FakeChannel:
    def exchange_declare(self, *a, **kw):
        pass

    def queue_declare(self, *a, **kw):
        pass

    def queue_bind(self, *a, **kw):
        pass


class FakePublisher:
    def __init__(self, fail=False):
        self.fail = fail
        self.sent = []
        self._channel = FakeChannel()

    def prepare(self, setup):
        setup(self._channel)

    def publish(self, message):
        if self.fail:
            raise ConnectionError("broker gone")
        self.sent.append(message)


class FakeQueueConsumer:
    def __init__(self):
        self.acked, self.requeued = [], []

    def ack_message(self, message):
        self.acked.append(message)

    def requeue_message(self, message):
        self.requeued.append(message)


def wired(fail=False):
    h = handler()
    h.subscription = Subscription("renja", "musrenbang", "usulan.routed.v1")
    h.max_attempts, h.retry_base_ms, h.retry_max_ms = 3, 100, 1000
    h.publisher, h.queue_consumer, h._declared_on = FakePublisher(fail), FakeQueueConsumer(), None
    return h


def failed_with(h, message):
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys
        h.handle_message_processed(message, exc_info=sys.exc_info())


def test_a_failing_handler_is_retried_with_a_growing_delay_then_parked_with_its_attempts():
    h = wired()
    for attempt in (1, 2, 3):
        failed_with(h, FakeMessage({ATTEMPT_HEADER: attempt} if attempt > 1 else None))
    retry1, retry2, dead = h.publisher.sent
    assert (retry1.routing_key, retry1.expiration_ms, retry1.headers[ATTEMPT_HEADER]) == (
        "q.renja.musrenbang.usulan.routed.v1.retry", 100, 2)
    assert (retry2.expiration_ms, retry2.headers[ATTEMPT_HEADER]) == (400, 3)
    assert dead.routing_key == "q.renja.musrenbang.usulan.routed.v1.dead" and dead.expiration_ms is None
    assert dead.headers["x-eplanning-attempts"] == 3
    assert dead.headers["x-eplanning-last-error"] == "RuntimeError: boom"
    assert len(h.queue_consumer.acked) == 3


def test_a_poison_message_is_parked_after_its_one_attempt():
    h = wired()
    h.handle_message("not an event", FakeMessage())
    (dead,) = h.publisher.sent
    assert dead.routing_key.endswith(".dead")
    assert dead.headers["x-eplanning-attempts"] == 1
    assert dead.headers["x-eplanning-last-error"].startswith("EnvelopeError")
    assert dead.body == b'{"x": 1}'  # the bytes as received


def test_an_undecodable_body_is_parked_naming_the_decode_error():
    h = wired()
    h.handle_undecodable(FakeMessage({ATTEMPT_HEADER: 1}), ValueError("Expecting value: line 1 column 1"))
    (dead,) = h.publisher.sent
    assert dead.routing_key.endswith(".dead")
    assert "ValueError: undecodable application/json body" in dead.headers["x-eplanning-last-error"]


def test_when_parking_fails_the_message_is_requeued_never_dropped():
    h = wired(fail=True)
    h.handle_message("not an event", FakeMessage())
    assert h.queue_consumer.requeued and not h.queue_consumer.acked


@pytest.mark.parametrize("headers,expected", [(None, 1), ({}, 1), ({ATTEMPT_HEADER: 4}, 4),
                                              ({ATTEMPT_HEADER: "x"}, 1), ({ATTEMPT_HEADER: 0}, 1)])
def test_the_attempt_number_of_a_delivery(headers, expected):
    assert _attempt(FakeMessage(headers)) == expected


def test_concurrent_workers_declare_once_and_never_on_the_connection_at_the_same_time(monkeypatch):
    """Two workers failing at once both declared on the shared publisher's channel outside its lock:
    two greenlets reading one socket, the second park failed and its message was requeued (an extra,
    uncounted attempt). `prepare` runs the declare under the lock, once per channel."""
    import threading
    import time

    from eplanning_common.publisher import ConfirmingPublisher

    publisher = ConfirmingPublisher("amqp://unused")
    channel = object()
    monkeypatch.setattr(publisher, "_ensure_channel", lambda: channel)
    inside, overlaps, runs = [], [], []

    def setup(ch):
        assert ch is channel
        if inside:
            overlaps.append(1)
        inside.append(1)
        time.sleep(0.05)
        runs.append(1)
        inside.pop()

    workers = [threading.Thread(target=publisher.prepare, args=(setup,)) for _ in range(5)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert runs == [1] and overlaps == []


def test_a_failed_declare_drops_the_channel_and_is_tried_again(monkeypatch):
    from eplanning_common.publisher import ConfirmingPublisher

    publisher = ConfirmingPublisher("amqp://unused")
    channels = iter([object(), object()])
    monkeypatch.setattr(publisher, "_ensure_channel", lambda: next(channels))
    closed = []
    monkeypatch.setattr(publisher, "close", lambda: closed.append(1))
    calls = []

    def flaky(ch):
        calls.append(ch)
        if len(calls) == 1:
            raise ConnectionError("channel closed by the broker")

    with pytest.raises(ConnectionError):
        publisher.prepare(flaky)
    publisher.prepare(flaky)
    assert len(calls) == 2 and calls[0] is not calls[1] and closed == [1]


def test_the_contract_a_consumer_loads_follows_EPLANNING_CONTRACT(tmp_path, monkeypatch):
    """A consumer deployed with a newer contract (the fix for an unknown version) must read that
    one: `load()` was cached once for whatever path it saw first."""
    import yaml

    doc = contracts.load()
    newer = {**doc, "components": {**doc["components"], "messages": {
        **doc["components"]["messages"],
        "UsulanRoutedV2": {**doc["components"]["messages"]["UsulanRouted"], "name": "usulan.routed.v2",
                           "payload": contracts.envelope_payload("id.eplanning.musrenbang.usulan.routed.v2", {
                               "$ref": "#/components/schemas/UsulanRoutedData"})}}}}
    newer["channels"] = {**doc["channels"], "musrenbang": {**doc["channels"]["musrenbang"], "messages": {
        **doc["channels"]["musrenbang"]["messages"],
        "UsulanRoutedV2": {"$ref": "#/components/messages/UsulanRoutedV2"}}}}
    path = tmp_path / "asyncapi.yaml"
    path.write_text(yaml.safe_dump(newer), encoding="utf-8")
    with pytest.raises(contracts.ContractError, match="not in the contract"):
        contracts.ReceivedEvents().check(routed("usulan.routed.v2"))
    monkeypatch.setenv("EPLANNING_CONTRACT", str(path))
    contracts.ReceivedEvents().check(routed("usulan.routed.v2"))
