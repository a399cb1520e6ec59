"""The `event_handler` entrypoint: durable queue from the topology, retry with backoff, dead letters.

nameko's own handler acks a message whose handler raised (the event is lost) or requeues it in a
hot loop. Here a failure republishes the message (confirmed) to the subscription's retry queue
with a per-message TTL that grows with each attempt; the TTL dead-letters it back to the main
queue. After EVENT_MAX_ATTEMPTS it is parked in the `.dead` queue with the error, for
`eplanning-deadletters` to list and replay. The original is acked only after that publish was
confirmed; if the publish fails it is requeued, never dropped. A body that is not a valid event
envelope cannot succeed on retry and goes to the dead queue at once.

Handlers stay idempotent with `self.db.consuming(event, consumer)`.
"""
import logging
from datetime import datetime, timezone

from kombu import Exchange, Queue
from nameko.messaging import Consumer

from . import config
from .envelope import EnvelopeError, check_envelope, exchange_name
from .publisher import ConfirmingPublisher, OutgoingMessage
from .topology import Subscription, Topology, declare

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-eplanning-attempt"


def retry_delay_ms(attempt: int, base_ms: int, max_ms: int) -> int:
    """Delay before attempt `attempt + 1`: base, 4×base, 16×base … capped at max_ms."""
    return min(max_ms, base_ms * 4 ** (attempt - 1))


class EventHandler(Consumer):
    def __init__(self, source_service: str, routing_key: str, **kwargs):
        self.source_service = source_service
        self.routing_key = routing_key
        super().__init__(queue=None, **kwargs)

    def setup(self):
        self.subscription = Subscription(self.container.service_name, self.source_service, self.routing_key)
        exchange = Exchange(exchange_name(self.source_service), type="topic", durable=True, auto_delete=False)
        self.queue = Queue(self.subscription.queue, exchange=exchange, routing_key=self.routing_key,
                           durable=True, auto_delete=False)
        self.max_attempts = config.event_max_attempts()
        self.retry_base_ms = config.event_retry_base_ms()
        self.retry_max_ms = config.event_retry_max_ms()
        self.publisher = ConfirmingPublisher(self.container.config["AMQP_URI"], config.confirm_timeout_seconds())
        self._declared_on = None
        super().setup()

    def stop(self):
        super().stop()
        self.publisher.close()

    def handle_message(self, body, message):
        try:
            check_envelope(body)
        except EnvelopeError as exc:
            log.error("not a valid event envelope; parked as a dead letter",
                      extra={"queue": self.subscription.queue, "error": str(exc)})
            self._park_or_requeue(message, attempt=0, error=f"EnvelopeError: {exc}")
            return
        super().handle_message(body, message)

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            return
        attempt = int((message.headers or {}).get(ATTEMPT_HEADER, 1))
        error = f"{exc_info[0].__name__}: {exc_info[1]}"[:1000]
        log.warning("event handler failed", exc_info=exc_info,
                    extra={"queue": self.subscription.queue, "attempt": attempt, "max_attempts": self.max_attempts})
        self._park_or_requeue(message, attempt, error)

    def _park_or_requeue(self, message, attempt: int, error: str) -> None:
        headers = dict(message.headers or {})
        headers["x-eplanning-last-error"] = error
        if 0 < attempt < self.max_attempts:
            headers[ATTEMPT_HEADER] = attempt + 1
            target = self.subscription.retry_queue
            expiration = retry_delay_ms(attempt, self.retry_base_ms, self.retry_max_ms)
        else:
            headers.update({
                "x-eplanning-attempts": attempt,
                "x-eplanning-dead-at": datetime.now(timezone.utc).isoformat(),
                "x-eplanning-queue": self.subscription.queue,
                "x-eplanning-exchange": exchange_name(self.source_service),
                "x-eplanning-routing-key": self.routing_key,
            })
            target, expiration = self.subscription.dead_queue, None
        outgoing = OutgoingMessage(
            exchange="", routing_key=target, body=message.body, message_id=message.properties.get("message_id") or "",
            headers=headers, content_type=message.content_type or "application/json", expiration_ms=expiration,
        )
        try:
            channel = self.publisher.channel()
            if self._declared_on is not channel:
                declare(channel, Topology(exchanges=(), subscriptions=(self.subscription,)))
                self._declared_on = channel
            self.publisher.publish(outgoing)
        except Exception:
            log.exception("could not park the failed message; requeueing it", extra={"queue": self.subscription.queue})
            self.queue_consumer.requeue_message(message)
            return
        self.queue_consumer.ack_message(message)


event_handler = EventHandler.decorator
