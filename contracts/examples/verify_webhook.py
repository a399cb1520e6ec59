#!/usr/bin/env python3
"""A partner's webhook receiver: verifies each delivery's signature, then accepts it.

    WEBHOOK_SECRET=whsec_... python contracts/examples/verify_webhook.py --port 9000

Standard library only. Register `http://<this host>:9000/` as the subscription's URL (https in
production) with the secret the platform showed once at creation. Every delivery carries

    Webhook-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>

`verify_webhook` below is the whole check: the HMAC over the timestamp, a dot and the raw body bytes
(before any JSON parsing: re-serialising changes the bytes), keyed with the secret exactly as shown
(`whsec_...`, UTF-8); a timestamp more than 5 minutes from our clock is refused (a captured request
cannot be replayed later); any one of several `v1=` values may match (secret rotation); the
comparison is constant-time. A verified delivery is answered 204 at once (store it, work later);
a forged or stale one 401. Delivery is at least once: deduplicate on `Webhook-Id` (the event id;
here an in-memory set — keep it in your database in real use, with your effect).
"""
import argparse
import hashlib
import hmac
import http.server
import json
import os
import time


def verify_webhook(secret: str, header: str, body: bytes, tolerance: int = 300, now: float | None = None) -> bool:
    """header: the Webhook-Signature value; body: the raw request body bytes."""
    pairs = [part.strip().split("=", 1) for part in (header or "").split(",") if "=" in part]
    timestamps = [value for key, value in pairs if key == "t"]
    if len(timestamps) != 1 or not timestamps[0].isdigit():
        return False
    if abs((time.time() if now is None else now) - int(timestamps[0])) > tolerance:
        return False
    expected = hmac.new(secret.encode("utf-8"), timestamps[0].encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, value.strip()) for key, value in pairs if key == "v1")


def make_handler(secret: str, on_event=print):
    """A request handler class that verifies, deduplicates and hands each event to `on_event`."""
    seen: set[str] = set()

    class WebhookReceiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not verify_webhook(secret, self.headers.get("Webhook-Signature", ""), body):
                self._answer(401)
                return
            event_id = self.headers.get("Webhook-Id", "")
            if event_id not in seen:  # a retry or a replay of an event we already have
                seen.add(event_id)
                on_event(json.loads(body))
            self._answer(204)

        def _answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    return WebhookReceiver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    args = parser.parse_args()
    secret = os.environ.get("WEBHOOK_SECRET")
    if not secret:
        parser.error("set WEBHOOK_SECRET to the subscription's secret (whsec_...)")

    def show(event: dict) -> None:
        print(json.dumps({k: event.get(k) for k in ("type", "subject", "pemda", "tahun", "time")},
                         ensure_ascii=False), flush=True)

    server = http.server.ThreadingHTTPServer((args.host, args.port), make_handler(secret, show))
    print(f"listening on http://{args.host}:{server.server_address[1]}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
