"""eplanning-topology declare|verify|show|definitions — the project's exchanges and queues.

  declare      declare every exchange, queue and binding (idempotent; development, docker-compose)
  verify       check that they all exist (passive declares, no permission needed; exit 1 naming what
               is missing): the init step of a pod when the broker's definitions own the topology
  show         print them
  definitions  print the RabbitMQ definitions of the production vhost (JSON), generated from the
               topology: deploy/rabbitmq/definitions.json is this output (a test checks it);
               --passwords-from-env hashes RABBITMQ_PASSWORD_<USER> into the users (never commit that)
  partner-definitions --name NAME --free-text-agreed
               print the definitions that add an integration partner's account `partner.NAME` to the
               vhost (its own queues `partner.NAME.*` bound to the service exchanges, nothing else);
               --passwords-from-env hashes RABBITMQ_PASSWORD_PARTNER_<NAME>; import them with
               `rabbitmqctl import_definitions FILE` (adds, changes nothing else). The exchanges carry
               every event whole, free text included (what webhooks leave out unless the pemda opted
               in): --free-text-agreed states that every pemda on this broker agreed to that
"""
import argparse
import json
import os
import sys
import time

from .. import config
from ..publisher import open_connection
from ..topology import PROJECT_TOPOLOGY, TopologyMissing, declare, verify


def _connect_with_retries(uri: str, attempts: int = 10):
    """At deploy time the broker may still be starting: retry for about half a minute."""
    for attempt in range(1, attempts + 1):
        try:
            return open_connection(uri)
        except OSError as exc:
            if attempt == attempts:
                raise SystemExit(f"eplanning-topology: broker unreachable: {exc}")
            print(f"broker not reachable yet ({exc}); retrying", file=sys.stderr)
            time.sleep(min(2 ** attempt, 5))


def _partner_definitions(parser, args) -> int:
    from .. import rabbitmq_definitions as rd

    if not args.name:
        parser.error("partner-definitions needs --name")
    if not args.free_text_agreed:
        parser.error("partner-definitions: the service exchanges carry every event whole, with the free text "
                     "people typed (contracts/asyncapi.yaml x-free-text), for every pemda on this broker; webhooks "
                     "leave it out unless the pemda opted in. Give --free-text-agreed only when every pemda on "
                     "this broker agreed that this partner receives it; otherwise use webhooks.")
    try:
        user = rd.partner_user(args.name)
    except ValueError as exc:
        parser.error(str(exc))
    password = None
    if args.passwords_from_env:
        password = os.environ.get(rd.password_env(user))
        if not password:
            raise SystemExit(f"eplanning-topology partner-definitions: missing {rd.password_env(user)}")
    doc = rd.partner_definitions(args.name, PROJECT_TOPOLOGY, vhost=args.vhost or rd.VHOST, password=password)
    print(json.dumps(doc, indent=2, ensure_ascii=False))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="eplanning-topology", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["declare", "verify", "show", "definitions", "partner-definitions"])
    parser.add_argument("--vhost", default=None, help="definitions: the vhost (default eplanning)")
    parser.add_argument("--passwords-from-env", action="store_true",
                        help="definitions: password hashes from RABBITMQ_PASSWORD_<USER> (e.g. RABBITMQ_PASSWORD_MUSRENBANG)")
    parser.add_argument("--name", help="partner-definitions: the partner's name (lower-case letters, digits, dashes)")
    parser.add_argument("--free-text-agreed", action="store_true",
                        help="partner-definitions: every pemda on this broker agreed that the partner receives "
                             "the events whole, free text included")
    args = parser.parse_args(argv)
    if args.action == "partner-definitions":
        return _partner_definitions(parser, args)
    if args.action == "show":
        for name in PROJECT_TOPOLOGY.exchanges:
            print(f"exchange {name} (topic, durable)")
        for sub in PROJECT_TOPOLOGY.subscriptions:
            print(f"queue {sub.queue} <- {sub.source}.events [{sub.routing_key}]; retry {sub.retry_queue}; dead {sub.dead_queue}")
        return 0
    if args.action == "definitions":
        from .. import rabbitmq_definitions as rd

        passwords = None
        if args.passwords_from_env:
            try:
                passwords = rd.passwords_from_env()
            except KeyError as exc:
                raise SystemExit(f"eplanning-topology definitions: {exc.args[0]}")
        doc = rd.definitions(PROJECT_TOPOLOGY, vhost=args.vhost or rd.VHOST, passwords=passwords)
        print(json.dumps(doc, indent=2, ensure_ascii=False))
        return 0
    conn = _connect_with_retries(config.amqp_uri())
    try:
        if args.action == "verify":
            try:
                verify(conn, PROJECT_TOPOLOGY)
            except TopologyMissing as exc:
                print(f"eplanning-topology verify: {exc}", file=sys.stderr)
                return 1
            print(f"verified {len(PROJECT_TOPOLOGY.exchanges)} exchanges and "
                  f"{len(PROJECT_TOPOLOGY.subscriptions)} subscriptions")
            return 0
        declare(conn.channel(), PROJECT_TOPOLOGY)
    finally:
        conn.close()
    print(f"declared {len(PROJECT_TOPOLOGY.exchanges)} exchanges and {len(PROJECT_TOPOLOGY.subscriptions)} subscriptions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
