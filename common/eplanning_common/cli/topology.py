"""eplanning-topology declare|show — declare (or print) every exchange and queue of the project."""
import argparse
import sys
import time

from .. import config
from ..publisher import open_connection
from ..topology import PROJECT_TOPOLOGY, declare


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="eplanning-topology", description=__doc__)
    parser.add_argument("action", choices=["declare", "show"])
    args = parser.parse_args(argv)
    if args.action == "show":
        for name in PROJECT_TOPOLOGY.exchanges:
            print(f"exchange {name} (topic, durable)")
        for sub in PROJECT_TOPOLOGY.subscriptions:
            print(f"queue {sub.queue} <- {sub.source}.events [{sub.routing_key}]; retry {sub.retry_queue}; dead {sub.dead_queue}")
        return 0
    conn = _connect_with_retries(config.amqp_uri())
    try:
        declare(conn.channel(), PROJECT_TOPOLOGY)
    finally:
        conn.close()
    print(f"declared {len(PROJECT_TOPOLOGY.exchanges)} exchanges and {len(PROJECT_TOPOLOGY.subscriptions)} subscriptions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
