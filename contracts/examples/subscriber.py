#!/usr/bin/env python3
"""A partner's subscriber: binds its OWN durable queue to a stage exchange and prints each event.

    python contracts/examples/subscriber.py --exchange musrenbang.events --pattern 'usulan.#' \
        --queue partner.demo.usulan
    python contracts/examples/subscriber.py --amqp 'amqp://partner.acme:PASSWORD@BROKER:5672/eplanning' \
        --exchange musrenbang.events --pattern 'usulan.#' --queue partner.acme.usulan

Runnable against `make up` (needs only `kombu`), and with a partner account `partner.<name>` on a
production broker, which may declare, bind and consume only queues named `partner.<name>.*`: the
exchange is only checked (a passive declare); it is declared only when it does not exist yet, which
happens on a developer's broker before the service first ran (a partner account may not do that).
Declare the queue once before relying on it: events published while no queue is bound are not
kept for you. Delivery is at least once —
deduplicate on the CloudEvents `id` (here an in-memory set; keep it in your database in real use,
in the same transaction as your effect). Ack only after your effect is stored.
"""
import argparse
import json
import os

from kombu import Connection, Exchange, Queue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--amqp", default=os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"))
    parser.add_argument("--exchange", default="musrenbang.events")
    parser.add_argument("--pattern", default="#", help="routing-key pattern, e.g. 'usulan.#' or 'stage.closed.v1'")
    parser.add_argument("--queue", default="partner.example.events",
                        help="your durable queue's name (with a partner account: partner.<name>.<anything>)")
    parser.add_argument("--limit", type=int, default=0, help="stop after N events (0: run until Ctrl-C)")
    args = parser.parse_args()

    exchange = Exchange(args.exchange, type="topic", durable=True, passive=True)  # the stage declares it
    queue = Queue(args.queue, exchange=exchange, routing_key=args.pattern, durable=True)
    seen: set[str] = set()
    received = 0

    def on_message(body, message):
        nonlocal received
        event = body if isinstance(body, dict) else json.loads(body)
        if event["id"] not in seen:  # at-least-once delivery: ignore a redelivered event
            seen.add(event["id"])
            print(json.dumps({k: event[k] for k in ("type", "subject", "pemda", "tahun", "time")}, ensure_ascii=False))
        message.ack()
        received += 1

    with Connection(args.amqp) as conn:
        try:
            exchange(conn.channel()).declare()
        except conn.channel_errors:  # 404: not declared yet (a fresh local broker)
            Exchange(args.exchange, type="topic", durable=True)(conn.channel()).declare()
        with conn.Consumer(queue, callbacks=[on_message], accept=["json"]):
            print(f"listening on {args.exchange} [{args.pattern}] via queue {args.queue}", flush=True)
            while not args.limit or received < args.limit:
                try:
                    conn.drain_events(timeout=1)
                except TimeoutError:
                    continue


if __name__ == "__main__":
    main()
