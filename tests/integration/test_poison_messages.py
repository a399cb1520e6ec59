"""Poison messages (issue #9) against the real RabbitMQ and PostgreSQL, with the real Renja and
RKPD services: a malformed event or one of an unknown version is parked in its `.dead` queue
after one attempt, a handler that always fails is retried with backoff and then parked, neither
blocks the events behind it, and after the fix `eplanning-deadletters replay` applies the event
exactly once, however often it is replayed. (The toy-service versions of the basic retry, park
and replay path are in test_plumbing.py.)"""
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from eplanning_common import contracts
from eplanning_common.envelope import make_event
from eplanning_common.publisher import ConfirmingPublisher, OutgoingMessage, json_message, open_connection
from eplanning_common.topology import Subscription, Topology, declare
from renja import inbox_actions
from renja.service import RenjaService
from rkpd import facts
from rkpd.service import RkpdService

from . import support

pytestmark = pytest.mark.timeout(180)

PEMDA, TAHUN = "12.21", 2027
PUPR = "1.03.0.00.0.00.01.0000"
ROUTED = Subscription("renja", "musrenbang", "usulan.routed.v1")
FOLLOWER = Subscription("rkpd", "musrenbang", "#")
TOPOLOGY = Topology(exchanges=("musrenbang.events",), subscriptions=(ROUTED, FOLLOWER))
CLI = Path(sys.executable).parent / "eplanning-deadletters"


def fresh(service):
    return support.service_database(service, "poison", PEMDA)


@pytest.fixture(scope="module")
def renja_db():
    return fresh("renja")


@pytest.fixture(scope="module")
def rkpd_db():
    return fresh("rkpd")


@pytest.fixture
def channel(amqp_uri):
    """A channel on the test vhost with the two subscriptions declared and emptied."""
    conn = open_connection(amqp_uri)
    channel = conn.channel()
    declare(channel, TOPOLOGY)
    for sub in TOPOLOGY.subscriptions:
        for queue in (sub.queue, sub.retry_queue, sub.dead_queue):
            channel.queue_purge(queue)
    yield channel
    conn.close()


@pytest.fixture
def retries(monkeypatch):
    """Backoff short enough for a test, long enough to measure: 200 ms, 800 ms, 3.2 s, then parked."""
    monkeypatch.setenv("EVENT_MAX_ATTEMPTS", "4")
    monkeypatch.setenv("EVENT_RETRY_BASE_MS", "200")


def routed_event(usulan_id=None, **changes):
    usulan_id = usulan_id or str(uuid.uuid4())
    data = {"usulan_id": usulan_id, "tracking_code": "ABCDEFGH", "version": 3, "kecamatan": "12.21.07",
            "desa": "12.21.07.1001", "kamus_kode": "DRN-01", "sub_kegiatan": "1.03.02.2.01.0026", "opd": PUPR,
            "satuan": "meter", "harga_satuan": "850000.00", "volume": "20", "cost": "17000000.00",
            "volume_final": "20", "cost_final": "17000000.00", "gagasan": f"Pintu air {usulan_id[:6]}",
            "decisions": [], **changes}
    return make_event("musrenbang", "usulan.routed.v1", usulan_id, {k: v for k, v in data.items() if v is not None},
                      PEMDA, TAHUN)


def publish(amqp_uri, *messages):
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        for message in messages:
            publisher.publish(message)
    finally:
        publisher.close()


def raw(routing_key, body: bytes, content_type="application/json", message_id=""):
    return OutgoingMessage(exchange="musrenbang.events", routing_key=routing_key, body=body, message_id=message_id,
                           headers={}, content_type=content_type)


def inbox_sources(db_url):
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return [r[0] for r in conn.execute(sa.text("select source_id from inbox_item where source = 'musrenbang'"))]
    finally:
        engine.dispose()


def processed(db_url, event_id):
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("select count(*) from processed_events where event_id = :e"),
                                {"e": event_id}).scalar()
    finally:
        engine.dispose()


def dead_letters(queue, amqp_uri):
    listed = cli(amqp_uri, "list", "--queue", queue)
    return [json.loads(line) for line in listed.stdout.splitlines() if line.strip()]


def cli(amqp_uri, *args, timeout=60):
    return subprocess.run([str(CLI), *args], env={**os.environ, "AMQP_URI": amqp_uri}, capture_output=True,
                          text=True, check=True, timeout=timeout)


class Renja:
    """Renja's real inbox handler, watched: `deliveries` are the events that reached the handler
    (duplicates included), `calls` the times the effect ran per usulan; `failing` ids raise."""

    def __init__(self, monkeypatch, failing=()):
        self.real_effect, self.real_once = inbox_actions.receive_usulan, RenjaService._once
        self.failing = set(failing)
        self.calls: dict[str, list[float]] = {}
        self.deliveries: list[str] = []
        self.lock = threading.Lock()
        watch = self

        def once(service, event, consumer, effect, *args):
            with watch.lock:
                watch.deliveries.append(event["id"])
            return watch.real_once(service, event, consumer, effect, *args)

        monkeypatch.setattr(inbox_actions, "receive_usulan", self.effect)
        monkeypatch.setattr(RenjaService, "_once", once)

    def effect(self, repo, event):
        usulan_id = event["data"]["usulan_id"]
        with self.lock:
            self.calls.setdefault(usulan_id, []).append(time.monotonic())
        if usulan_id in self.failing:
            raise RuntimeError(f"the inbox cannot take {usulan_id} yet")
        return self.real_effect(repo, event)


def test_malformed_messages_are_parked_after_one_attempt_and_the_event_behind_them_is_applied(
        amqp_uri, renja_db, channel, retries, start_container, monkeypatch):
    renja = Renja(monkeypatch)
    start_container(RenjaService, renja_db)
    good = routed_event()
    missing_opd = routed_event(opd=None)
    wrong_type = routed_event(cost_final=17000000)
    next_version = {**routed_event(), "type": "id.eplanning.musrenbang.usulan.routed.v9"}
    publish(amqp_uri,
            raw("usulan.routed.v1", b"{not json at all", message_id="not-json"),
            raw("usulan.routed.v1", b"usulan 42 please", content_type="text/plain", message_id="plain-text"),
            raw("usulan.routed.v1", json.dumps(["a", "list"]).encode(), message_id="a-list"),
            raw("usulan.routed.v1", json.dumps({"id": str(uuid.uuid4()), "hello": "world"}).encode()),
            json_message("musrenbang.events", "usulan.routed.v1", missing_opd),
            json_message("musrenbang.events", "usulan.routed.v1", wrong_type),
            json_message("musrenbang.events", "usulan.routed.v1", next_version),
            json_message("musrenbang.events", "usulan.routed.v1", good))

    # the good event, published last, is applied: none of the seven stopped the consumer
    support.wait_for(lambda: good["data"]["usulan_id"] in inbox_sources(renja_db), what="the good event's inbox item")
    support.wait_for(lambda: support.queue_depth(channel, ROUTED.dead_queue) == 7, what="seven parked messages")
    letters = dead_letters(ROUTED.dead_queue, amqp_uri)
    assert [letter["attempts"] for letter in letters] == [1] * 7  # parked at once, no retries
    errors = {letter["event_id"]: letter["error"] for letter in letters}
    assert errors["not-json"].startswith("DecodeError")
    assert errors["plain-text"].startswith("ContentDisallowed")
    assert errors["a-list"] == "EnvelopeError: event body must be a JSON object"
    assert "'opd' is a required property" in errors[missing_opd["id"]]
    assert "cost_final" in errors[wrong_type["id"]]
    assert "does not belong on musrenbang.events bound with 'usulan.routed.v1'" in errors[next_version["id"]]
    assert sum("EnvelopeError: event is missing" in e for e in errors.values()) == 1
    # none of them reached the handler or left a trace in Renja
    assert renja.deliveries == [good["id"]]
    assert inbox_sources(renja_db).count(good["data"]["usulan_id"]) == 1
    assert processed(renja_db, missing_opd["id"]) == 0
    assert support.queue_depth(channel, ROUTED.retry_queue) == 0


def test_an_always_failing_handler_is_retried_with_backoff_then_parked_without_blocking_the_events_behind_it(
        amqp_uri, renja_db, channel, retries, start_container, monkeypatch):
    poison = routed_event()
    poison_id = poison["data"]["usulan_id"]
    renja = Renja(monkeypatch, failing={poison_id})
    start_container(RenjaService, renja_db)
    good = [routed_event() for _ in range(20)]
    wanted = {e["data"]["usulan_id"] for e in good}
    started = time.monotonic()
    publish(amqp_uri, *(json_message("musrenbang.events", "usulan.routed.v1", e) for e in [poison, *good]))

    support.wait_for(lambda: wanted <= set(inbox_sources(renja_db)), timeout=30, what="the 20 good events")
    good_done = time.monotonic()
    parked_depth_when_good_done = support.queue_depth(channel, ROUTED.dead_queue)
    support.wait_for(lambda: support.queue_depth(channel, ROUTED.dead_queue) == 1, timeout=30, what="the parked event")
    parked = time.monotonic()

    # the 20 events published after the failing one were all applied while it was still being retried
    assert parked_depth_when_good_done == 0
    assert good_done - started < parked - started
    # four attempts, each wait longer than the one before: 200 ms, 800 ms, 3.2 s (×4 backoff)
    attempts = renja.calls[poison_id]
    assert len(attempts) == 4
    gaps = [b - a for a, b in zip(attempts, attempts[1:])]
    assert gaps[0] >= 0.2 and gaps[1] >= 0.8 and gaps[2] >= 3.2, gaps
    assert gaps[0] < gaps[1] < gaps[2]
    (letter,) = dead_letters(ROUTED.dead_queue, amqp_uri)
    assert letter["event_id"] == poison["id"] and letter["attempts"] == 4
    assert letter["error"] == f"RuntimeError: the inbox cannot take {poison_id} yet"
    assert letter["queue"] == ROUTED.queue
    assert poison_id not in inbox_sources(renja_db)
    assert processed(renja_db, poison["id"]) == 0  # the failed attempts left nothing behind
    print(f"\n20 good events applied {good_done - started:.2f}s after publishing; "
          f"the failing one parked after {parked - started:.2f}s (gaps {', '.join(f'{g:.2f}' for g in gaps)} s)")


def test_after_the_fix_replay_applies_the_event_exactly_once_however_often_it_is_replayed(
        amqp_uri, renja_db, channel, fast_retries, start_container, monkeypatch):
    poison = routed_event()
    poison_id = poison["data"]["usulan_id"]
    renja = Renja(monkeypatch, failing={poison_id})
    start_container(RenjaService, renja_db)
    # delivered twice (at least once: say the publisher retried), failed twice, parked twice
    publish(amqp_uri, *(json_message("musrenbang.events", "usulan.routed.v1", poison) for _ in range(2)))
    support.wait_for(lambda: support.queue_depth(channel, ROUTED.dead_queue) == 2, what="two parked copies")
    assert [letter["event_id"] for letter in dead_letters(ROUTED.dead_queue, amqp_uri)] == [poison["id"]] * 2

    assert len(renja.deliveries) == 3 + 3  # EVENT_MAX_ATTEMPTS each

    renja.failing.clear()  # the fix
    replayed = cli(amqp_uri, "replay", "--queue", ROUTED.dead_queue, "--all")
    assert replayed.stdout.splitlines() == [f"replayed {poison['id']}"] * 2
    support.wait_for(lambda: len(renja.deliveries) == 8, what="both replayed copies to reach the handler")
    assert len(renja.calls[poison_id]) == 3 + 3 + 1  # the second copy found it processed: no effect
    assert inbox_sources(renja_db).count(poison_id) == 1
    assert processed(renja_db, poison["id"]) == 1
    assert support.queue_depth(channel, ROUTED.dead_queue) == 0

    # replaying again finds nothing; an operator who re-sends the event anyway changes nothing
    assert cli(amqp_uri, "replay", "--queue", ROUTED.dead_queue, "--all").stdout == ""
    publish(amqp_uri, json_message("musrenbang.events", "usulan.routed.v1", poison))
    support.wait_for(lambda: len(renja.deliveries) == 9, what="the re-sent copy to reach the handler")
    assert len(renja.calls[poison_id]) == 7
    assert inbox_sources(renja_db).count(poison_id) == 1
    assert processed(renja_db, poison["id"]) == 1
    assert support.queue_depth(channel, ROUTED.dead_queue) == 0


def contract_with_submitted_v9(tmp_path):
    """The contract as a later release would ship it: `usulan.submitted.v9` documented."""
    doc = yaml.safe_load(contracts.contract_path().read_text(encoding="utf-8"))
    v9 = {**doc["components"]["messages"]["UsulanSubmitted"], "name": "usulan.submitted.v9",
          "title": "usulan.submitted.v9", "examples": [],
          "payload": contracts.envelope_payload("id.eplanning.musrenbang.usulan.submitted.v9",
                                                {"$ref": "#/components/schemas/UsulanData"})}
    doc["components"]["messages"]["UsulanSubmittedV9"] = v9
    doc["channels"]["musrenbang"]["messages"]["UsulanSubmittedV9"] = {"$ref": "#/components/messages/UsulanSubmittedV9"}
    path = tmp_path / "asyncapi.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def submitted(routing_key, usulan_id):
    data = {"usulan_id": usulan_id, "tracking_code": "ABCDEFG2", "version": 1, "kecamatan": "12.21.07",
            "desa": "12.21.07.1001", "kamus_kode": "DRN-01", "sub_kegiatan": "1.03.06.2.01.0012", "opd": PUPR,
            "satuan": "meter", "harga_satuan": "850000.00", "volume": "10", "cost": "8500000.00",
            "permasalahan": "Genangan", "gagasan": "Drainase gang", "submitted_at": "2027-01-10T08:00:00+07:00"}
    return make_event("musrenbang", routing_key, usulan_id, data, PEMDA, TAHUN)


def rkpd_usulan(db_url, usulan_id):
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("select count(*) from usulan_base where usulan_id = :u"),
                                {"u": usulan_id}).scalar()
    finally:
        engine.dispose()


def test_an_unknown_version_at_a_follower_is_parked_and_applied_once_by_replay_after_the_upgrade(
        amqp_uri, rkpd_db, channel, fast_retries, start_container, monkeypatch, tmp_path):
    """RKPD binds `#`: it receives `usulan.submitted.v9` from a newer Musrenbang before it knows that
    version. Parked, not ignored (its data would be lost); the events behind it go on. The upgrade
    (a contract that documents v9 and a handler for it) is deployed; replay applies it once."""
    monkeypatch.setenv("RKPD_OUTPUT_DIR", str(tmp_path / "rkpd"))
    old = start_container(RkpdService, rkpd_db)
    newer, known = str(uuid.uuid4()), str(uuid.uuid4())
    v9 = submitted("usulan.submitted.v9", newer)
    publish(amqp_uri, json_message("musrenbang.events", "usulan.submitted.v9", v9),
            json_message("musrenbang.events", "usulan.submitted.v1", submitted("usulan.submitted.v1", known)))
    support.wait_for(lambda: rkpd_usulan(rkpd_db, known) == 1, what="the v1 event behind it")
    support.wait_for(lambda: support.queue_depth(channel, FOLLOWER.dead_queue) == 1, what="the parked v9 event")
    (letter,) = dead_letters(FOLLOWER.dead_queue, amqp_uri)
    assert letter["event_id"] == v9["id"] and letter["attempts"] == 1
    assert "usulan.submitted.v9 is not in the contract" in letter["error"]
    assert processed(rkpd_db, v9["id"]) == 0 and rkpd_usulan(rkpd_db, newer) == 0

    # the upgrade: RKPD restarted with the newer contract and a handler for v9
    old.stop()
    monkeypatch.setenv("EPLANNING_CONTRACT", str(contract_with_submitted_v9(tmp_path)))
    monkeypatch.setitem(facts.HANDLERS, ("musrenbang", "usulan.submitted.v9"), facts.record_usulan)
    start_container(RkpdService, rkpd_db)
    assert cli(amqp_uri, "replay", "--queue", FOLLOWER.dead_queue, "--id", v9["id"]).stdout.strip() == \
        f"replayed {v9['id']}"
    support.wait_for(lambda: rkpd_usulan(rkpd_db, newer) == 1, what="the replayed v9 event's effect")
    assert processed(rkpd_db, v9["id"]) == 1
    # the same event again (a second replay, a redelivery) is a no-op
    publish(amqp_uri, json_message("musrenbang.events", "usulan.submitted.v9", v9))
    time.sleep(0.5)
    assert processed(rkpd_db, v9["id"]) == 1 and rkpd_usulan(rkpd_db, newer) == 1
    assert support.queue_depth(channel, FOLLOWER.dead_queue) == 0


def test_replaying_messages_that_are_still_poison_parks_each_again_once_instead_of_looping(
        amqp_uri, renja_db, channel, fast_retries, start_container):
    """Each replayed poison message is parked again within milliseconds; a replay that read the
    queue until it was empty met them again and again (50 messages were replayed 3,486 times)."""
    start_container(RenjaService, renja_db)
    ids = [f"hopeless-{i:02d}" for i in range(30)]
    publish(amqp_uri, *(raw("usulan.routed.v1", b"{still not json", message_id=i) for i in ids))
    support.wait_for(lambda: support.queue_depth(channel, ROUTED.dead_queue) == 30, what="the parked messages")
    replayed = cli(amqp_uri, "replay", "--queue", ROUTED.dead_queue, "--all", timeout=60)
    # each once, though they came back (parked from concurrent workers: in any order)
    assert sorted(replayed.stdout.splitlines()) == [f"replayed {i}" for i in ids]
    support.wait_for(lambda: support.queue_depth(channel, ROUTED.dead_queue) == 30, what="the messages parked again")
    letters = dead_letters(ROUTED.dead_queue, amqp_uri)
    assert sorted(letter["event_id"] for letter in letters) == ids
    assert all(letter["error"].startswith("DecodeError") for letter in letters)
