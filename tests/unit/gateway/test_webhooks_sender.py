"""One HTTP attempt (gateway.webhooks.sender) against a receiver on 127.0.0.1 in this process: the
signed request, the answer's outcome, no redirects, the hard deadline, and the address guard
(a host name resolving to a private address is refused before any connection is made)."""
from __future__ import annotations

import http.server
import socket
import threading
import time
import uuid

import pytest

from gateway.webhooks import signing
from gateway.webhooks.sender import CONTENT_TYPE, Sender

SECRET = "whsec_unit"
BODY = '{"specversion":"1.0","id":"x","data":{"nama":"Jalan é"}}'.encode()


class Receiver:
    """A local HTTP server; `behaviour(handler)` answers each POST; every request is recorded."""

    def __init__(self):
        self.requests: list[dict] = []
        self.behaviour = lambda h: h.answer(204)
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                receiver.behaviour(self)

            def answer(self, status, text=b"", headers=()):
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/hook", host="127.0.0.1"):
        return f"http://{host}:{self.port}{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def send(sender, url, attempt_no=1):
    return sender.send(url=url, secret=SECRET, body=BODY, event_id="ev-1", delivery_id="dl-1", attempt_no=attempt_no)


def test_a_delivery_is_a_signed_post_of_the_exact_body(receiver):
    sender = Sender(connect_timeout=2, timeout=5, allow_private=True)
    outcome = send(sender, receiver.url(), attempt_no=3)

    assert outcome.ok and outcome.http_status == 204 and outcome.error is None
    (request,) = receiver.requests
    assert request["body"] == BODY
    headers = request["headers"]
    assert headers["Content-Type"] == CONTENT_TYPE
    assert (headers["Webhook-Id"], headers["Webhook-Delivery"], headers["Webhook-Attempt"]) == ("ev-1", "dl-1", "3")
    assert signing.verify(SECRET, headers["Webhook-Signature"], request["body"], now=time.time())
    assert headers["User-Agent"].startswith("eplanning-webhooks/")


def test_a_non_2xx_is_a_failure_with_its_status_and_the_start_of_its_answer(receiver):
    receiver.behaviour = lambda h: h.answer(500, b"database sedang sibuk" + b"x" * 5000)
    outcome = send(Sender(2, 5, allow_private=True), receiver.url())
    assert not outcome.ok and outcome.http_status == 500 and outcome.error == "HTTP 500"
    assert outcome.response_excerpt.startswith("database sedang sibuk") and len(outcome.response_excerpt) == 500


def test_redirects_are_not_followed(receiver):
    receiver.behaviour = lambda h: h.answer(307, headers=[("Location", receiver.url("/elsewhere"))])
    outcome = send(Sender(2, 5, allow_private=True), receiver.url())
    assert not outcome.ok and outcome.http_status == 307 and "redirect not followed" in outcome.error
    assert [r["path"] for r in receiver.requests] == ["/hook"]


def test_a_slow_receiver_is_cut_off_at_the_deadline(receiver):
    def trickle(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        for _ in range(100):  # a byte every 0.1 s: each read is quick, the whole is not
            handler.wfile.write(b"x")
            handler.wfile.flush()
            time.sleep(0.1)

    receiver.behaviour = trickle
    started = time.monotonic()
    outcome = send(Sender(connect_timeout=1, timeout=0.6, allow_private=True), receiver.url())
    took = time.monotonic() - started
    assert not outcome.ok and outcome.error.startswith("timeout")
    assert 0.5 < took < 2.0, took


def test_a_refused_connection_is_a_failure_not_an_exception():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once closed
    outcome = send(Sender(1, 2, allow_private=True), f"http://127.0.0.1:{port}/hook?token=s3cret")
    assert not outcome.ok and outcome.http_status is None and "refused" in outcome.error.lower()
    assert "s3cret" not in outcome.error  # the URL (a partner's token in it) is not logged


@pytest.mark.parametrize("addresses", [["127.0.0.1"], ["93.184.216.34", "127.0.0.1"], ["169.254.169.254"]])
def test_a_name_resolving_to_a_private_address_is_refused_without_connecting(receiver, addresses):
    resolved = []

    def resolve(host, port):
        resolved.append(host)
        return addresses

    sender = Sender(1, 2, allow_private=False, resolve=resolve)
    outcome = send(sender, receiver.url(host="partner.example.org").replace("http:", "https:"))

    assert resolved == ["partner.example.org"]
    assert not outcome.ok and "address not allowed" in outcome.error
    assert receiver.requests == []


def test_the_connection_goes_to_the_checked_address_only(receiver):
    """Pinned: the address the guard checked is the one connected to (no second DNS lookup)."""
    calls = []

    def resolve(host, port):
        calls.append(host)
        return ["127.0.0.1"]

    name = f"partner-{uuid.uuid4().hex[:6]}.invalid"  # resolvable only through the fake
    outcome = send(Sender(1, 2, allow_private=True, resolve=resolve), receiver.url(host=name))
    assert outcome.ok, outcome
    assert calls == [name]
    assert receiver.requests[0]["headers"]["Host"] == f"{name}:{receiver.port}"


def test_no_cookie_set_by_a_receiver_is_sent_back(receiver):
    receiver.behaviour = lambda h: h.answer(200, headers=[("Set-Cookie", "session=abc; Path=/")])
    sender = Sender(2, 5, allow_private=True)
    assert send(sender, receiver.url()).ok and send(sender, receiver.url()).ok
    assert "Cookie" not in receiver.requests[1]["headers"]
