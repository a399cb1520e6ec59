"""The RabbitMQ definitions of a production vhost, generated from the topology as code.

    eplanning-topology definitions > deploy/rabbitmq/definitions.json      # committed, no passwords
    RABBITMQ_PASSWORD_MUSRENBANG=... eplanning-topology definitions --passwords-from-env > /secure/defs.json

The file is what a RabbitMQ cluster loads at boot (`load_definitions`) or `rabbitmqctl
import_definitions` imports: the vhost, every exchange, queue and binding of PROJECT_TOPOLOGY, the
policies, one user per component and its permissions. A unit test checks that the committed file
equals what this module generates, so the topology cannot drift from the code.

Queue type. Every queue of the topology is declared here as a quorum queue (`x-queue-type:
quorum`, replicated, survives the loss of a node). A policy cannot change a queue's type, so the
type is set where the queue is created, and in production that is here: with AMQP_TOPOLOGY=
definitions (deploy/k8s/configmap.yaml) the services never declare these queues, they only check
that they exist (`topology.verify`, passive declares) and consume with `no_declare` — so there is no
second declaration whose arguments could disagree (RabbitMQ refuses those with 406
PRECONDITION_FAILED). nameko declares its own queues itself, without `x-queue-type`: the RPC queue
`rpc-<service>` (durable) and the reply queues `rpc.reply-*` (durable, x-expires 5 min). They get
the vhost's default queue type, `quorum` here — RabbitMQ 3.12 and later apply it to every durable,
non-exclusive queue declared without a type (3.10 stores the setting but ignores it; checked).

Dead-lettering. Every queue has exactly one policy that names its dead-letter target:
  q.C.S.K          -> q.C.S.K.dead (at-least-once; delivery-limit 20: a message that keeps
                      killing its consumer is parked instead of redelivered forever)
  q.C.S.K.retry    -> q.C.S.K, as its declaration says (the TTL back-off of eplanning_common.consumer)
  q.C.S.K.dead     -> eplanning.dlx -> eplanning.dead-letters (only if a parked message is itself
                      dead-lettered: RabbitMQ 4's default delivery limit on quorum queues, say)
  rpc-*, rpc.reply-* -> eplanning.dlx (expired or repeatedly crashing requests and replies)
  partner.<name>.* -> nowhere: bounded, the oldest dropped (see Partners below)
  anything else    -> eplanning.dlx (lowest-priority catch-all)
  eplanning.dead-letters: the end of the line; bounded (100,000 messages, 14 days, oldest dropped).

Users. One per component, with configure/write/read limited to what that component does at run
time with AMQP_TOPOLOGY=definitions (see PRINCIPALS), and topic permissions on `nameko-rpc` that
limit which services it may call. The committed file has no passwords (`password_hash` empty: the
user cannot log in); `--passwords-from-env` writes salted SHA-256 hashes (RabbitMQ's
rabbit_password_hashing_sha256) from RABBITMQ_PASSWORD_<USER>, for the copy you load — never commit
that one, and do not load the committed one at boot: importing a user resets its password.

Partners. An integration partner that reads the events over AMQP gets a user `partner.<name>` of its
own, generated on demand and imported beside the rest (`eplanning-topology partner-definitions
--name acme --free-text-agreed`, deploy/README.md): it may declare, bind and consume only queues
named `partner.<name>.*`, bind them only to the four service exchanges, and nothing else — no
publish on a service exchange or the default exchange, no RPC (no right on `nameko-rpc`), no other
queue. Its queues have a policy of their own: bounded (PARTNER_MAX_LENGTH messages,
PARTNER_MESSAGE_TTL_MS; the oldest are dropped, not dead-lettered), so a partner that stops reading
cannot fill the broker that the stages depend on, and cannot make the publishers' confirms fail
(no reject-publish). What it reads is every event whole, free text included, of every pemda on the
broker: permissions cannot filter message contents (the webhooks worker does that for webhooks).
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
from dataclasses import dataclass

from .config import SERVICES
from .envelope import exchange_name
from .service_grants import SERVICE_IDENTITIES
from .topology import PROJECT_TOPOLOGY, Subscription, Topology

VHOST = "eplanning"
RPC_EXCHANGE = "nameko-rpc"             # nameko's default rpc_exchange
DEFAULT_EXCHANGE = "amq.default"        # the name permissions use for the default exchange ""
DEAD_LETTER_EXCHANGE = "eplanning.dlx"
DEAD_LETTER_SINK = "eplanning.dead-letters"
CONSUMER_DELIVERY_LIMIT = 20
RPC_DELIVERY_LIMIT = 5
RPC_MESSAGE_TTL_MS = 60_000             # no gateway waits that long for an answer
SINK_MAX_LENGTH = 100_000
SINK_MESSAGE_TTL_MS = 14 * 24 * 3600 * 1000
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# nameko's standalone ClusterRpcProxy (the gateway, RKPD's upstream reads) names its reply queue
# rpc.reply-standalone_rpc_proxy-<uuid4> and binds it to nameko-rpc with the uuid as key
STANDALONE_REPLY_QUEUE = r"rpc\.reply-standalone_rpc_proxy-" + UUID
METHOD = "[A-Za-z_][A-Za-z0-9_]*"
HASHING = "rabbit_password_hashing_sha256"
PARTNER_PREFIX = "partner."
PARTNER_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
PARTNER_MAX_LENGTH = 1_000_000
PARTNER_MESSAGE_TTL_MS = 7 * 24 * 3600 * 1000


@dataclass(frozen=True)
class Principal:
    """A component that connects to the broker with its own user."""
    user: str
    service: str | None = None      # the nameko service it runs (rpc-<service>, q.<service>.*)
    publishes: bool = False         # an outbox relay publishing on <service>.events
    calls: tuple[str, ...] = ()     # what it calls (standalone proxy): `service` (every method) or `service.method`


PRINCIPALS = (
    Principal("musrenbang", service="musrenbang", publishes=True),
    Principal("pokir", service="pokir", publishes=True),
    Principal("renja", service="renja", publishes=True),
    # RKPD reads from the three stages over RPC when a close manifest does not match (rkpd.upstream):
    # exactly the methods its signed service identity is granted (eplanning_common.service_grants)
    Principal("rkpd", service="rkpd", publishes=True, calls=SERVICE_IDENTITIES["rkpd"].routing_keys()),
    # the webhooks worker talks to the internet: it answers the gateway's health call, calls no one
    Principal("webhooks", service="webhooks"),
    Principal("gateway", calls=(*SERVICES, "webhooks")),
)
# KEDA reads queue depths through the management API: the monitoring tag, no AMQP rights.
MONITORING_USER = "keda"


def pcre_literal(text: str) -> str:
    """`text` as a regular expression matching exactly it (PCRE, as RabbitMQ uses; `#` stays)."""
    return re.sub(r"([\\^$.|?*+()\[\]{}])", r"\\\1", text)


def exactly(*names: str) -> str:
    return "^(" + "|".join(pcre_literal(n) for n in names) + ")$" if names else "^$"


def any_of(*patterns: str) -> str:
    """Anchored alternation of regular expressions; `^$` (nothing) when there are none."""
    return "^(" + "|".join(patterns) + ")$" if patterns else "^$"


def permissions(principal: Principal, topology: Topology) -> dict:
    """configure / write / read for `principal`, from what it does at run time:

    - a nameko service declares the `nameko-rpc` exchange and its queue `rpc-<service>` and binds
      them (configure both; queue.bind = write on the queue + read on the exchange), consumes that
      queue, and publishes its replies on `nameko-rpc`;
    - with AMQP_TOPOLOGY=definitions it only checks its event queues exist (passive declares need no
      permission) and consumes them (read on its own q.<service>.* main queues);
    - a failed event goes to `<queue>.retry` / `<queue>.dead` through the default exchange (write on
      amq.default; the one wide grant: permissions cannot restrict routing keys of a direct exchange);
    - the outbox relay publishes on `<service>.events` (write);
    - an RPC caller declares, binds and consumes its reply queue."""
    configure, write, read = [], [], []
    if principal.service or principal.calls:
        configure.append(pcre_literal(RPC_EXCHANGE))
        write.append(pcre_literal(RPC_EXCHANGE))
        read.append(pcre_literal(RPC_EXCHANGE))
    if principal.service:
        rpc_queue = pcre_literal(f"rpc-{principal.service}")
        configure.append(rpc_queue)
        write.append(rpc_queue)
        read.append(rpc_queue)
        if principal.publishes:
            write.append(pcre_literal(exchange_name(principal.service)))
        consumed = [s.queue for s in topology.for_consumer(principal.service)]
        if consumed:
            write.append(pcre_literal(DEFAULT_EXCHANGE))
            read.extend(pcre_literal(q) for q in consumed)
    if principal.calls:
        configure.append(STANDALONE_REPLY_QUEUE)
        write.append(STANDALONE_REPLY_QUEUE)
        read.append(STANDALONE_REPLY_QUEUE)
    return {"configure": any_of(*configure), "write": any_of(*write), "read": any_of(*read)}


def topic_permissions(principal: Principal) -> dict | None:
    """On the topic exchange `nameko-rpc` the routing key names the service and method of a request
    (`<service>.<method>`) or, for a reply, the caller's reply queue (a uuid). write: requests only to
    the services (or the exact methods) it calls, replies only by a service; a principal that calls
    no one (the stage services, the webhooks worker) can publish no request at all. read (checked on queue.bind): its RPC queue's
    binding `<service>.*` and its reply queue's uuid."""
    if not (principal.service or principal.calls):
        return None
    write, read = [], []
    if principal.calls:
        services = [c for c in principal.calls if "." not in c]
        if services:
            write.append("(" + "|".join(services) + r")\." + METHOD)
        write.extend(pcre_literal(c) for c in principal.calls if "." in c)
        read.append(UUID)
    if principal.service:
        write.append(UUID)
        read.append(pcre_literal(f"{principal.service}.*"))
    return {"exchange": RPC_EXCHANGE, "write": any_of(*write), "read": any_of(*read)}


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt + sha256(salt + password)), 4-byte salt."""
    salt = os.urandom(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode("utf-8")).digest()).decode("ascii")


def password_env(user: str) -> str:
    return "RABBITMQ_PASSWORD_" + re.sub(r"[^A-Z0-9]", "_", user.upper())


def _queue(name: str, arguments: dict, vhost: str) -> dict:
    return {"name": name, "vhost": vhost, "durable": True, "auto_delete": False,
            "arguments": {"x-queue-type": "quorum", **arguments}}


def _policy(name: str, pattern: str, definition: dict, priority: int, vhost: str) -> dict:
    return {"vhost": vhost, "name": name, "pattern": pattern, "apply-to": "queues",
            "definition": definition, "priority": priority}


def subscription_policies(sub: Subscription, vhost: str) -> list[dict]:
    at_least_once = {"dead-letter-strategy": "at-least-once", "overflow": "reject-publish"}
    return [
        _policy(f"dl {sub.queue}", exactly(sub.queue),
                {"dead-letter-exchange": "", "dead-letter-routing-key": sub.dead_queue,
                 "delivery-limit": CONSUMER_DELIVERY_LIMIT, **at_least_once}, 10, vhost),
        _policy(f"dl {sub.retry_queue}", exactly(sub.retry_queue),
                {"dead-letter-exchange": "", "dead-letter-routing-key": sub.queue, **at_least_once}, 10, vhost),
        _policy(f"dl {sub.dead_queue}", exactly(sub.dead_queue),
                {"dead-letter-exchange": DEAD_LETTER_EXCHANGE, **at_least_once}, 10, vhost),
    ]


def definitions(topology: Topology = PROJECT_TOPOLOGY, *, vhost: str = VHOST,
                principals: tuple[Principal, ...] = PRINCIPALS, monitoring_user: str | None = MONITORING_USER,
                passwords: dict[str, str] | None = None, user_prefix: str = "") -> dict:
    """The definitions document. `passwords` (user -> password) fills in password hashes; without
    it every user has an empty hash (cannot log in). `user_prefix` renames the users (tests)."""
    passwords = passwords or {}
    users, perms, topic_perms = [], [], []
    for principal in principals:
        name = user_prefix + principal.user
        users.append({"name": name, "password_hash": password_hash(passwords[principal.user])
                      if principal.user in passwords else "", "hashing_algorithm": HASHING, "tags": []})
        perms.append({"user": name, "vhost": vhost, **permissions(principal, topology)})
        topic = topic_permissions(principal)
        if topic:
            topic_perms.append({"user": name, "vhost": vhost, **topic})
    if monitoring_user:
        name = user_prefix + monitoring_user
        users.append({"name": name, "password_hash": password_hash(passwords[monitoring_user])
                      if monitoring_user in passwords else "", "hashing_algorithm": HASHING, "tags": ["monitoring"]})
        perms.append({"user": name, "vhost": vhost, "configure": "^$", "write": "^$", "read": "^$"})

    exchanges = [{"name": name, "vhost": vhost, "type": "topic", "durable": True, "auto_delete": False,
                  "internal": False, "arguments": {}}
                 for name in dict.fromkeys((*topology.exchanges, *(exchange_name(s.source) for s in topology.subscriptions),
                                            RPC_EXCHANGE))]
    exchanges.append({"name": DEAD_LETTER_EXCHANGE, "vhost": vhost, "type": "fanout", "durable": True,
                      "auto_delete": False, "internal": False, "arguments": {}})
    queues, bindings, policies = [], [], []
    for sub in topology.subscriptions:
        queues.append(_queue(sub.queue, {}, vhost))
        # exactly the arguments eplanning_common.topology.declare gives the retry queue
        queues.append(_queue(sub.retry_queue, {"x-dead-letter-exchange": "", "x-dead-letter-routing-key": sub.queue},
                             vhost))
        queues.append(_queue(sub.dead_queue, {}, vhost))
        bindings.append({"source": exchange_name(sub.source), "vhost": vhost, "destination": sub.queue,
                         "destination_type": "queue", "routing_key": sub.routing_key, "arguments": {}})
        policies.extend(subscription_policies(sub, vhost))
    queues.append(_queue(DEAD_LETTER_SINK, {}, vhost))
    bindings.append({"source": DEAD_LETTER_EXCHANGE, "vhost": vhost, "destination": DEAD_LETTER_SINK,
                     "destination_type": "queue", "routing_key": "", "arguments": {}})
    policies += [
        _policy("dl rpc", r"^rpc-", {"dead-letter-exchange": DEAD_LETTER_EXCHANGE, "delivery-limit": RPC_DELIVERY_LIMIT,
                                     "message-ttl": RPC_MESSAGE_TTL_MS}, 5, vhost),
        _policy("dl rpc replies", r"^rpc\.reply-", {"dead-letter-exchange": DEAD_LETTER_EXCHANGE,
                                                     "message-ttl": RPC_MESSAGE_TTL_MS}, 5, vhost),
        _policy("dead-letter sink", exactly(DEAD_LETTER_SINK),
                {"max-length": SINK_MAX_LENGTH, "overflow": "drop-head", "message-ttl": SINK_MESSAGE_TTL_MS}, 20, vhost),
        _policy("dl default", ".*", {"dead-letter-exchange": DEAD_LETTER_EXCHANGE}, 0, vhost),
    ]
    return {
        "rabbit_version": "3.13.0",
        "vhosts": [{"name": vhost, "description": "E-Planning: stage events, RPC, retry and dead letters",
                    "tags": [], "default_queue_type": "quorum",
                    "metadata": {"description": "E-Planning: stage events, RPC, retry and dead letters",
                                 "tags": [], "default_queue_type": "quorum"}}],
        "users": users,
        "permissions": perms,
        "topic_permissions": topic_perms,
        "parameters": [],
        "global_parameters": [],
        "policies": policies,
        "exchanges": exchanges,
        "queues": queues,
        "bindings": bindings,
    }


def partner_user(name: str) -> str:
    """`partner.<name>` for a partner name of lower-case letters, digits and dashes (no dots: the name
    is a prefix of the partner's queues, and `acme` must not reach `acme.eu`'s)."""
    if not isinstance(name, str) or not PARTNER_NAME.match(name):
        raise ValueError(f"partner name {name!r}: 1-40 lower-case letters, digits or dashes, "
                         "starting with a letter or digit")
    return PARTNER_PREFIX + name


def partner_permissions(name: str, topology: Topology = PROJECT_TOPOLOGY) -> dict:
    """configure/write/read of `partner.<name>`: its own queues `partner.<name>.*` (declare, delete,
    bind = write on the queue, consume = read), read on the service exchanges (queue.bind needs read
    on the source exchange; reading an exchange lets one do nothing else). No write on any exchange:
    it cannot publish events or RPC requests."""
    own = pcre_literal(partner_user(name) + ".") + ".*"
    service_exchanges = dict.fromkeys((*topology.exchanges, *(exchange_name(s) for s in SERVICES)))
    return {"configure": any_of(own), "write": any_of(own),
            "read": any_of(own, *(pcre_literal(e) for e in service_exchanges))}


def partner_definitions(name: str, topology: Topology = PROJECT_TOPOLOGY, *, vhost: str = VHOST,
                        password: str | None = None, user_prefix: str = "") -> dict:
    """The definitions that add partner `name` to a vhost loaded from `definitions()`: its user (no
    password hash without `password`: it cannot log in), its permissions and the policy of its
    queues. Importing them adds to what is there (rabbitmqctl import_definitions, POST
    /api/definitions) and changes nothing else. `user_prefix` renames the user (tests)."""
    user = partner_user(name)
    queues = pcre_literal(user + ".")
    return {
        "users": [{"name": user_prefix + user, "password_hash": password_hash(password) if password else "",
                   "hashing_algorithm": HASHING, "tags": []}],
        "permissions": [{"user": user_prefix + user, "vhost": vhost, **partner_permissions(name, topology)}],
        "policies": [_policy(user, "^" + queues, {"max-length": PARTNER_MAX_LENGTH, "overflow": "drop-head",
                                                  "message-ttl": PARTNER_MESSAGE_TTL_MS}, 10, vhost)],
    }


def passwords_from_env(principals: tuple[Principal, ...] = PRINCIPALS,
                       monitoring_user: str | None = MONITORING_USER) -> dict[str, str]:
    """user -> password from RABBITMQ_PASSWORD_<USER>; raises KeyError naming every missing variable."""
    users = [p.user for p in principals] + ([monitoring_user] if monitoring_user else [])
    missing = [password_env(u) for u in users if not os.environ.get(password_env(u))]
    if missing:
        raise KeyError("missing " + ", ".join(missing))
    return {u: os.environ[password_env(u)] for u in users}
