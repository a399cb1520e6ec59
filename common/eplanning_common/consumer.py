"""The `event_handler` entrypoint: durable queue from the topology, retry with backoff, dead letters.

nameko's own handler acks a message whose handler raised (the event is lost) or requeues it in a
hot loop. Here a failure republishes the message (confirmed) to the subscription's retry queue
with a per-message TTL that grows with each attempt; the TTL dead-letters it back to the main
queue. After EVENT_MAX_ATTEMPTS it is parked in the `.dead` queue with the error, for
`eplanning-deadletters` to list and replay. The original is acked only after that publish was
confirmed; if the publish fails it is requeued, never dropped. Either way the message leaves the
main queue, so the events behind it are consumed meanwhile. (RabbitMQ expires per-message TTLs
only at the head of a queue: a failing message waiting its 60 s can hold a newer failure's 1 s
retry behind it in the retry queue; late, never lost, and the main queue is not held.)

A poison message — one no retry can change — is parked at once, after one attempt, without
reaching the handler:
  - a body that is not JSON, or a content type nameko does not accept (kombu cannot decode it;
    kombu's own answer is to log it and ack it: the message would be lost);
  - JSON that is not a CloudEvents envelope of this project (`envelope.check_envelope`);
  - an event whose type does not belong on the subscription (another service's type, or a routing
    key the binding does not match, e.g. `usulan.routed.v9` in an envelope sent as `usulan.routed.v1`);
  - an event of one of the project's services that breaks contracts/asyncapi.yaml, read
    tolerantly (`contracts.ReceivedEvents`): a type the document does not list — an unknown
    version — or data missing a member, of a wrong type or pattern.
After the fix (a consumer deployed with the newer contract, a repaired producer), `eplanning-deadletters
replay` sends the message back and the idempotent consumer applies it once.

A `#` follower (RKPD, the webhooks worker) receives every type its source publishes: a documented
type its handler has no use for is the handler's business (RKPD records it as processed and does
nothing), not a poison message.

Handlers stay idempotent with `self.db.consuming(event, consumer)`.
"""
import logging
from datetime import datetime, timezone
from functools import partial

from kombu import Exchange, Queue
from nameko.messaging import Consumer, QueueConsumer

from . import config
from .contracts import ContractError, ReceivedEvents
from .envelope import EnvelopeError, EventType, check_envelope, exchange_name
from .metrics.catalogue import EVENTS_CONSUMED, EVENTS_DEAD_LETTERED, EVENTS_RETRIED
from .publisher import ConfirmingPublisher, OutgoingMessage
from .topology import Subscription, Topology, ensure
from .signed_rpc import IDENTITY_KEY, TOKEN_KEY

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-eplanning-attempt"


def retry_delay_ms(attempt: int, base_ms: int, max_ms: int) -> int:
    """Delay before attempt `attempt + 1`: base, 4×base, 16×base … capped at max_ms."""
    return min(max_ms, base_ms * 4 ** (attempt - 1))


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: `*` is exactly one word, `#` zero or more."""
    def match(p: list[str], k: list[str]) -> bool:
        if not p:
            return not k
        if p[0] == "#":
            return any(match(p[1:], k[i:]) for i in range(len(k) + 1))
        return bool(k) and p[0] in ("*", k[0]) and match(p[1:], k[1:])
    return match(pattern.split("."), routing_key.split("."))


class PoisonMessage(Exception):
    """A message no retry can change: parked at once."""


class EventQueueConsumer(QueueConsumer):
    """nameko's queue consumer, except that a body kombu cannot decode is handed to its entrypoint
    to be parked (kombu's ConsumerMixin.on_decode_error logs it and acks it: gone)."""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self._undecodable, provider)
        return consumers

    def _undecodable(self, provider, message, exc):
        # called in the consume loop: park from a managed thread, as nameko does with handle_message
        self.container.spawn_managed_thread(
            partial(provider.handle_undecodable, message, exc),
            identifier=f"{type(provider).__name__}.handle_undecodable")


class EventHandler(Consumer):
    queue_consumer = EventQueueConsumer()

    def __init__(self, source_service: str, routing_key: str, **kwargs):
        self.source_service = source_service
        self.routing_key = routing_key
        super().__init__(queue=None, **kwargs)

    def setup(self):
        self.subscription = Subscription(self.container.service_name, self.source_service, self.routing_key)
        exchange = Exchange(exchange_name(self.source_service), type="topic", durable=True, auto_delete=False)
        # AMQP_TOPOLOGY=definitions: the broker's definitions created the queue (quorum) and its
        # binding; consume without declaring (no configure right needed, no argument to disagree)
        self.queue = Queue(self.subscription.queue, exchange=exchange, routing_key=self.routing_key,
                           durable=True, auto_delete=False, no_declare=config.topology_mode() == "definitions")
        self.max_attempts = config.event_max_attempts()
        self.retry_base_ms = config.event_retry_base_ms()
        self.retry_max_ms = config.event_retry_max_ms()
        # the project's own events are checked against the contract (a missing document fails here,
        # at start, not on every message); a test or partner source outside the project is not
        self.contract = ReceivedEvents() if self.source_service in config.SERVICES else None
        self.publisher = ConfirmingPublisher(self.container.config["AMQP_URI"], config.confirm_timeout_seconds())
        super().setup()

    def stop(self):
        super().stop()
        self.publisher.close()

    def check(self, body) -> None:
        """Raise PoisonMessage if no attempt of the handler could succeed with this body."""
        try:
            check_envelope(body)
            event_type = EventType.parse(body["type"])
            if event_type.service != self.source_service or not topic_matches(self.routing_key,
                                                                              event_type.routing_key):
                raise EnvelopeError(f"event type {body['type']!r} does not belong on "
                                    f"{exchange_name(self.source_service)} bound with {self.routing_key!r}")
            if self.contract is not None:
                self.contract.check(body)
        except (EnvelopeError, ContractError) as exc:
            raise PoisonMessage(f"{type(exc).__name__}: {exc}") from None

    def handle_message(self, body, message):
        try:
            self.check(body)
        except PoisonMessage as exc:
            self._park_poison(message, str(exc))
            return
        super().handle_message(body, message)

    def unpack_message_headers(self, message):
        """An event carries no caller: an identity (or token) in its headers is dropped, never read."""
        data = super().unpack_message_headers(message)
        data.pop(IDENTITY_KEY, None)
        data.pop(TOKEN_KEY, None)
        return data

    def handle_undecodable(self, message, exc):
        self._park_poison(message, f"{type(exc).__name__}: undecodable {message.content_type or 'message'} body: {exc}")

    def _park_poison(self, message, error: str) -> None:
        attempt = _attempt(message)
        log.error("poison message parked as a dead letter without retries",
                  extra={"queue": self.subscription.queue, "error": error, "attempt": attempt})
        self._send(message, attempt, error[:1000], park=True, reason="poison")

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            EVENTS_CONSUMED.labels(self.subscription.consumer, self.subscription.queue).inc()
            return
        attempt = _attempt(message)
        error = f"{exc_info[0].__name__}: {exc_info[1]}"[:1000]
        log.warning("event handler failed", exc_info=exc_info,
                    extra={"queue": self.subscription.queue, "attempt": attempt, "max_attempts": self.max_attempts})
        self._send(message, attempt, error, park=attempt >= self.max_attempts, reason="exhausted")

    def _send(self, message, attempt: int, error: str, park: bool, reason: str) -> None:
        """Republish to the retry queue (attempt + 1, after its delay) or park it in the dead queue;
        ack the original only once the broker confirmed, requeue it if that failed."""
        headers = dict(message.headers or {})
        headers["x-eplanning-last-error"] = error
        if not park:
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
            # concurrent workers share the publisher: the declare runs under its lock, once per channel
            own = Topology(exchanges=(), subscriptions=(self.subscription,))
            self.publisher.prepare(lambda channel: ensure(channel, own))
            self.publisher.publish(outgoing)
        except Exception:
            log.exception("could not park the failed message; requeueing it", extra={"queue": self.subscription.queue})
            self.queue_consumer.requeue_message(message)
            return
        self.queue_consumer.ack_message(message)
        labels = (self.subscription.consumer, self.subscription.queue)
        if park:
            EVENTS_DEAD_LETTERED.labels(*labels, reason).inc()
        else:
            EVENTS_RETRIED.labels(*labels).inc()


def _attempt(message) -> int:
    """This delivery's attempt number (1 on first delivery and after a replay)."""
    try:
        return max(1, int((message.headers or {}).get(ATTEMPT_HEADER, 1)))
    except (TypeError, ValueError):
        return 1


event_handler = EventHandler.decorator
