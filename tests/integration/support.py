"""Helpers for integration tests: a throwaway RabbitMQ vhost, fresh databases, polling."""
import contextlib
import json
import os
import subprocess
import time
import urllib.parse
import uuid

import requests
import sqlalchemy as sa

from eplanning_common.migrations import create_database_if_missing

RABBIT_HOST = os.environ.get("TEST_RABBIT_HOST", "127.0.0.1")
RABBIT_MGMT = os.environ.get("TEST_RABBIT_MGMT", f"http://{RABBIT_HOST}:15672")
PG_URI = os.environ.get("TEST_PG_URI", "postgresql://postgres@127.0.0.1:5432")


def signed_proxy(amqp_uri: str, identity: dict | None, *, timeout: float = 30, issuer: str = "gateway",
                 context: dict | None = None):
    """A standalone RPC proxy (start()/stop() or `with`) whose every call carries `identity` signed,
    as the gateway (or, `issuer="rkpd"`, RKPD) signs it, with this test run's keys (tests/conftest.py);
    `identity=None`: anonymous. The one way tests call services over RPC: a bare identity is refused."""
    from eplanning_common.identity_tokens import IdentitySigner
    from eplanning_common.signed_rpc import SignedRpcProxy

    signer = IdentitySigner.from_keys_dir(issuer) if identity else None
    return SignedRpcProxy(amqp_uri, signer, identity, timeout=timeout, context=context)


@contextlib.contextmanager
def signed_proxies(amqp_uri: str, identities: dict, *, timeout: float = 30):
    """{name: a started signed RPC proxy} for every identity of `identities`, stopped on exit."""
    opened, proxies = [], {}
    try:
        for name, identity in identities.items():
            proxy = signed_proxy(amqp_uri, identity, timeout=timeout)
            proxies[name] = proxy.start()
            opened.append(proxy)
        yield proxies
    finally:
        for proxy in opened:
            proxy.stop()


def create_vhost() -> str:
    vhost = f"eplanning-test-{uuid.uuid4().hex[:8]}"
    quoted = urllib.parse.quote(vhost, safe="")
    try:
        requests.put(f"{RABBIT_MGMT}/api/vhosts/{quoted}", auth=("guest", "guest"), timeout=10).raise_for_status()
        requests.put(f"{RABBIT_MGMT}/api/permissions/{quoted}/guest", auth=("guest", "guest"), timeout=10,
                     json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
    except requests.RequestException:
        subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=True, capture_output=True)
        subprocess.run(["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"], check=True,
                       capture_output=True)
    return vhost


def delete_vhost(vhost: str) -> None:
    quoted = urllib.parse.quote(vhost, safe="")
    try:
        requests.delete(f"{RABBIT_MGMT}/api/vhosts/{quoted}", auth=("guest", "guest"), timeout=10)
    except requests.RequestException:
        subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True)


def unfinished_messages(amqp_uri: str, queues) -> int:
    """Messages of `queues` (in the vhost of `amqp_uri`) not yet acknowledged: ready plus being handled.
    A consumer acknowledges after its transaction commits, so 0 means every message was handled. The
    management API's figures are sampled (every 5 s by default): a 0 read less than STATS_LAG_SECONDS
    after the last publish may predate it."""
    vhost = urllib.parse.unquote(amqp_uri.rsplit("/", 1)[1]) or "/"
    quoted = urllib.parse.quote(vhost, safe="")
    wanted = set(queues)
    try:
        answer = requests.get(f"{RABBIT_MGMT}/api/queues/{quoted}", auth=("guest", "guest"), timeout=10,
                              params={"columns": "name,messages_ready,messages_unacknowledged"})
        answer.raise_for_status()
        rows = [(q["name"], q.get("messages_ready", 0), q.get("messages_unacknowledged", 0)) for q in answer.json()]
    except requests.RequestException:
        listed = subprocess.run(["rabbitmqctl", "list_queues", "-q", "-p", vhost, "name", "messages_ready",
                                 "messages_unacknowledged"], check=True, capture_output=True, text=True).stdout
        rows = [(n, int(r), int(u)) for n, r, u in (line.split() for line in listed.splitlines()
                                                    if len(line.split()) == 3 and line.split()[1].isdigit())]
    return sum(ready + unacked for name, ready, unacked in rows if name in wanted)


STATS_LAG_SECONDS = 6.0


def amqp_uri_for(vhost: str) -> str:
    return f"amqp://guest:guest@{RABBIT_HOST}:5672/{urllib.parse.quote(vhost, safe='')}"


# Test databases carry this test run's suffix: two runs on one machine (a developer's and CI's,
# or two sessions') never drop each other's databases. They are dropped when the run ends.
RUN_SUFFIX = os.environ.get("TEST_DB_SUFFIX") or uuid.uuid4().hex[:6]
_created: list[str] = []


def db_name(name: str) -> str:
    """The real name of the test database `name` in this run."""
    return f"{name}_{RUN_SUFFIX}"


def track_database(real_name: str) -> None:
    """Drop `real_name` (made by someone else, e.g. a subprocess) when the run ends."""
    if real_name not in _created:
        _created.append(real_name)


def fresh_database(name: str) -> str:
    """Drop and recreate this run's test database `name`; returns its URL."""
    real = db_name(name)
    _drop(real)
    url = f"{PG_URI}/{real}"
    create_database_if_missing(url)
    track_database(real)
    return url


def service_database(service: str, suffix: str, pemda: str = "12.21") -> str:
    """This run's fresh database for `service`, migrated, with the region names of `pemda` (and
    the national nomenclature for renja): what a service container needs to start."""
    from eplanning_common.migrations import migrate
    from eplanning_common.wilayah import load_wilayah

    url = fresh_database(f"eplanning_test_{service}_{suffix}")
    migrate(service, url)
    engine = sa.create_engine(url)
    try:
        load_wilayah(engine, pemda)
        if service == "renja":
            from renja.nomenklatur import load_nomenklatur

            load_nomenklatur(engine, "sipd-2027")
    finally:
        engine.dispose()
    return url


def _drop(real_name: str) -> None:
    admin = sa.create_engine(f"{PG_URI}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{real_name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def drop_created_databases() -> None:
    while _created:
        _drop(_created.pop())


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.05, what: str = "condition"):
    """Poll until predicate() is truthy; returns its value or fails naming what it waited for."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def queue_depth(channel, queue: str) -> int:
    return channel.queue_declare(queue, passive=True).message_count


def get_json(channel, queue: str):
    message = channel.basic_get(queue, no_ack=True)
    return None if message is None else json.loads(message.body)
