"""deploy/rabbitmq/definitions.json on a real broker: the generated definitions are imported into a
throwaway vhost (with throwaway users), then each component works with only its own user's rights
and AMQP_TOPOLOGY=definitions, and is refused what it does not need:

- every queue of the topology is a quorum queue and every queue has a dead-letter policy (also the
  RPC queue nameko declares itself);
- a nameko service consumes its RPC queue and its event queue without declaring the latter, checks
  the topology with passive declares, and parks a poison event in `.dead` through the default
  exchange; the gateway's RPC client calls it;
- a message that keeps coming back (delivery limit) is dead-lettered into its `.dead` queue by the
  policy, and the retry queue's TTL dead-letters back to the main queue (quorum queues);
- refused: another service's queue or exchange, declaring a topology queue (configure), RPC routing
  keys outside the topic permissions.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.parse
import uuid

import amqp
import amqp.exceptions
import pytest
import requests
from nameko.containers import ServiceContainer
from nameko.rpc import rpc

from eplanning_common import rabbitmq_definitions as rd
from eplanning_common.consumer import event_handler
from eplanning_common.envelope import make_event
from eplanning_common.publisher import open_connection
from eplanning_common.topology import PROJECT_TOPOLOGY, TopologyMissing, Topology, verify

from . import support
from .conftest import ROOT

pytestmark = pytest.mark.timeout(180)

AUTH = ("guest", "guest")
API = support.RABBIT_MGMT + "/api"


class Defs:
    def __init__(self, vhost: str, prefix: str, passwords: dict[str, str]):
        self.vhost, self.prefix, self.passwords = vhost, prefix, passwords

    def uri(self, user: str) -> str:
        return (f"amqp://{self.prefix}{user}:{self.passwords[user]}@{support.RABBIT_HOST}:5672/"
                f"{urllib.parse.quote(self.vhost, safe='')}")

    def api(self, path: str, auth=AUTH):
        answer = requests.get(f"{API}/{path}", auth=auth, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def queues(self) -> dict[str, dict]:
        return {q["name"]: q for q in self.api(f"queues/{urllib.parse.quote(self.vhost, safe='')}")}


@pytest.fixture(scope="module")
def defs():
    tag = uuid.uuid4().hex[:8]
    vhost, prefix = f"eplanning-test-defs-{tag}", f"t{tag}-"
    users = [p.user for p in rd.PRINCIPALS] + [rd.MONITORING_USER]
    passwords = {u: f"pw-{u}-{tag}" for u in users}
    doc = rd.definitions(PROJECT_TOPOLOGY, vhost=vhost, passwords=passwords, user_prefix=prefix)
    answer = requests.post(f"{API}/definitions", auth=AUTH, json=doc, timeout=60)
    try:
        assert answer.status_code in (200, 201, 204), answer.text
        quoted = urllib.parse.quote(vhost, safe="")
        requests.put(f"{API}/permissions/{quoted}/guest", auth=AUTH, timeout=10,
                     json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
        yield Defs(vhost, prefix, passwords)
    finally:
        requests.delete(f"{API}/vhosts/{urllib.parse.quote(vhost, safe='')}", auth=AUTH, timeout=30)
        for user in users:
            requests.delete(f"{API}/users/{urllib.parse.quote(prefix + user, safe='')}", auth=AUTH, timeout=10)


def wait_for(predicate, timeout=15.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_every_topology_queue_is_a_quorum_queue_with_a_dead_letter_policy(defs):
    queues = defs.queues()
    expected = {rd.DEAD_LETTER_SINK} | {n for s in PROJECT_TOPOLOGY.subscriptions
                                        for n in (s.queue, s.retry_queue, s.dead_queue)}
    assert expected <= set(queues)
    assert {name: queues[name]["type"] for name in expected} == {name: "quorum" for name in expected}
    policies = wait_for(lambda: all(queues[n].get("policy") for n in expected) and queues
                        or (queues.update(defs.queues()) or None), what="policies applied")
    for name in expected - {rd.DEAD_LETTER_SINK}:
        effective = policies[name]["effective_policy_definition"]
        assert "dead-letter-exchange" in effective, (name, effective)
    sub = PROJECT_TOPOLOGY.subscriptions[0]
    assert policies[sub.queue]["effective_policy_definition"]["dead-letter-routing-key"] == sub.dead_queue
    assert policies[rd.DEAD_LETTER_SINK]["policy"] == "dead-letter sink"


class MusrenbangProbe:
    """Stands in for the musrenbang service: an RPC method and one of its real event handlers."""
    name = "musrenbang"

    @rpc
    def ping(self):
        return "pong"

    @event_handler("renja", "inbox.decided.v1")
    def on_decided(self, event):  # pragma: no cover - the test only sends a poison message
        raise AssertionError("a poison message must not reach the handler")


def test_a_service_and_the_gateway_work_with_their_own_users_only(defs, monkeypatch):
    from gateway.rpc import NamekoRpc

    monkeypatch.setenv("AMQP_TOPOLOGY", "definitions")
    container = ServiceContainer(MusrenbangProbe, {"AMQP_URI": defs.uri("musrenbang"), "max_workers": 4})
    container.start()
    try:
        rpc_client = NamekoRpc(defs.uri("gateway"), timeout=10, context_factory=dict)
        try:
            assert rpc_client.call("musrenbang", "ping") == "pong"
        finally:
            rpc_client.close()

        # the relay's check of the whole topology, as the musrenbang user: passive declares only
        conn = open_connection(defs.uri("musrenbang"))
        try:
            verify(conn, PROJECT_TOPOLOGY)
            with pytest.raises(TopologyMissing, match="queue q.nobody"):
                verify(conn, Topology(exchanges=(), subscriptions=(
                    type(PROJECT_TOPOLOGY.subscriptions[0])("nobody", "musrenbang", "x.v1"),)))
        finally:
            conn.close()

        # renja publishes a poison message on its exchange (its own user): musrenbang's handler
        # parks it in .dead through the default exchange, with nothing but its own rights
        sub = PROJECT_TOPOLOGY.find("musrenbang", "renja", "inbox.decided.v1")
        conn = open_connection(defs.uri("renja"))
        try:
            conn.channel().basic_publish_confirm(
                amqp.Message(b'{"not": "an event"}', content_type="application/json", delivery_mode=2,
                             message_id="poison-1"),
                exchange="renja.events", routing_key="inbox.decided.v1", mandatory=True, confirm_timeout=10)
        finally:
            conn.close()
        wait_for(lambda: defs.queues()[sub.dead_queue].get("messages", 0) >= 1, what="the poison message parked")
        # nameko's own RPC queue has its dead-letter policy too (the management API shows it within seconds)
        wait_for(lambda: defs.queues()["rpc-musrenbang"].get("policy") == "dl rpc", what="rpc-musrenbang's policy")
    finally:
        container.stop()


def refused(user: str, defs: Defs, action) -> bool:
    conn = open_connection(defs.uri(user))
    try:
        channel = conn.channel()
        try:
            action(channel)
        except amqp.exceptions.AccessRefused:
            return True
        return False
    finally:
        try:
            conn.close()
        except Exception:
            pass


def _publish(exchange: str, routing_key: str):
    def action(channel):  # waits for the broker's confirm: a refusal closes the channel before it
        channel.basic_publish_confirm(amqp.Message(b"{}", delivery_mode=2), exchange=exchange,
                                      routing_key=routing_key, confirm_timeout=10)
    return action


def test_each_user_is_refused_what_it_does_not_need(defs):
    pokir_queue = PROJECT_TOPOLOGY.find("pokir", "musrenbang", "usulan.submitted.v1").queue
    own_queue = PROJECT_TOPOLOGY.find("musrenbang", "renja", "inbox.decided.v1").queue
    reply_key = str(uuid.uuid4())
    # allowed (controls: the refusals below are about the target, not a broken user)
    assert not refused("musrenbang", defs, _publish("musrenbang.events", "usulan.submitted.v1"))
    assert not refused("gateway", defs, _publish("nameko-rpc", "musrenbang.ping"))
    assert not refused("rkpd", defs, _publish("nameko-rpc", "pokir.list_pokir"))
    assert not refused("musrenbang", defs, _publish("nameko-rpc", reply_key))  # an RPC reply
    assert not refused("musrenbang", defs, lambda ch: ch.basic_consume(own_queue))
    # another service's queue and exchange
    assert refused("musrenbang", defs, lambda ch: ch.basic_consume(pokir_queue))
    assert refused("musrenbang", defs, _publish("pokir.events", "pokir.delivered.v1"))
    assert refused("gateway", defs, _publish("musrenbang.events", "usulan.submitted.v1"))
    assert refused("webhooks", defs, _publish("renja.events", "inbox.decided.v1"))
    # the topology belongs to the definitions: no service may (re)declare or delete it
    assert refused("musrenbang", defs, lambda ch: ch.queue_declare(own_queue, durable=True, auto_delete=False))
    assert refused("musrenbang", defs, lambda ch: ch.queue_delete(own_queue))
    assert refused("musrenbang", defs, lambda ch: ch.exchange_declare("renja.events", "topic", durable=True,
                                                                      auto_delete=False))
    # RPC topic permissions: a service calls no one (it only replies), the gateway only requests
    assert refused("musrenbang", defs, _publish("nameko-rpc", "pokir.list_pokir"))
    assert refused("gateway", defs, _publish("nameko-rpc", reply_key))
    assert refused("rkpd", defs, _publish("nameko-rpc", "webhooks.health"))
    # issue #18: RKPD may publish only the reads its service identity is granted; the webhooks worker
    # (it talks to the internet) no request at all, only its replies
    assert not refused("rkpd", defs, _publish("nameko-rpc", "renja.list_rows"))
    assert refused("rkpd", defs, _publish("nameko-rpc", "musrenbang.get_usulan"))
    assert refused("rkpd", defs, _publish("nameko-rpc", "renja.set_pagu"))
    assert not refused("webhooks", defs, _publish("nameko-rpc", reply_key))
    for key in ("musrenbang.get_usulan", "pokir.list_pokir", "renja.list_rows", "rkpd.status", "webhooks.health"):
        assert refused("webhooks", defs, _publish("nameko-rpc", key)), key
    # the monitoring user (KEDA) can read queue depths through the management API and nothing else
    keda = (defs.prefix + rd.MONITORING_USER, defs.passwords[rd.MONITORING_USER])
    depths = defs.api(f"queues/{urllib.parse.quote(defs.vhost, safe='')}", auth=keda)
    assert own_queue in {q["name"] for q in depths}
    assert refused(rd.MONITORING_USER, defs, lambda ch: ch.basic_consume(own_queue))


def test_delivery_limit_parks_and_retry_ttl_returns_on_quorum_queues(defs):
    sub = PROJECT_TOPOLOGY.find("pokir", "musrenbang", "stage.opened.v1")  # nothing consumes it here
    conn = amqp.Connection(f"{support.RABBIT_HOST}:5672", userid="guest", password="guest", virtual_host=defs.vhost)
    conn.connect()
    try:
        channel = conn.channel()
        # the retry queue's TTL sends the message back to the main queue
        channel.basic_publish_confirm(amqp.Message(b'{"n": 1}', delivery_mode=2, expiration="100"), exchange="",
                                      routing_key=sub.retry_queue, confirm_timeout=10)
        message = wait_for(lambda: channel.basic_get(sub.queue), what="the retried message back in its queue")
        assert json.loads(message.body) == {"n": 1}
        # a message that keeps coming back: after the policy's delivery limit it is parked in .dead
        channel.basic_reject(message.delivery_tag, requeue=True)
        for _ in range(rd.CONSUMER_DELIVERY_LIMIT + 5):
            message = channel.basic_get(sub.queue)
            if message is None:
                break
            channel.basic_reject(message.delivery_tag, requeue=True)
        dead = wait_for(lambda: channel.basic_get(sub.dead_queue), what="the message in .dead")
        assert json.loads(dead.body) == {"n": 1}
        deaths = dead.headers["x-death"]
        assert deaths[0]["queue"] == sub.queue and deaths[0]["reason"] == "delivery_limit"
        channel.basic_ack(dead.delivery_tag)
    finally:
        conn.close()


@pytest.fixture()
def partner(defs):
    """Partner `acme`'s definitions (rabbitmq_definitions.partner_definitions) imported into the vhost
    already loaded with the project's: the import adds them."""
    doc = rd.partner_definitions("acme", PROJECT_TOPOLOGY, vhost=defs.vhost, password=f"pw-acme-{defs.prefix}",
                                 user_prefix=defs.prefix)
    answer = requests.post(f"{API}/definitions", auth=AUTH, json=doc, timeout=30)
    assert answer.status_code in (200, 201, 204), answer.text
    defs.passwords["partner.acme"] = f"pw-acme-{defs.prefix}"
    try:
        yield defs
    finally:
        requests.delete(f"{API}/users/{urllib.parse.quote(defs.prefix + 'partner.acme', safe='')}", auth=AUTH,
                        timeout=10)


def test_a_partner_reads_the_events_through_its_own_queues_and_nothing_else(partner):
    """partner.acme declares partner.acme.usulan, binds it to musrenbang.events and receives what the
    musrenbang user publishes there; it is refused other queues, publishing on a service exchange
    or the default exchange, RPC, and binding to the RPC exchange."""
    own = "partner.acme.usulan"
    service_queue = PROJECT_TOPOLOGY.find("pokir", "musrenbang", "usulan.submitted.v1").queue
    conn = open_connection(partner.uri("partner.acme"))
    try:
        channel = conn.channel()
        channel.queue_declare(own, durable=True, auto_delete=False)
        channel.queue_bind(own, exchange="musrenbang.events", routing_key="usulan.#")
        channel.queue_bind(own, exchange="rkpd.events", routing_key="#")
        publisher = open_connection(partner.uri("musrenbang"))
        try:
            publisher.channel().basic_publish_confirm(
                amqp.Message(b'{"id": "e-1"}', content_type="application/json", delivery_mode=2),
                exchange="musrenbang.events", routing_key="usulan.submitted.v1", mandatory=True, confirm_timeout=10)
        finally:
            publisher.close()
        message = wait_for(lambda: channel.basic_get(own), what="the event in the partner's queue")
        assert json.loads(message.body) == {"id": "e-1"}
        channel.basic_ack(message.delivery_tag)
        channel.basic_consume(own, callback=lambda m: None)  # consuming its own queue is allowed
    finally:
        conn.close()
    # the example subscriber the README gives partners works with the partner account
    proc = subprocess.Popen([sys.executable, str(ROOT / "contracts" / "examples" / "subscriber.py"),
                             "--amqp", partner.uri("partner.acme"), "--exchange", "rkpd.events", "--pattern", "#",
                             "--queue", "partner.acme.example", "--limit", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "listening on rkpd.events" in proc.stdout.readline(), proc.stderr.read() if proc.poll() else ""
        event = make_event("rkpd", "rkpd.published.v1", "R-1", {}, "12.21", 2027)
        publisher = open_connection(partner.uri("rkpd"))
        try:
            publisher.channel().basic_publish_confirm(
                amqp.Message(json.dumps(event).encode(), content_type="application/json", delivery_mode=2),
                exchange="rkpd.events", routing_key="rkpd.published.v1", mandatory=True, confirm_timeout=10)
        finally:
            publisher.close()
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert json.loads(out.strip().splitlines()[-1])["subject"] == "R-1"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    # its queues get their own bounded policy, not the stages' dead-letter ones
    queue = wait_for(lambda: partner.queues()[own].get("policy") and partner.queues()[own], what="the policy")
    assert queue["policy"] == "partner.acme"
    assert queue["effective_policy_definition"]["overflow"] == "drop-head"

    assert refused("partner.acme", partner, lambda ch: ch.queue_declare("partner.other.x", durable=True,
                                                                        auto_delete=False))
    assert refused("partner.acme", partner, lambda ch: ch.queue_declare("acme.x", durable=True, auto_delete=False))
    assert refused("partner.acme", partner, lambda ch: ch.basic_consume(service_queue))
    assert refused("partner.acme", partner, lambda ch: ch.queue_bind(service_queue, exchange="musrenbang.events",
                                                                     routing_key="#"))
    assert refused("partner.acme", partner, lambda ch: ch.queue_delete(service_queue))
    assert refused("partner.acme", partner, _publish("musrenbang.events", "usulan.submitted.v1"))
    assert refused("partner.acme", partner, _publish("", own))  # not even into its own queue
    assert refused("partner.acme", partner, _publish("", "rpc-musrenbang"))
    assert refused("partner.acme", partner, _publish("nameko-rpc", "musrenbang.ping"))  # RPC
    assert refused("partner.acme", partner, lambda ch: ch.queue_bind(own, exchange="nameko-rpc", routing_key="#"))
    assert refused("partner.acme", partner, lambda ch: ch.exchange_declare("musrenbang.events", "topic", durable=True,
                                                                           auto_delete=False))
