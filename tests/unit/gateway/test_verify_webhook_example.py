"""contracts/examples/verify_webhook.py, the receiver the README gives partners: it accepts what the
gateway's own signer and sender produce (gateway.webhooks.signing, gateway.webhooks.sender, over
HTTP on 127.0.0.1) and refuses a forgery, a stale timestamp and a changed body."""
from __future__ import annotations

import http.server
import importlib.util
import json
import threading
import time
from pathlib import Path

import pytest

from gateway.webhooks import signing
from gateway.webhooks.sender import Sender

EXAMPLE = Path(__file__).resolve().parents[3] / "contracts" / "examples" / "verify_webhook.py"
SECRET = signing.new_secret()
BODY = json.dumps({"specversion": "1.0", "id": "0b9d1f1e-5f4e-4c71-9a59-3f1f3a7f6a01", "type":
                   "id.eplanning.musrenbang.usulan.withdrawn.v1", "subject": "U-1", "pemda": "12.21", "tahun": 2027,
                   "time": "2027-01-10T08:00:00+07:00", "data": {"alasan": "Jalan é"}},
                  ensure_ascii=False).encode("utf-8")


def load_example():
    spec = importlib.util.spec_from_file_location("verify_webhook_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


example = load_example()


def test_a_real_signature_verifies_and_anything_else_does_not():
    now = int(time.time())
    header = signing.sign(SECRET, now, BODY)
    assert example.verify_webhook(SECRET, header, BODY)
    assert not example.verify_webhook(SECRET, header, BODY.replace(b"U-1", b"U-2"))  # a changed body
    assert not example.verify_webhook(signing.new_secret(), header, BODY)  # another secret
    assert not example.verify_webhook(SECRET, signing.sign(SECRET, now - 301, BODY), BODY)  # too old
    assert not example.verify_webhook(SECRET, "", BODY)
    assert not example.verify_webhook(SECRET, f"t={now},t={now},v1={signing.signature(SECRET, now, BODY)}", BODY)
    # while a secret is rotated a header carries several v1 values: one matching is enough
    old_key = signing.signature(signing.new_secret(), now, BODY)
    rotating = f"t={now},v1={old_key},v1={signing.signature(SECRET, now, BODY)}"
    assert example.verify_webhook(SECRET, rotating, BODY)
    # and it agrees with the gateway's own verifier on the same inputs
    assert signing.verify(SECRET, rotating, BODY, now=now) == now


@pytest.fixture
def receiver():
    events = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), example.make_handler(SECRET, events.append))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", events
    server.shutdown()
    server.server_close()


def test_the_receiver_accepts_the_gateways_delivery_once_and_refuses_a_forged_one(receiver):
    url, events = receiver
    sender = Sender(connect_timeout=2, timeout=5, allow_private=True)
    try:
        delivered = sender.send(url=url, secret=SECRET, body=BODY, event_id="0b9d1f1e", delivery_id="d-1", attempt_no=1)
        again = sender.send(url=url, secret=SECRET, body=BODY, event_id="0b9d1f1e", delivery_id="d-1", attempt_no=2)
        forged = sender.send(url=url, secret=signing.new_secret(), body=BODY, event_id="x", delivery_id="d-2",
                             attempt_no=1)
    finally:
        sender.close()
    assert (delivered.ok, delivered.http_status) == (True, 204)
    assert (again.ok, again.http_status) == (True, 204)  # a retry is acknowledged, not applied twice
    assert (forged.ok, forged.http_status) == (False, 401)
    assert events == [json.loads(BODY)]
