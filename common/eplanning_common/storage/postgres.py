"""PostgresStore: documents in the `stored_object` table of the owning service's own database.

The default store: the documents are replicated, backed up and restored with the rows that name
them (one `pg_dump` holds both), and every replica of the service reads what any replica wrote.
One row per object, the content in a `bytea` column (TOAST moves it out of line; STORAGE EXTERNAL
skips compressing what is compressed already: PDF, XLSX). PostgreSQL caps a value at 1 GB; the
RKPD files stay far below (publication.MAX_FILE_BYTES = 64 MiB).

The table is created by the owning service's migration with `create_table(bind)`. Each call runs
in its own short transaction on the store's engine (not in the caller's unit of work), so a put
is visible to every replica once it returns, as with an object store.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from .port import (ObjectMissing, StoredObject, check_key, check_prefix, describe, same_or_conflict,
                   verified)

metadata = sa.MetaData()

stored_object = sa.Table(
    "stored_object", metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("sha256", sa.Text, nullable=False),
    sa.Column("bytes", sa.BigInteger, nullable=False),
    sa.Column("media_type", sa.Text, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    info={"audit": False},  # the owning row (e.g. rkpd_version.files) is what the audit log records
)


def create_table(bind) -> None:
    metadata.create_all(bind, checkfirst=True)
    bind.execute(sa.text("ALTER TABLE stored_object ALTER COLUMN content SET STORAGE EXTERNAL"))


def drop_table(bind) -> None:
    metadata.drop_all(bind, checkfirst=True)


def _recorded(row) -> StoredObject:
    return StoredObject(row.key, row.sha256, row.bytes, row.media_type)


class PostgresStore:
    kind = "postgres"

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    def put(self, key: str, content: bytes, media_type: str = "application/octet-stream") -> StoredObject:
        new = describe(check_key(key), bytes(content), media_type)
        with self.engine.begin() as conn:
            inserted = conn.execute(pg_insert(stored_object).values(
                key=key, sha256=new.sha256, bytes=new.bytes, media_type=media_type, content=bytes(content))
                .on_conflict_do_nothing(index_elements=["key"]).returning(stored_object.c.key)).first()
            if inserted is not None:
                return new
            row = conn.execute(sa.select(stored_object.c.key, stored_object.c.sha256, stored_object.c.bytes,
                                         stored_object.c.media_type).where(stored_object.c.key == key)).one()
        return same_or_conflict(_recorded(row), new)

    def get(self, key: str, sha256: str | None = None) -> bytes:
        check_key(key)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(stored_object).where(stored_object.c.key == key)).first()
        if row is None:
            raise ObjectMissing(key)
        return verified(key, bytes(row.content), _recorded(row), sha256)

    def head(self, key: str) -> StoredObject | None:
        check_key(key)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(stored_object.c.key, stored_object.c.sha256, stored_object.c.bytes,
                                         stored_object.c.media_type).where(stored_object.c.key == key)).first()
        return None if row is None else _recorded(row)

    def list(self, prefix: str = "") -> list[str]:
        check_prefix(prefix)
        query = sa.select(stored_object.c.key).order_by(stored_object.c.key)
        if prefix:
            query = query.where(sa.func.starts_with(stored_object.c.key, prefix))
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def delete(self, key: str) -> bool:
        check_key(key)
        with self.engine.begin() as conn:
            return conn.execute(stored_object.delete().where(stored_object.c.key == key)).rowcount > 0
