"""Alembic helpers shared by the services' migration environments, and database creation."""
import logging

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from . import config

log = logging.getLogger(__name__)


def alembic_config(service: str, url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", f"{service}:migrations")
    cfg.set_main_option("sqlalchemy.url", (url or config.database_url(service)).replace("%", "%%"))
    return cfg


def create_database_if_missing(url: str) -> bool:
    """Create the database named in `url` (connecting to the server's `postgres` database)."""
    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(sa.text("select 1 from pg_database where datname = :n"), {"n": target.database}).first()
            if exists:
                return False
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
            log.info("created database %s", target.database)
            return True
    finally:
        admin.dispose()


# Replicas that start together (`--scale renja=3`, Kubernetes init containers) must not migrate at
# the same time: the first takes this advisory lock, the others wait and then find nothing to do.
MIGRATION_LOCK = 7_202_601


def migrate(service: str, url: str | None = None, revision: str = "head") -> None:
    url = url or config.database_url(service)
    try:
        create_database_if_missing(url)
    except sa.exc.ProgrammingError:  # another replica created it between our check and CREATE
        pass
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as lock_conn:
            lock_conn.execute(sa.text("select pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
            try:
                command.upgrade(alembic_config(service, url), revision)
            finally:
                lock_conn.execute(sa.text("select pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
    finally:
        engine.dispose()


def run_env(context) -> None:
    """Body of every service's migrations/env.py (online mode only: migrations need a database)."""
    url = context.config.get_main_option("sqlalchemy.url")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
