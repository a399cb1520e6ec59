"""Partner webhooks against the real RabbitMQ and PostgreSQL: the `webhooks` worker runs as a real
nameko service on a fresh gateway database (migrated by the real `gateway-migrate`), events are
published to the stage exchanges the way the outbox relay publishes them (confirmed, mandatory),
the admin API is the real app on the same database, and the partner is an HTTP server on
127.0.0.1 in this process.

Timings are shortened through the environment (GATEWAY_WEBHOOKS_*: 50 ms backoff base, 50 ms
poll). Each test prints what it measured (run with -s to see it)."""
from __future__ import annotations

import http.server
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from falcon import testing

from eplanning_common import contracts
from eplanning_common.envelope import make_event
from eplanning_common.publisher import ConfirmingPublisher, json_message, open_connection
from eplanning_common.topology import PROJECT_TOPOLOGY, declare
from gateway.api.idempotency import MemoryIdempotencyStore
from gateway.app import create_app
from gateway.auth.passwords import Passwords
from gateway.auth.service import AuthService
from gateway.auth.store import SqlAuthStore
from gateway.auth.tokens import AccessTokens
from gateway.auth.users import User
from gateway.webhooks import signing
from gateway.webhooks.schema import deliveries as deliveries_table
from gateway.webhooks.dispatcher import WebhookDispatcher
from gateway.webhooks.service import WebhookService
from gateway.webhooks.store import WebhookStore

from . import support
from .conftest import ROOT

pytestmark = pytest.mark.timeout(180)

DB_NAME = "eplanning_test_webhooks"
BIN = Path(sys.executable).parent
JWT_SECRET = b"integration-webhooks-secret-" * 3
BASE = "/v1/webhooks"


# -- the partner ------------------------------------------------------------------------------------

class Partner:
    """An HTTP receiver on 127.0.0.1: answers `status` (changeable), records every request with the
    time it arrived."""

    def __init__(self):
        self.status = 500
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        partner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with partner.lock:
                    partner.requests.append({"at": time.monotonic(), "headers": dict(self.headers), "body": body})
                    status = partner.status
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"no")

            def log_message(self, *args):
                pass

        server_class = type("Server", (http.server.ThreadingHTTPServer,), {"request_queue_size": 128})
        self.server = server_class(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/eplanning/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self) -> int:
        with self.lock:
            return len(self.requests)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def partner():
    p = Partner()
    yield p
    p.close()


# -- database, API, worker --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def database_url():
    url = support.fresh_database(DB_NAME)
    done = subprocess.run([str(BIN / "gateway-migrate")], env={**os.environ, "GATEWAY_DATABASE_URL": url},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return url


@pytest.fixture(scope="module")
def engine(database_url):
    engine = sa.create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def fast_webhooks(monkeypatch):
    for name, value in {"GATEWAY_WEBHOOKS_MAX_ATTEMPTS": "4", "GATEWAY_WEBHOOKS_PAUSE_AFTER": "3",
                        "GATEWAY_WEBHOOKS_RETRY_BASE_MS": "50", "GATEWAY_WEBHOOKS_RETRY_MAX_MS": "200",
                        "GATEWAY_WEBHOOKS_POLL_SECONDS": "0.05", "GATEWAY_WEBHOOKS_CONNECT_TIMEOUT_SECONDS": "1",
                        "GATEWAY_WEBHOOKS_TIMEOUT_SECONDS": "3", "GATEWAY_WEBHOOKS_ALLOW_PRIVATE": "1",
                        "EVENT_RETRY_BASE_MS": "50"}.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def pemda():
    """A pemda of this test only: events left in the shared vhost by other tests never match."""
    return f"9{random.randint(0, 9)}.{random.randint(10, 99)}"


@pytest.fixture
def api(engine, pemda):
    """The real gateway app on the test database; `api.headers` are an admin of `pemda`'s."""
    tokens = AccessTokens(JWT_SECRET, issuer="urn:eplanning:gateway", audience="urn:eplanning:api", ttl_seconds=900,
                          clock=lambda: datetime.now(timezone.utc))
    auth = AuthService(SqlAuthStore(engine), tokens, Passwords())

    class NoRpc:
        def call(self, *args, **kwargs):
            raise AssertionError("the webhook API makes no RPC")

        call_many = call

    app = create_app(rpc=NoRpc(), broker_check=lambda timeout: True, auth=auth,
                     idempotency_store=MemoryIdempotencyStore(), deps={"webhooks": WebhookStore(engine)})
    client = testing.TestClient(app)
    now = datetime.now(timezone.utc)
    admin = User(id=str(uuid.uuid4()), username="admin.webhooks", password_hash="$argon2id$unused", role="admin",
                 pemda=pemda, wilayah=None, opd=None, anggota_id=None, active=True, created_at=now, updated_at=now)
    client.headers = {"Authorization": f"Bearer {tokens.issue(admin)[0]}"}
    return client


def purge_webhook_queues(amqp_uri):
    conn = open_connection(amqp_uri)
    try:
        channel = conn.channel()
        declare(channel, PROJECT_TOPOLOGY)
        for sub in PROJECT_TOPOLOGY.for_consumer("webhooks"):
            for queue in (sub.queue, sub.retry_queue, sub.dead_queue):
                channel.queue_purge(queue)
    finally:
        conn.close()


@pytest.fixture
def start_worker(amqp_uri, database_url, start_container):
    purge_webhook_queues(amqp_uri)

    def start():
        return start_container(WebhookService, database_url, GATEWAY_DATABASE_URL=database_url)

    return start


# -- events -----------------------------------------------------------------------------------------

def withdrawn_event(pemda, tahun=2027):
    """A contract-valid musrenbang event (checked against contracts/asyncapi.yaml)."""
    event = make_event("musrenbang", "usulan.withdrawn.v1", str(uuid.uuid4()), {
        "usulan_id": str(uuid.uuid4()), "tracking_code": "K7M2P9QX", "version": 2, "kecamatan": f"{pemda}.01",
        "desa": f"{pemda}.01.2001", "reason": "Diusulkan ganda", "withdrawn_at": datetime.now(timezone.utc).isoformat(),
    }, pemda, tahun)
    contracts.validate_event(event)
    return event


def submitted_event(pemda, tahun=2027):
    """A contract-valid usulan.submitted with free text that names a person."""
    event = make_event("musrenbang", "usulan.submitted.v1", str(uuid.uuid4()), {
        "usulan_id": str(uuid.uuid4()), "tracking_code": "K7M2P9QX", "version": 1, "kecamatan": f"{pemda}.01",
        "desa": f"{pemda}.01.2001", "kamus_kode": "JLN-01", "sub_kegiatan": "1.03.10.2.01.0001",
        "opd": "1.03.0.00.0.00.01.0000", "satuan": "m", "harga_satuan": "750000.00", "volume": "120",
        "cost": "90000000.00", "permasalahan": "Jalan depan rumah Pak Budi Nasution tergenang",
        "gagasan": "Drainase di depan rumah Pak Budi", "submitted_at": datetime.now(timezone.utc).isoformat(),
    }, pemda, tahun)
    contracts.validate_event(event)
    return event


def publish(amqp_uri, *events):
    """As the outbox relay publishes: confirmed, mandatory (an unroutable event would show here)."""
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        messages = [json_message(e["source"].rsplit("/", 1)[1] + ".events", e["type"].split(".", 3)[3], e)
                    for e in events]
        result = publisher.publish_batch(messages)
    finally:
        publisher.close()
    assert not result.failed and not result.unrouted, result
    return time.monotonic()


def subscribe(api, url, event_types=("musrenbang.usulan.*",)):
    result = api.simulate_post(f"{BASE}/subscriptions", headers=api.headers,
                               json={"name": "Mitra uji", "url": url, "event_types": list(event_types)})
    assert result.status_code == 201, result.text
    return result.json


def deliveries_of(api, subscription_id):
    result = api.simulate_get(f"{BASE}/subscriptions/{subscription_id}/deliveries", headers=api.headers)
    assert result.status_code == 200, result.text
    return result.json["items"]


def subscription(api, subscription_id):
    return api.simulate_get(f"{BASE}/subscriptions/{subscription_id}", headers=api.headers).json


def verified(request, secret):
    signing.verify(secret, request["headers"]["Webhook-Signature"], request["body"], now=time.time())
    return json.loads(request["body"])


def report(name, **timings):
    print(f"\n[webhooks timing] {name}: " + ", ".join(f"{k}={v * 1000:.0f} ms" for k, v in timings.items()))


# -- the tests --------------------------------------------------------------------------------------

def test_signed_delivery_retried_then_paused_held_resumed_and_replayed(amqp_uri, api, partner, pemda, start_worker,
                                                                       engine):
    start_worker()
    sub = subscribe(api, partner.url)
    secret = sub["secret"]
    event = withdrawn_event(pemda)
    other_pemda = withdrawn_event("12.99" if pemda != "12.99" else "12.98")
    unwanted_type = make_event("pokir", "reses.recorded.v1", "r-1", {"x": 1}, pemda, 2027)

    # the same event twice (a publisher retry), another pemda's, and a type nobody asked for
    published_at = publish(amqp_uri, event, event, other_pemda, unwanted_type)

    # 500, 500, 500: three consecutive failures pause the subscription (before the 4th attempt)
    support.wait_for(lambda: subscription(api, sub["id"])["status"] == "paused", timeout=20,
                     what="the subscription to pause")
    paused_at = time.monotonic()
    assert partner.count() == 3
    bodies = [verified(r, secret) for r in partner.requests]  # every attempt carries a valid signature
    assert {b["id"] for b in bodies} == {event["id"]}
    assert [r["headers"]["Webhook-Attempt"] for r in partner.requests] == ["1", "2", "3"]
    assert {r["headers"]["Webhook-Id"] for r in partner.requests} == {event["id"]}
    assert len({r["body"] for r in partner.requests}) == 1  # the same bytes each time
    gaps = [b["at"] - a["at"] for a, b in zip(partner.requests, partner.requests[1:])]
    assert gaps[0] >= 0.045 and gaps[1] >= 0.09  # ≈ 50 ms, then 200 ms minus up to 10 % jitter

    paused = subscription(api, sub["id"])
    assert paused["pause_reason"] == "failures" and paused["consecutive_failures"] == 3
    (delivery,) = deliveries_of(api, sub["id"])  # one delivery: duplicate, other pemda and other type skipped
    assert delivery["event_id"] == event["id"] and delivery["status"] == "failed"
    assert delivery["attempt_count"] == 3
    assert [(a["attempt_no"], a["outcome"], a["http_status"]) for a in delivery["attempts"]] == \
        [(1, "failed", 500), (2, "failed", 500), (3, "failed", 500)]

    # paused means held: nothing more is sent, and a new event is recorded but held too
    second = withdrawn_event(pemda)
    publish(amqp_uri, second)
    support.wait_for(lambda: len(deliveries_of(api, sub["id"])) == 2, timeout=10, what="the held second delivery")
    time.sleep(0.6)  # several retry periods
    assert partner.count() == 3

    # the partner is fixed; resuming sends what was held (a fresh round each), and succeeds
    partner.status = 200
    resumed_at = time.monotonic()
    resumed = api.simulate_patch(f"{BASE}/subscriptions/{sub['id']}", json={"active": True}, headers=api.headers)
    assert resumed.status_code == 200 and resumed.json["status"] == "active"
    support.wait_for(lambda: partner.count() == 5, timeout=10, what="the held deliveries after resume")
    arrived_after_resume = max(r["at"] for r in partner.requests[3:])
    assert {verified(r, secret)["id"] for r in partner.requests[3:]} == {event["id"], second["id"]}
    support.wait_for(lambda: all(d["status"] == "delivered" for d in deliveries_of(api, sub["id"])), timeout=5,
                     what="both deliveries delivered")
    assert subscription(api, sub["id"])["consecutive_failures"] == 0

    # replay of a delivered delivery: the same event again, a new attempt
    replayed_at = time.monotonic()
    replay = api.simulate_post(f"{BASE}/deliveries/{delivery['id']}/replay", headers=api.headers)
    assert replay.status_code == 202, replay.text
    support.wait_for(lambda: partner.count() == 6, timeout=10, what="the replayed delivery")
    last = partner.requests[-1]
    replay_arrived = last["at"]
    assert verified(last, secret)["id"] == event["id"]
    assert last["headers"]["Webhook-Id"] == event["id"] and last["headers"]["Webhook-Attempt"] == "5"
    assert last["body"] == partner.requests[0]["body"]
    support.wait_for(lambda: deliveries_of(api, sub["id"])[-1]["attempt_count"] == 5, timeout=5,
                     what="the replay's attempt in the log")
    final = [d for d in deliveries_of(api, sub["id"]) if d["id"] == delivery["id"]][0]
    assert final["status"] == "delivered"
    assert [a["outcome"] for a in final["attempts"]] == ["failed", "failed", "failed", "delivered", "delivered"]

    report("retry-pause-resume-replay",
           publish_to_first_attempt=partner.requests[0]["at"] - published_at,
           first_to_third_attempt=partner.requests[2]["at"] - partner.requests[0]["at"],
           publish_to_paused_seen=paused_at - published_at,
           resume_to_held_arrived=arrived_after_resume - resumed_at,
           replay_to_arrived=replay_arrived - replayed_at)


@pytest.mark.parametrize("opted_in", [False, True], ids=["default", "pemda_opted_in"])
def test_partners_receive_no_free_text_unless_the_pemda_opted_in(amqp_uri, api, partner, pemda, start_worker,
                                                                  monkeypatch, opted_in):
    """Issue #18 finding 11: permasalahan and gagasan (x-free-text in the contract) are left out of the
    webhook body — and of the stored delivery, so a replay cannot send them either."""
    monkeypatch.setenv("GATEWAY_WEBHOOKS_FREE_TEXT_PEMDA", pemda if opted_in else "")
    partner.status = 200
    start_worker()
    sub = subscribe(api, partner.url, ["musrenbang.usulan.submitted.v1"])
    event = submitted_event(pemda)
    publish(amqp_uri, event)
    support.wait_for(lambda: partner.count() == 1, timeout=10, what="the delivery")
    body = verified(partner.requests[0], sub["secret"])
    assert body["id"] == event["id"] and body["data"]["cost"] == "90000000.00"
    if opted_in:
        assert body["data"] == event["data"]
    else:
        assert "permasalahan" not in body["data"] and "gagasan" not in body["data"]
        assert b"Budi" not in partner.requests[0]["body"]
        assert {k: v for k, v in event["data"].items() if k not in ("permasalahan", "gagasan")} == body["data"]


def test_a_refused_address_shows_in_the_delivery_log_only_as_address_not_allowed(amqp_uri, api, partner, pemda,
                                                                                start_worker, monkeypatch):
    """Issue #18 finding 2: the worker (address rules on) refuses a host that resolves to 127.0.0.1;
    the subscriber's delivery log says "address not allowed" and never which address it resolved to."""
    host_url = partner.url.replace("http://", "https://")  # registered while the local mode was on
    sub = subscribe(api, host_url)
    monkeypatch.setenv("GATEWAY_WEBHOOKS_ALLOW_PRIVATE", "0")
    start_worker()
    publish(amqp_uri, withdrawn_event(pemda))
    support.wait_for(lambda: [a for d in deliveries_of(api, sub["id"]) for a in d["attempts"]], timeout=10,
                     what="the first attempt")
    (delivery,) = deliveries_of(api, sub["id"])
    attempt = delivery["attempts"][0]
    assert attempt["outcome"] == "failed" and attempt["http_status"] is None
    assert attempt["error"].endswith("address not allowed") and delivery["last_error"] == attempt["error"]
    assert "127.0.0.1" not in json.dumps(delivery) and "resolves" not in json.dumps(delivery)
    assert partner.count() == 0


def test_a_dead_delivery_is_replayed_and_arrives(amqp_uri, api, partner, pemda, start_worker, monkeypatch):
    monkeypatch.setenv("GATEWAY_WEBHOOKS_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("GATEWAY_WEBHOOKS_PAUSE_AFTER", "10")
    start_worker()
    sub = subscribe(api, partner.url, ["*.usulan.withdrawn.v1"])
    event = withdrawn_event(pemda)
    publish(amqp_uri, event)

    support.wait_for(lambda: [d["status"] for d in deliveries_of(api, sub["id"])] == ["dead"], timeout=15,
                     what="the delivery to die")
    assert partner.count() == 2
    assert subscription(api, sub["id"])["status"] == "active"  # 2 failures < PAUSE_AFTER
    (dead,) = deliveries_of(api, sub["id"])
    assert dead["next_attempt_at"] is None and dead["last_status"] == 500

    partner.status = 204
    started = time.monotonic()
    assert api.simulate_post(f"{BASE}/deliveries/{dead['id']}/replay", headers=api.headers).status_code == 202
    support.wait_for(lambda: partner.count() == 3, timeout=10, what="the replayed dead delivery")
    took = partner.requests[-1]["at"] - started
    assert verified(partner.requests[-1], sub["secret"])["id"] == event["id"]
    support.wait_for(lambda: deliveries_of(api, sub["id"])[0]["status"] == "delivered", timeout=5,
                     what="delivered after replay")
    report("dead-then-replay", replay_to_arrived=took)


def test_new_deliveries_and_replays_wake_the_worker_at_once(amqp_uri, api, partner, pemda, start_worker,
                                                            monkeypatch):
    """LISTEN/NOTIFY: with a 30 s poll, only a notification can make these arrive within seconds."""
    monkeypatch.setenv("GATEWAY_WEBHOOKS_POLL_SECONDS", "30")
    partner.status = 200
    start_worker()
    time.sleep(0.3)  # the dispatcher has looked once and now waits (up to 30 s)
    sub = subscribe(api, partner.url)
    event = withdrawn_event(pemda)
    published = publish(amqp_uri, event)  # the worker's own collect NOTIFYs
    support.wait_for(lambda: partner.count() == 1, timeout=5, what="the first delivery")
    first = partner.requests[0]["at"] - published
    (delivery,) = deliveries_of(api, sub["id"])
    time.sleep(0.3)
    replayed = time.monotonic()
    assert api.simulate_post(f"{BASE}/deliveries/{delivery['id']}/replay", headers=api.headers).status_code == 202
    support.wait_for(lambda: partner.count() == 2, timeout=5, what="the replay (NOTIFY from the API's process)")
    report("notify-wakeup", publish_to_delivered=first, replay_to_delivered=partner.requests[1]["at"] - replayed)


def test_the_test_button_sends_a_signed_ping(api, partner, start_worker):
    start_worker()
    partner.status = 200
    sub = subscribe(api, partner.url)
    result = api.simulate_post(f"{BASE}/subscriptions/{sub['id']}/test", headers=api.headers)
    assert result.status_code == 202
    support.wait_for(lambda: partner.count() == 1, timeout=10, what="the ping")
    ping = verified(partner.requests[0], sub["secret"])
    assert ping["type"] == "id.eplanning.gateway.webhook.ping.v1" and ping["data"]["subscription_id"] == sub["id"]


def test_two_replicas_send_each_delivery_exactly_once(amqp_uri, api, engine, pemda, start_worker, partner):
    partner.status = 200
    replicas = [start_worker(), start_worker()]  # two replicas: same queues, same database
    subs = [subscribe(api, partner.url) for _ in range(2)]
    events = [withdrawn_event(pemda) for _ in range(30)]
    started = publish(amqp_uri, *events)

    support.wait_for(lambda: partner.count() >= 60, timeout=30, what="60 deliveries")
    took = max(r["at"] for r in partner.requests) - started
    time.sleep(0.5)  # anything sent twice would show up now
    sent = [(r["headers"]["Webhook-Delivery"], r["headers"]["Webhook-Attempt"]) for r in partner.requests]
    assert len(sent) == 60 and len(set(sent)) == 60
    assert {r["headers"]["Webhook-Attempt"] for r in partner.requests} == {"1"}
    with engine.connect() as conn:
        rows = conn.execute(sa.select(deliveries_table.c.status, deliveries_table.c.attempts)
                            .where(deliveries_table.c.subscription_id.in_([s["id"] for s in subs]))).all()
    assert len(rows) == 60 and set(rows) == {("delivered", 1)}
    finished = [next(d for d in c.dependencies if isinstance(d, WebhookDispatcher)).dispatcher.sent for c in replicas]
    assert sum(finished) == 60 and min(finished) > 0, finished  # both replicas sent, none twice
    print(f"\n[webhooks] attempts per replica: {finished}")
    report("two-replicas-60-deliveries", publish_to_all_delivered=took)


def test_the_example_partner_subscriber_receives_an_event_on_its_own_queue(amqp_uri, pemda):
    """contracts/examples/subscriber.py, as the README tells partners to run it."""
    queue = f"partner.test-{uuid.uuid4().hex[:8]}"
    proc = subprocess.Popen([sys.executable, str(ROOT / "contracts" / "examples" / "subscriber.py"),
                             "--amqp", amqp_uri, "--exchange", "musrenbang.events", "--pattern", "usulan.#",
                             "--queue", queue, "--limit", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "listening on musrenbang.events" in proc.stdout.readline()
        event = withdrawn_event(pemda)
        publish(amqp_uri, event)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        printed = json.loads(out.strip().splitlines()[-1])
        assert printed == {k: event[k] for k in ("type", "subject", "pemda", "tahun", "time")}
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        conn = open_connection(amqp_uri)
        try:
            conn.channel().queue_delete(queue)
        finally:
            conn.close()
