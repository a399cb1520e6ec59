"""eplanning-topology declare|show — declare (or print) every exchange and queue of the project."""
import argparse
import sys

from .. import config
from ..publisher import open_connection
from ..topology import PROJECT_TOPOLOGY, declare


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
    conn = open_connection(config.amqp_uri())
    try:
        declare(conn.channel(), PROJECT_TOPOLOGY)
    finally:
        conn.close()
    print(f"declared {len(PROJECT_TOPOLOGY.exchanges)} exchanges and {len(PROJECT_TOPOLOGY.subscriptions)} subscriptions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
