"""Console scripts of the gateway.

    gateway-migrate           create the gateway database if missing and migrate it to head
    gateway-bootstrap-admin   create the first administrator if there is no user yet (idempotent)
"""
from __future__ import annotations

import argparse
import sys

from . import settings


def _safe_url(url: str) -> str:
    import sqlalchemy as sa

    return sa.engine.make_url(url).render_as_string(hide_password=True)


def migrate_main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="gateway-migrate", description=(
        "Create the gateway database (GATEWAY_DATABASE_URL) if it is missing and run its migrations."))
    parser.add_argument("--revision", default="head", help="target revision (default: head)")
    args = parser.parse_args(argv)

    from eplanning_common.migrations import migrate

    url = settings.database_url()
    migrate("gateway", url, args.revision)
    print(f"gateway: migrated ({_safe_url(url)})")
    return 0


def bootstrap_main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="gateway-bootstrap-admin", description=(
        "Create the first administrator (GATEWAY_ADMIN_USERNAME, GATEWAY_ADMIN_PEMDA; password from "
        "GATEWAY_ADMIN_PASSWORD or generated and saved only in var/admin-password.txt, mode 600) "
        "when the gateway has no user yet. Does nothing otherwise."))
    parser.parse_args(argv)

    from .auth.bootstrap import bootstrap_admin
    from .auth.store import SqlAuthStore

    store = SqlAuthStore.from_url(settings.database_url())
    try:
        result = bootstrap_admin(store)
    finally:
        store.dispose()
    if not result.created:
        print("gateway: users already exist; no administrator created")
    elif result.password_file is None:
        print(f"gateway: administrator '{result.username}' created with the password from GATEWAY_ADMIN_PASSWORD")
    return 0


if __name__ == "__main__":
    sys.exit(migrate_main())
