"""eplanning-deadletters — list and replay messages parked after every retry failed.

  eplanning-deadletters list                       counts for every subscription of the project
  eplanning-deadletters list --queue Q.dead        the messages in one dead-letter queue
  eplanning-deadletters replay --queue Q.dead --id EVENT_ID
  eplanning-deadletters replay --queue Q.dead --all
"""
import argparse
import json
import sys
from dataclasses import asdict

from .. import config
from ..deadletters import count, list_dead_letters, replay
from ..topology import PROJECT_TOPOLOGY


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="eplanning-deadletters", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="action", required=True)
    p_list = sub.add_parser("list")
    p_list.add_argument("--queue", help="a dead-letter queue (name ends with .dead)")
    p_replay = sub.add_parser("replay")
    p_replay.add_argument("--queue", required=True)
    which = p_replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", dest="event_id")
    which.add_argument("--all", action="store_true")
    args = parser.parse_args(argv)
    uri = config.amqp_uri()

    if getattr(args, "queue", None) and not args.queue.endswith(".dead"):
        parser.error("--queue must name a dead-letter queue (ending in .dead)")
    if args.action == "list" and not args.queue:
        for s in PROJECT_TOPOLOGY.subscriptions:
            print(f"{count(uri, s.dead_queue):6d}  {s.dead_queue}")
        return 0
    if args.action == "list":
        for letter in list_dead_letters(uri, args.queue):
            print(json.dumps(asdict(letter), ensure_ascii=False))
        return 0
    ids = replay(uri, args.queue, None if args.all else args.event_id)
    for event_id in ids:
        print(f"replayed {event_id}")
    if args.event_id and not ids:
        print(f"no dead letter with id {args.event_id} in {args.queue}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
