"""eplanning-outbox — inspect a service's outbox and publish again what nobody was subscribed to.

  eplanning-outbox status SERVICE                 rows per status, oldest pending age
  eplanning-outbox republish SERVICE --unrouted   mark unrouted rows pending again (after a new
                                                  subscriber bound its queue); the relay sends them
"""
import argparse
import sys

import sqlalchemy as sa

from .. import config
from ..schema import OUTBOX_CHANNEL, outbox


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="eplanning-outbox", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["status", "republish"])
    parser.add_argument("service", choices=config.SERVICES)
    parser.add_argument("--unrouted", action="store_true", help="with republish: the rows to send again")
    args = parser.parse_args(argv)
    engine = sa.create_engine(config.database_url(args.service))
    with engine.begin() as conn:
        if args.action == "status":
            for status, n, oldest in conn.execute(
                sa.select(outbox.c.status, sa.func.count(), sa.func.min(outbox.c.created_at)).group_by(outbox.c.status)
            ):
                print(f"{status:9s} {n:8d}  oldest {oldest}")
            return 0
        if not args.unrouted:
            parser.error("republish needs --unrouted")
        n = conn.execute(
            outbox.update().where(outbox.c.status == "unrouted").values(status="pending", last_error=None)
        ).rowcount
        conn.execute(sa.select(sa.func.pg_notify(OUTBOX_CHANNEL, args.service)))
    print(f"{n} events queued for publishing again")
    return 0


if __name__ == "__main__":
    sys.exit(main())
