"""The event backbone against the real RabbitMQ and PostgreSQL: outbox, relay, idempotent
consumers, retries and dead letters, and consumers that start late."""
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from nameko.exceptions import RemoteError
from nameko.standalone.rpc import ClusterRpcProxy

from eplanning_common.envelope import make_event
from eplanning_common.publisher import ConfirmingPublisher, json_message, open_connection
from eplanning_common.topology import declare

from . import support
from .conftest import ROOT, nameko_process
from .probe_service import PROBE_TOPOLOGY, SINK, ProbeService, ProbeSinkService, create_schema, effects, switches

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def probe_db():
    url = support.fresh_database("eplanning_test_probe")
    engine = sa.create_engine(url)
    create_schema(engine)
    yield url
    engine.dispose()


@pytest.fixture
def db(probe_db, engine_for):
    return engine_for(probe_db)


@pytest.fixture
def rpc(amqp_uri):
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=15) as proxy:
        yield proxy


@pytest.fixture
def channel(amqp_uri):
    conn = open_connection(amqp_uri)
    channel = conn.channel()
    declare(channel, PROBE_TOPOLOGY)
    yield channel
    conn.close()


def effect_count(db, key):
    with db.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(effects).where(effects.c.key == key)).scalar()


def outbox_rows(db, key):
    with db.connect() as conn:
        return conn.execute(sa.text(
            "select status, envelope from outbox where envelope->>'subject' = :k"), {"k": key}).all()


def new_key():
    return f"k-{uuid.uuid4().hex[:10]}"


def publish_raw(amqp_uri, envelope):
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        publisher.publish(json_message("probe.events", "item.recorded.v1", envelope))
    finally:
        publisher.close()


def test_committed_event_is_delivered_after_the_process_dies_before_publishing(amqp_uri, probe_db, db, rpc,
                                                                               channel, start_container):
    key = new_key()
    env = {"AMQP_URI": amqp_uri, "DATABASE_URL": probe_db, "OUTBOX_RELAY_ENABLED": "false"}
    with nameko_process("tests.integration.probe_service:ProbeService", env, ROOT) as proc:
        support.wait_for(lambda: _try_record(rpc, key), timeout=30, what="the probe process to answer")
        # the transaction committed; the relay is off, so nothing was published ...
        assert [r.status for r in outbox_rows(db, key)] == ["pending"]
        proc.kill()  # ... and the process dies before anything publishes it
        proc.wait()
    assert support.queue_depth(channel, SINK.queue) == 0

    start_container(ProbeService, probe_db)  # a restarted relay sweeps what was left
    support.wait_for(lambda: support.queue_depth(channel, SINK.queue) == 1, what="the event in the sink queue")
    delivered = support.get_json(channel, SINK.queue)
    assert delivered["subject"] == key
    assert delivered["data"] == {"key": key}
    assert delivered["pemda"] == "12.21" and delivered["tahun"] == 2027
    assert [r.status for r in outbox_rows(db, key)] == ["sent"]


def _try_record(rpc, key):
    try:
        return rpc.probe.record(key) == key
    except Exception:
        return False


def test_relay_publishes_promptly_after_commit(amqp_uri, probe_db, db, rpc, channel, start_container):
    start_container(ProbeService, probe_db)
    support.wait_for(lambda: support.queue_depth(channel, SINK.queue) == 0 or support.get_json(channel, SINK.queue) is None)
    key = new_key()
    assert rpc.probe.record(key) == key
    # woken by NOTIFY, not by the 5 s sweep (OUTBOX_SWEEP_SECONDS default)
    support.wait_for(lambda: support.queue_depth(channel, SINK.queue) == 1, timeout=2.5, what="prompt publish")
    assert support.get_json(channel, SINK.queue)["subject"] == key


def test_rolled_back_transaction_publishes_nothing(amqp_uri, probe_db, db, rpc, channel, start_container):
    start_container(ProbeService, probe_db)
    while support.get_json(channel, SINK.queue) is not None:
        pass
    key = new_key()
    with pytest.raises(RemoteError) as failure:
        rpc.probe.record(key, fail_after_emit=True)
    assert failure.value.exc_type == "RollbackRequested"
    assert outbox_rows(db, key) == []
    with db.connect() as conn:
        assert conn.execute(sa.text("select count(*) from items where key = :k"), {"k": key}).scalar() == 0
    # a later committed event goes through, and the rolled-back one never appears before it
    other = new_key()
    rpc.probe.record(other)
    support.wait_for(lambda: support.queue_depth(channel, SINK.queue) >= 1, what="the committed event")
    subjects = []
    while (event := support.get_json(channel, SINK.queue)) is not None:
        subjects.append(event["subject"])
    assert subjects == [other]


def test_the_same_event_delivered_twice_has_one_effect(amqp_uri, probe_db, db, start_container):
    start_container(ProbeSinkService, probe_db)
    key = new_key()
    envelope = make_event("probe", "item.recorded.v1", key, {"key": key}, "12.21", 2027)
    publish_raw(amqp_uri, envelope)
    publish_raw(amqp_uri, envelope)
    support.wait_for(lambda: effect_count(db, key) == 1, what="the first effect")
    with db.connect() as conn:
        support.wait_for(lambda: conn.execute(sa.text("select runs from switches where key = :k"),
                                              {"k": key}).scalar() == 2, what="the second delivery to run")
    assert effect_count(db, key) == 1


def test_failing_handler_is_retried_then_dead_lettered_and_replay_takes_effect_once(
        amqp_uri, probe_db, db, channel, fast_retries, start_container):
    key = new_key()
    with db.begin() as conn:
        conn.execute(switches.insert().values(key=key, failures_left=1000))
    while support.get_json(channel, SINK.dead_queue) is not None:
        pass
    start_container(ProbeSinkService, probe_db)
    envelope = make_event("probe", "item.recorded.v1", key, {"key": key}, "12.21", 2027)
    publish_raw(amqp_uri, envelope)

    support.wait_for(lambda: support.queue_depth(channel, SINK.dead_queue) == 1, what="the dead letter")
    with db.connect() as conn:
        runs = conn.execute(sa.text("select runs from switches where key = :k"), {"k": key}).scalar()
    assert runs == 3  # EVENT_MAX_ATTEMPTS
    assert effect_count(db, key) == 0

    cli = Path(sys.executable).parent / "eplanning-deadletters"
    env = {**os.environ, "AMQP_URI": amqp_uri}
    listed = subprocess.run([str(cli), "list", "--queue", SINK.dead_queue], env=env, capture_output=True,
                            text=True, check=True)
    letter = json.loads(listed.stdout.strip().splitlines()[0])
    assert letter["event_id"] == envelope["id"]
    assert letter["attempts"] == 3
    assert "told to fail" in letter["error"]
    assert support.queue_depth(channel, SINK.dead_queue) == 1  # listing removed nothing

    with db.begin() as conn:  # the cause is fixed
        conn.execute(switches.update().where(switches.c.key == key).values(failures_left=0))
    replayed = subprocess.run([str(cli), "replay", "--queue", SINK.dead_queue, "--id", envelope["id"]],
                              env=env, capture_output=True, text=True, check=True)
    assert f"replayed {envelope['id']}" in replayed.stdout
    support.wait_for(lambda: effect_count(db, key) == 1, what="the replayed event's effect")
    assert support.queue_depth(channel, SINK.dead_queue) == 0
    # replaying the same event again (say an operator replays twice) changes nothing
    publish_raw(amqp_uri, envelope)
    with db.connect() as conn:
        support.wait_for(lambda: conn.execute(sa.text("select runs from switches where key = :k"),
                                              {"k": key}).scalar() == 5, what="the second replay to run")
    assert effect_count(db, key) == 1


def test_malformed_message_goes_straight_to_the_dead_letter_queue(amqp_uri, probe_db, db, channel,
                                                                   fast_retries, start_container):
    while support.get_json(channel, SINK.dead_queue) is not None:
        pass
    start_container(ProbeSinkService, probe_db)
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        bogus = json_message("probe.events", "item.recorded.v1", {"id": str(uuid.uuid4()), "hello": "world"})
        publisher.publish(bogus)
    finally:
        publisher.close()
    support.wait_for(lambda: support.queue_depth(channel, SINK.dead_queue) == 1, what="the parked poison message")
    parked = channel.basic_get(SINK.dead_queue, no_ack=True)
    assert "EnvelopeError" in parked.properties["application_headers"]["x-eplanning-last-error"]


def test_event_published_while_the_consumer_is_stopped_is_consumed_when_it_starts(amqp_uri, probe_db, db, rpc,
                                                                                  start_container):
    start_container(ProbeService, probe_db)
    key = new_key()
    rpc.probe.record(key)
    support.wait_for(lambda: [r.status for r in outbox_rows(db, key)] == ["sent"], what="the event to be sent")
    time.sleep(0.3)
    assert effect_count(db, key) == 0  # nobody consumed it yet
    start_container(ProbeSinkService, probe_db)
    support.wait_for(lambda: effect_count(db, key) == 1, what="the late consumer's effect")


def test_correlation_id_travels_from_the_rpc_caller_into_the_event(amqp_uri, probe_db, db, channel, start_container):
    start_container(ProbeService, probe_db)
    while support.get_json(channel, SINK.queue) is not None:
        pass
    key = new_key()
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=15, context_data={"correlation_id": "req-4242"}) as proxy:
        proxy.probe.record(key)
    assert outbox_rows(db, key)[0].envelope["correlationid"] == "req-4242"
    support.wait_for(lambda: support.queue_depth(channel, SINK.queue) == 1, what="the event")
    message = channel.basic_get(SINK.queue, no_ack=True)
    assert json.loads(message.body)["correlationid"] == "req-4242"
    # nameko turns this header into the consuming worker's context data
    assert message.properties["application_headers"]["nameko.correlation_id"] == "req-4242"


def test_example_partner_subscriber_receives_events(amqp_uri, probe_db, rpc, start_container):
    queue = f"partner.test-{uuid.uuid4().hex[:6]}"
    script = ROOT / "contracts" / "examples" / "subscriber.py"
    args = [sys.executable, str(script), "--amqp", amqp_uri, "--exchange", "probe.events",
            "--pattern", "item.#", "--queue", queue, "--limit", "1"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert "listening on probe.events" in proc.stdout.readline()  # its queue is bound now
        start_container(ProbeService, probe_db)
        key = new_key()
        rpc.probe.record(key)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    printed = json.loads(out.strip().splitlines()[-1])
    assert printed["subject"] == key
    assert printed["type"] == "id.eplanning.probe.item.recorded.v1"
