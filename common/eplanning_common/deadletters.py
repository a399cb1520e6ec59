"""Inspect and replay parked messages in the `.dead` queues.

Listing reads messages without acking them (they return to the queue, in order, when the channel
closes). Replay republishes a message to its subscription's main queue with a fresh attempt count,
waits for the broker's confirm, and only then acks (removes) the dead letter.
"""
import json
from dataclasses import dataclass

from .consumer import ATTEMPT_HEADER
from .publisher import ConfirmingPublisher, OutgoingMessage, open_connection


@dataclass(frozen=True)
class DeadLetter:
    event_id: str
    event_type: str | None
    queue: str
    attempts: int | None
    error: str | None
    dead_at: str | None


def _describe(message, dead_queue: str) -> DeadLetter:
    headers = message.properties.get("application_headers") or {}
    try:
        body = json.loads(message.body)
        event_type, body_id = body.get("type"), body.get("id")
    except (ValueError, AttributeError):  # not JSON (a parked poison message), or not an object
        event_type, body_id = None, None
    return DeadLetter(
        # a message published without a message id (not by this project) is named by its event id
        event_id=message.properties.get("message_id") or (body_id if isinstance(body_id, str) else "") or "",
        event_type=event_type,
        queue=headers.get("x-eplanning-queue") or dead_queue.removesuffix(".dead"),
        attempts=headers.get("x-eplanning-attempts"),
        error=headers.get("x-eplanning-last-error"),
        dead_at=headers.get("x-eplanning-dead-at"),
    )


def count(amqp_uri: str, dead_queue: str) -> int:
    conn = open_connection(amqp_uri)
    try:
        return conn.channel().queue_declare(dead_queue, passive=True).message_count
    finally:
        conn.close()


def list_dead_letters(amqp_uri: str, dead_queue: str, limit: int = 1000) -> list[DeadLetter]:
    conn = open_connection(amqp_uri)
    try:
        channel = conn.channel()
        found = []
        while len(found) < limit:
            message = channel.basic_get(dead_queue, no_ack=False)
            if message is None:
                break
            found.append(_describe(message, dead_queue))
        return found
    finally:
        conn.close()  # unacked messages go back to the queue


def replay(amqp_uri: str, dead_queue: str, event_id: str | None = None) -> list[str]:
    """Replay one dead letter (by event id) or, with event_id None, all of them. Returns the ids.

    Only the messages in the queue when the replay starts are looked at: one that fails again at
    once (a poison message is parked without retries) comes back behind them and waits for the
    next replay, instead of being replayed in a loop."""
    conn = open_connection(amqp_uri)
    publisher = ConfirmingPublisher(amqp_uri)
    replayed = []
    try:
        channel = conn.channel()
        waiting = channel.queue_declare(dead_queue, passive=True).message_count
        for _ in range(waiting):
            message = channel.basic_get(dead_queue, no_ack=False)
            if message is None:
                break
            letter = _describe(message, dead_queue)
            if event_id is not None and letter.event_id != event_id:
                continue  # left unacked: it returns to the queue when we close
            headers = dict(message.properties.get("application_headers") or {})
            headers[ATTEMPT_HEADER] = 1
            headers["x-eplanning-replayed-from"] = dead_queue
            publisher.publish(OutgoingMessage(
                exchange="", routing_key=letter.queue, body=message.body, message_id=letter.event_id,
                headers=headers, content_type=message.properties.get("content_type") or "application/json",
            ))
            channel.basic_ack(message.delivery_tag)
            replayed.append(letter.event_id)
            if event_id is not None:
                break
        return replayed
    finally:
        publisher.close()
        conn.close()
