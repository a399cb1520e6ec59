"""`python -m eplanning_demo.reset` (`make demo-reset`, with the stack stopped): drop and recreate
the four service databases and the gateway database, and empty the project's queues (their
messages belong to the data just dropped). `make up` then migrates, loads the reference data and
starts everything again; the gateway creates a new administrator (var/admin-password.txt).

The databases are the ones the stack uses: `<SERVICE>_DATABASE_URL` / `GATEWAY_DATABASE_URL` or the
local defaults (eplanning_common.config). This is a local-development tool: it destroys data.
"""
from __future__ import annotations

import sys

SERVICES = ("musrenbang", "pokir", "renja", "rkpd")


def database_urls() -> dict[str, str]:
    from eplanning_common import config
    from gateway import settings

    return {**{s: config.database_url(s) for s in SERVICES}, "gateway": settings.database_url()}


def recreate(url: str) -> None:
    import sqlalchemy as sa

    from eplanning_common.migrations import create_database_if_missing

    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    finally:
        admin.dispose()
    create_database_if_missing(url)


def purge_queues() -> int:
    from eplanning_common import config
    from eplanning_common.publisher import open_connection
    from eplanning_common.topology import PROJECT_TOPOLOGY

    purged = 0
    conn = open_connection(config.amqp_uri())
    try:
        for sub in PROJECT_TOPOLOGY.subscriptions:
            for queue in (sub.queue, sub.retry_queue, sub.dead_queue):
                channel = conn.channel()
                try:
                    channel.queue_purge(queue)
                    purged += 1
                except Exception:  # not declared yet: nothing to purge
                    pass
                finally:
                    try:
                        channel.close()
                    except Exception:
                        pass
    finally:
        conn.close()
    return purged


def main() -> int:
    for name, url in database_urls().items():
        recreate(url)
        print(f"demo-reset: {name}: database {url.rsplit('/', 1)[-1]} dropped and recreated")
    try:
        print(f"demo-reset: {purge_queues()} queues emptied")
    except OSError as exc:
        print(f"demo-reset: the broker's queues were not emptied ({exc})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
