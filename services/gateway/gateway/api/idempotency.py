"""`Idempotency-Key` on POST: a retried create returns the first answer instead of creating twice.

Keys are per caller (`sub`) and kept `TTL` (24 h). The first request with a key claims it
(`pending`), runs, and stores its answer (`done`) unless the answer was a 5xx (the outcome is
unknown or transient: the key is released so that the retry runs again). A retry with the same
key and the same request gets the stored answer with `Idempotent-Replayed: true`; the same key on a
different request is a 422; a retry while the first is still running is a 409 with Retry-After.
A `pending` claim older than `STALE_AFTER` (a worker killed mid-request) may be taken over.

Stores: `SqlIdempotencyStore` on the gateway database, `MemoryIdempotencyStore` for unit tests.
Store contract:
    claim(owner, key, fingerprint, now, stale_before, expired_before) -> Stored | None
        None: claimed for this request; a Stored: what is already there
    complete(owner, key, status, headers, body, now);  release(owner, key)
"""
from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from ..auth.schema import idempotency_keys
from ..exceptions import DatabaseUnavailable

TTL = timedelta(hours=24)
STALE_AFTER = timedelta(seconds=60)  # above gunicorn's worker timeout: a pending older than this is dead
KEY_PATTERN = re.compile(r"[A-Za-z0-9._:-]{8,200}")
REPLAYED_HEADERS = ("Location", "Content-Type", "ETag")


@dataclass(frozen=True)
class Stored:
    fingerprint: str
    state: str  # pending | done
    status: int | None = None
    headers: Mapping[str, str] | None = None
    body: bytes | None = None


def fingerprint(method: str, path: str, query: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class MemoryIdempotencyStore:
    def __init__(self):
        self._rows: dict[tuple[str, str], tuple[Stored, datetime]] = {}
        self._lock = threading.Lock()

    def claim(self, owner, key, fp, now, stale_before, expired_before):
        with self._lock:
            found = self._rows.get((owner, key))
            if found is not None:
                stored, created = found
                takeover = created < expired_before or (stored.state == "pending" and created < stale_before)
                if not takeover:
                    return stored
            self._rows[(owner, key)] = (Stored(fp, "pending"), now)
            return None

    def complete(self, owner, key, status, headers, body, now):
        with self._lock:
            stored, created = self._rows[(owner, key)]
            self._rows[(owner, key)] = (Stored(stored.fingerprint, "done", status, dict(headers), body), created)

    def release(self, owner, key):
        with self._lock:
            self._rows.pop((owner, key), None)


class SqlIdempotencyStore:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    @classmethod
    def from_url(cls, url: str) -> "SqlIdempotencyStore":
        return cls(sa.create_engine(url, pool_size=2, max_overflow=2, pool_pre_ping=True, pool_recycle=1800))

    def _begin(self):
        try:
            return self.engine.begin()
        except sa.exc.OperationalError as exc:
            raise DatabaseUnavailable(str(exc)) from exc

    def claim(self, owner, key, fp, now, stale_before, expired_before):
        t = idempotency_keys
        try:
            with self._begin() as conn:
                inserted = conn.execute(insert(t).values(
                    owner=owner, key=key, fingerprint=fp, state="pending", created_at=now,
                ).on_conflict_do_nothing()).rowcount
                if inserted:
                    return None
                row = conn.execute(sa.select(t).where(t.c.owner == owner, t.c.key == key).with_for_update()).one()
                takeover = row.created_at < expired_before or (row.state == "pending" and row.created_at < stale_before)
                if takeover:
                    conn.execute(t.update().where(t.c.owner == owner, t.c.key == key).values(
                        fingerprint=fp, state="pending", status=None, headers=None, body=None, created_at=now,
                        completed_at=None))
                    return None
                return Stored(row.fingerprint, row.state, row.status, row.headers, row.body)
        except sa.exc.OperationalError as exc:
            raise DatabaseUnavailable(str(exc)) from exc

    def complete(self, owner, key, status, headers, body, now):
        t = idempotency_keys
        try:
            with self._begin() as conn:
                conn.execute(t.update().where(t.c.owner == owner, t.c.key == key).values(
                    state="done", status=status, headers=dict(headers), body=body, completed_at=now))
        except sa.exc.OperationalError as exc:
            raise DatabaseUnavailable(str(exc)) from exc

    def release(self, owner, key):
        t = idempotency_keys
        try:
            with self._begin() as conn:
                conn.execute(t.delete().where(t.c.owner == owner, t.c.key == key, t.c.state == "pending"))
        except sa.exc.OperationalError as exc:
            raise DatabaseUnavailable(str(exc)) from exc

    def prune(self, before: datetime) -> int:
        with self._begin() as conn:
            return conn.execute(idempotency_keys.delete().where(idempotency_keys.c.created_at < before)).rowcount


def headers_to_keep(headers: Mapping[str, Any]) -> dict[str, str]:
    wanted = {name.lower() for name in REPLAYED_HEADERS}
    return {name: str(value) for name, value in headers.items() if name.lower() in wanted}
