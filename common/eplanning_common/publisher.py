"""Publishing with publisher confirms and mandatory routing, confirms batched.

RabbitMQ confirms a message once it is safely enqueued (persistent, durable queues); with
`mandatory=True` a message no queue is bound for comes back as basic.return *before* its ack, so
every message of a batch ends as exactly one of: routed, unrouted or failed (nacked / no confirm).
"""
import json
import logging
import threading
import time
from dataclasses import dataclass, field

import amqp
from kombu import Connection as KombuConnection

log = logging.getLogger(__name__)


class PublishError(Exception):
    pass


@dataclass
class OutgoingMessage:
    exchange: str
    routing_key: str
    body: bytes
    message_id: str
    headers: dict = field(default_factory=dict)
    content_type: str = "application/json"
    expiration_ms: int | None = None


@dataclass
class BatchResult:
    routed: list[str] = field(default_factory=list)
    unrouted: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def json_message(exchange: str, routing_key: str, envelope: dict, headers: dict | None = None) -> OutgoingMessage:
    return OutgoingMessage(
        exchange=exchange,
        routing_key=routing_key,
        body=json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode(),
        message_id=str(envelope["id"]),
        headers=headers or {},
    )


def open_connection(amqp_uri: str, heartbeat: int = 15, connect_timeout: float = 5.0) -> amqp.Connection:
    """A py-amqp connection from an amqp:// URI (kombu parses the URI)."""
    params = KombuConnection(amqp_uri)
    conn = amqp.Connection(
        host=f"{params.hostname or '127.0.0.1'}:{params.port or 5672}",
        userid=params.userid or "guest",
        password=params.password or "guest",
        virtual_host=params.virtual_host or "/",
        heartbeat=heartbeat,
        connect_timeout=connect_timeout,
    )
    conn.connect()
    return conn


class ConfirmingPublisher:
    """One connection and one confirm-mode channel, reconnecting when needed. Thread/greenlet safe."""

    def __init__(self, amqp_uri: str, confirm_timeout: float = 10.0):
        self.amqp_uri = amqp_uri
        self.confirm_timeout = confirm_timeout
        self._lock = threading.Lock()
        self._conn: amqp.Connection | None = None
        self._channel = None
        self._prepared = None  # the channel `prepare` last ran its setup on
        self._next_tag = 1
        self._acked: dict[int, bool] = {}
        self._returned: set[str] = set()

    # -- connection -------------------------------------------------------------------------
    def _ensure_channel(self):
        if self._conn is not None and self._conn.connected and self._channel is not None and self._channel.is_open:
            return self._channel
        self.close()
        self._conn = open_connection(self.amqp_uri)
        channel = self._conn.channel()
        channel.confirm_select()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        channel.events["basic_return"].add(self._on_return)
        self._channel = channel
        self._next_tag = 1
        return channel

    def channel(self):
        """The underlying channel, e.g. to declare topology before publishing."""
        with self._lock:
            return self._ensure_channel()

    def prepare(self, setup) -> None:
        """Run `setup(channel)` (declare the topology, say) once per channel: again after a
        reconnect. Under the publisher's lock, so that no other greenlet publishes or waits for
        confirms on the same connection meanwhile (two readers of one socket: eventlet raises)."""
        with self._lock:
            channel = self._ensure_channel()
            if self._prepared is channel:
                return
            try:
                setup(channel)
            except Exception:
                self.close()  # the channel's state is unknown
                raise
            self._prepared = channel

    def close(self) -> None:
        conn, self._conn, self._channel = self._conn, None, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # a dead connection cannot be closed politely
                try:
                    conn.collect()
                except Exception:
                    pass

    # -- confirm callbacks ------------------------------------------------------------------
    def _settle(self, delivery_tag: int, multiple: bool, ok: bool) -> None:
        tags = [t for t in self._acked if self._acked[t] is None and (t <= delivery_tag if multiple else t == delivery_tag)]
        for tag in tags:
            self._acked[tag] = ok

    def _on_ack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple, True)

    def _on_nack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple, False)

    def _on_return(self, exc, exchange, routing_key, message):
        message_id = message.properties.get("message_id")
        if message_id:
            self._returned.add(message_id)

    # -- publishing -------------------------------------------------------------------------
    def publish_batch(self, messages: list[OutgoingMessage], mandatory: bool = True) -> BatchResult:
        """Publish all, then wait for every confirm. Never reports success without a broker ack."""
        result = BatchResult()
        if not messages:
            return result
        with self._lock:
            tags: dict[int, str] = {}
            self._acked.clear()
            self._returned.clear()
            try:
                channel = self._ensure_channel()
                for message in messages:
                    props = {
                        "content_type": message.content_type,
                        "content_encoding": "utf-8",
                        "delivery_mode": 2,
                        "message_id": message.message_id,
                        "application_headers": message.headers,
                    }
                    if message.expiration_ms is not None:
                        props["expiration"] = str(int(message.expiration_ms))
                    tag = self._next_tag
                    self._next_tag += 1
                    self._acked[tag] = None
                    tags[tag] = message.message_id
                    channel.basic_publish(
                        amqp.Message(message.body, **props),
                        exchange=message.exchange,
                        routing_key=message.routing_key,
                        mandatory=mandatory,
                    )
                deadline = time.monotonic() + self.confirm_timeout
                while any(v is None for v in self._acked.values()):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise PublishError(f"no publisher confirm within {self.confirm_timeout}s")
                    self._conn.drain_events(timeout=remaining)
            except Exception:
                # the channel state is unknown: drop it; anything unconfirmed counts as failed
                self.close()
                log.warning("publish interrupted; unconfirmed messages stay unpublished", exc_info=True)
            published = set(tags.values())
            result.failed.extend(m.message_id for m in messages if m.message_id not in published)
            for tag, message_id in tags.items():
                if not self._acked.get(tag):
                    result.failed.append(message_id)
                elif message_id in self._returned:
                    result.unrouted.append(message_id)
                else:
                    result.routed.append(message_id)
            return result

    def publish(self, message: OutgoingMessage, mandatory: bool = True) -> None:
        """Publish one message and wait for its confirm; raises PublishError unless routed."""
        result = self.publish_batch([message], mandatory=mandatory)
        if result.failed:
            raise PublishError(f"message {message.message_id} was not confirmed by the broker")
        if result.unrouted:
            raise PublishError(f"message {message.message_id} was unroutable ({message.exchange} {message.routing_key})")
