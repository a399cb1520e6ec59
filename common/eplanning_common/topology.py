"""Topology as code: every exchange, consumer queue, retry queue, dead-letter queue and binding.

Declared in full by `eplanning-topology declare` at deploy time and again by every outbox relay
before its first publish, so no event is dropped as unroutable because a consumer has not started
yet. A consumer queue exists only if it is listed here (tests check the services against it).

Per subscription (consumer service C of routing key K from service S):
  q.C.S.K         durable, bound to exchange S.events with key K; the handler consumes it
  q.C.S.K.retry   durable, no consumer: a failed message waits here for its per-message TTL,
                  then dead-letters back to q.C.S.K through the default exchange
  q.C.S.K.dead    durable: messages that failed every attempt; inspect and replay them with
                  `eplanning-deadletters`
"""
from dataclasses import dataclass

from . import config
from .config import SERVICES
from .envelope import exchange_name


@dataclass(frozen=True)
class Subscription:
    consumer: str
    source: str
    routing_key: str

    @property
    def queue(self) -> str:
        return queue_name(self.consumer, self.source, self.routing_key)

    @property
    def retry_queue(self) -> str:
        return self.queue + ".retry"

    @property
    def dead_queue(self) -> str:
        return self.queue + ".dead"


def queue_name(consumer: str, source: str, routing_key: str) -> str:
    return f"q.{consumer}.{source}.{routing_key}"


@dataclass(frozen=True)
class Topology:
    exchanges: tuple[str, ...]
    subscriptions: tuple[Subscription, ...]

    def for_consumer(self, consumer: str) -> tuple[Subscription, ...]:
        return tuple(s for s in self.subscriptions if s.consumer == consumer)

    def find(self, consumer: str, source: str, routing_key: str) -> Subscription | None:
        for s in self.subscriptions:
            if (s.consumer, s.source, s.routing_key) == (consumer, source, routing_key):
                return s
        return None

    def extended(self, *subscriptions: Subscription, exchanges: tuple[str, ...] = ()) -> "Topology":
        return Topology(
            exchanges=tuple(dict.fromkeys(self.exchanges + exchanges)),
            subscriptions=self.subscriptions + tuple(subscriptions),
        )


# The project's subscriptions. Each service adds its consumers here as it grows; a test checks
# that every @event_handler of the services is listed and nothing else.
PROJECT_TOPOLOGY = Topology(
    exchanges=tuple(exchange_name(s) for s in SERVICES),
    subscriptions=(
        # Pokir keeps its own copy of Musrenbang usulan (overlap detection) and of its schedule
        # (the default pokir deadline), and follows Renja's decisions on pokir.
        Subscription("pokir", "musrenbang", "usulan.submitted.v1"),
        Subscription("pokir", "musrenbang", "usulan.updated.v1"),
        Subscription("pokir", "musrenbang", "usulan.withdrawn.v1"),
        Subscription("pokir", "musrenbang", "stage.opened.v1"),
        Subscription("pokir", "renja", "inbox.decided.v1"),
        Subscription("pokir", "musrenbang", "stage.window_changed.v1"),
        Subscription("pokir", "musrenbang", "stage.reopened.v1"),
        # Musrenbang shows what the OPDs decided on each routed usulan (also in public tracking).
        Subscription("musrenbang", "renja", "inbox.decided.v1"),
        # Musrenbang's calendar: the pokir step closes when Pokir closes its stage (issue #16).
        Subscription("musrenbang", "pokir", "stage.closed.v1"),
        # ... and the rancangan awal / penetapan steps when RKPD publishes those versions.
        Subscription("musrenbang", "rkpd", "rkpd.published.v1"),
        # Renja's inbox: usulan routed when their kecamatan forum closes (the stage close in legacy years),
        # pokir disposed by Bappeda (only after its review found them layak; a delivered pokir reaches no OPD).
        Subscription("renja", "musrenbang", "usulan.routed.v1"),
        Subscription("renja", "pokir", "pokir.disposed.v1"),
        # Renja's copy of the calendar (Forum PD closes after the kecamatan step), the RKPD lines its
        # Renja final must agree with, and a Perubahan RKPD reopening named OPDs (issue #16).
        Subscription("renja", "musrenbang", "stage.opened.v1"),
        Subscription("renja", "musrenbang", "stage.window_changed.v1"),
        Subscription("renja", "musrenbang", "stage.reopened.v1"),
        Subscription("renja", "musrenbang", "kecamatan.closed.v1"),
        Subscription("renja", "rkpd", "rkpd.published.v1"),
        Subscription("renja", "rkpd", "rkpd.perubahan_opened.v1"),
        # RKPD follows everything the three stages publish (copies, decisions, closes).
        Subscription("rkpd", "musrenbang", "#"),
        Subscription("rkpd", "pokir", "#"),
        Subscription("rkpd", "renja", "#"),
        # The gateway's webhooks worker (gateway.webhooks.service) forwards any event to partners.
        *(Subscription("webhooks", source, "#") for source in SERVICES),
    ),
)


def declare(channel, topology: Topology) -> None:
    """Declare everything in `topology` on a py-amqp channel (idempotent)."""
    for name in topology.exchanges:
        channel.exchange_declare(name, "topic", durable=True, auto_delete=False)
    for sub in topology.subscriptions:
        exchange = exchange_name(sub.source)
        channel.exchange_declare(exchange, "topic", durable=True, auto_delete=False)
        channel.queue_declare(sub.queue, durable=True, auto_delete=False)
        channel.queue_bind(sub.queue, exchange, routing_key=sub.routing_key)
        channel.queue_declare(
            sub.retry_queue,
            durable=True,
            auto_delete=False,
            arguments={"x-dead-letter-exchange": "", "x-dead-letter-routing-key": sub.queue},
        )
        channel.queue_declare(sub.dead_queue, durable=True, auto_delete=False)


class TopologyMissing(Exception):
    """An exchange or queue the process needs does not exist on the broker."""


def verify(connection, topology: Topology) -> None:
    """Check that every exchange and queue of `topology` exists, with passive declares (they need no
    permission and change nothing), on channels of their own opened on `connection` (a py-amqp
    connection; a miss closes its channel). Raises TopologyMissing naming everything missing."""
    import amqp.exceptions

    missing, channels = [], [connection.channel()]
    checks = [("exchange", name) for name in topology.exchanges]
    for sub in topology.subscriptions:
        checks += [("exchange", exchange_name(sub.source)), ("queue", sub.queue), ("queue", sub.retry_queue),
                   ("queue", sub.dead_queue)]
    try:
        for kind, name in dict.fromkeys(checks):
            try:
                if kind == "exchange":
                    channels[-1].exchange_declare(name, "topic", passive=True)
                else:
                    channels[-1].queue_declare(name, passive=True)
            except amqp.exceptions.NotFound:
                missing.append(f"{kind} {name}")
                channels.append(connection.channel())
    finally:
        for channel in channels:
            if channel.is_open:
                channel.close()
    if missing:
        raise TopologyMissing(f"{len(missing)} missing on the broker (AMQP_TOPOLOGY=definitions: load "
                              f"deploy/rabbitmq/definitions.json): " + ", ".join(missing))


def ensure(channel, topology: Topology) -> None:
    """Make sure `topology` is there, as AMQP_TOPOLOGY says: declare it on `channel` (`declare`, the
    default) or only check that it exists, on other channels of the same connection
    (`definitions`: the broker's definitions own it; see eplanning_common.rabbitmq_definitions)."""
    if config.topology_mode() == "definitions":
        verify(channel.connection, topology)
    else:
        declare(channel, topology)
