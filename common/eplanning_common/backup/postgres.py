"""pg_dump and pg_restore for one database, and the checks on a restore's target database.

The password never appears on a command line (it would show in `ps`): it goes to libpq through
PGPASSWORD, the rest of the URL as a connection string.
"""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa


class RestoreRefused(Exception):
    pass


def _quoted(value) -> str:
    return str(value).replace("\\", "\\\\").replace("'", "\\'")


def _libpq(url: str) -> tuple[str, dict]:
    u = sa.engine.make_url(url)
    parts = {"host": u.host, "port": u.port, "user": u.username, "dbname": u.database, **u.query}
    conninfo = " ".join(f"{k}='{_quoted(v)}'" for k, v in parts.items() if v not in (None, ""))
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = u.password
    return conninfo, env


def _run(argv: list[str], env: dict, what: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")


def dump(url: str, path: Path) -> None:
    """pg_dump, custom format (compressed; pg_restore can pick and reorder what it restores)."""
    conninfo, env = _libpq(url)
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={path}", f"--dbname={conninfo}"],
         env, f"pg_dump of {sa.engine.make_url(url).database}")


def restore(url: str, path: Path) -> None:
    """pg_restore into the (new, empty) database; stops at the first error. Objects belong to the
    restoring role (--no-owner): the role of the dumped installation need not exist here."""
    conninfo, env = _libpq(url)
    _run(["pg_restore", "--exit-on-error", "--no-owner", "--no-privileges", "--single-transaction",
          f"--dbname={conninfo}", str(path)], env, f"pg_restore into {sa.engine.make_url(url).database}")


@dataclass(frozen=True)
class Target:
    url: str
    exists: bool
    tables: int  # tables outside the system schemas (0: empty)
    sessions: int  # other connections to it

    @property
    def database(self) -> str:
        return sa.engine.make_url(self.url).database


def _admin(url: str) -> sa.Engine:
    return sa.create_engine(sa.engine.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT",
                            poolclass=sa.pool.NullPool)


def inspect(url: str) -> Target:
    name = sa.engine.make_url(url).database
    admin = _admin(url)
    try:
        with admin.connect() as conn:
            exists = conn.execute(sa.text("select 1 from pg_database where datname = :n"), {"n": name}).first()
            sessions = conn.execute(sa.text("select count(*) from pg_stat_activity where datname = :n "
                                            "and pid <> pg_backend_pid()"), {"n": name}).scalar()
    finally:
        admin.dispose()
    tables = 0
    if exists:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                tables = conn.execute(sa.text(
                    "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                    "where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') "
                    "and n.nspname not like 'pg_toast%'")).scalar()
        finally:
            engine.dispose()
    return Target(url, bool(exists), tables, sessions)


def refusal(target: Target, force: bool) -> str | None:
    """Why restoring into `target` is refused (None: go ahead)."""
    if target.sessions:
        return (f"{target.database}: {target.sessions} other session(s) connected; stop the stack first "
                "(`make down`; with Docker Compose stop every service but postgres)")
    if target.exists and target.tables and not force:
        return (f"{target.database} is not empty ({target.tables} tables); restore only into fresh databases, "
                "or FORCE=1 (--force) to rename it aside first")
    return None


def prepare(target: Target, aside_suffix: str) -> str | None:
    """Make `target` a fresh empty database: created if missing, used as it is if it has no table;
    a non-empty one is renamed to `<name>_<aside_suffix>` first (never dropped: a restore loses
    nothing); returns that name, if any."""
    admin = _admin(target.url)
    aside = None
    try:
        with admin.connect() as conn:
            if target.exists and target.tables:
                aside = f"{target.database}_{aside_suffix}"[:63]
                conn.execute(sa.text(f'ALTER DATABASE "{target.database}" RENAME TO "{aside}"'))
            if aside or not target.exists:
                conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()
    return aside
