"""The audit log: an append-only, hash-chained record of every state change (who, when, what,
before/after), one chain per database (each service's, and the gateway's).

Entry fields: `seq` (1, 2, 3, … without gaps: the chain order), `at` (the database clock when the
entry was appended), `actor` (the verified caller: sub, role, pemda…; or `{"type": "system", …}`
naming the event handler and the event, the timer, the bootstrap), `action` (the routing key of
the event the change published, e.g. `usulan.submitted.v1`, or an explicit name such as
`user.created`), `entity` and `subject` (the aggregate kind and id), `pemda`, `tahun`, `event_id`
(the published event, if any), `correlation_id`, `before` (the `after` of the previous entry of
the same entity and subject), `after` (the event's data or an explicit snapshot), `prev_hash` and
`hash`.

    hash = sha256( prev_hash || canonical_json(entry without hash) )      (hex, UTF-8)

`canonical_json` is eplanning_common.domainkit.canonical (sorted keys, no whitespace, numbers as
plain decimal text); the first entry's prev_hash is GENESIS. The hash covers the seq, so a deleted
row shows as a gap and as a prev_hash that no longer matches; an edited row as a hash that no
longer matches its content. Appends serialize on the chain tail: each transaction that appends
takes `pg_advisory_xact_lock(CHAIN_LOCK)`, reads the tail and inserts its entries (gap-free seq,
assigned under the lock) — late, just before COMMIT, so the lock is held for a few statements and
the commit only. A trigger refuses UPDATE, DELETE and TRUNCATE (created by each database's
migration with `create_audit_log`).

What the chain proves and what it does not: anyone who can only write through the application,
or who edits or deletes rows by hand, is caught by `verify` (eplanning-audit verify). Someone who
can disable the trigger *and* recompute every hash from the tampered row to the end produces a
valid chain again: only a head hash (seq, hash) recorded somewhere they cannot reach (a published
RKPD, a daily log line shipped elsewhere, a letter) catches that — `verify --anchor SEQ:HASH`.

JSON values are stored as the canonical text of their normalized form (`jsonable`: a float or
Decimal becomes its decimal text, as amounts already are in every event), read back as text and
re-canonicalized, so the hash never depends on how PostgreSQL renders jsonb.
"""
from __future__ import annotations

import getpass
import hashlib
import json
import os
import re
import socket
import sys
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum
from typing import Any, Iterable, Iterator, Mapping

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from .domainkit.canonical import canonical_json

GENESIS = hashlib.sha256(b"eplanning-audit-log/v1").hexdigest()
# pg_advisory_xact_lock key serializing appends to a database's chain (7_202_601: migrations,
# 7_202_602: the gateway's first user)
CHAIN_LOCK = 7_202_603
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

# Tables whose writes are plumbing, never audited on their own
PLUMBING_TABLES = frozenset({"outbox", "processed_events", "audit_log"})

metadata = sa.MetaData()

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", JSONB, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("entity", sa.Text),
    sa.Column("subject", sa.Text),
    sa.Column("pemda", sa.Text),
    sa.Column("tahun", sa.Integer),
    sa.Column("event_id", sa.Text),
    sa.Column("correlation_id", sa.Text),
    sa.Column("before", JSONB),
    sa.Column("after", JSONB),
    sa.Column("prev_hash", sa.Text, nullable=False),
    sa.Column("hash", sa.Text, nullable=False),
    sa.CheckConstraint("seq > 0", name="audit_log_seq_positive"),
    sa.CheckConstraint("hash ~ '^[0-9a-f]{64}$' and prev_hash ~ '^[0-9a-f]{64}$'", name="audit_log_hash_hex"),
)
# `before` of a new entry: the newest entry of the same entity and subject
sa.Index("audit_log_subject", audit_log.c.entity, audit_log.c.subject, audit_log.c.seq.desc(),
         postgresql_where=audit_log.c.entity.isnot(None))

APPEND_ONLY_FUNCTION = "audit_log_append_only"
ROW_TRIGGER = "audit_log_no_update_delete"
TRUNCATE_TRIGGER = "audit_log_no_truncate"

_DDL_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {APPEND_ONLY_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'audit entries are never changed or removed; eplanning-audit verify checks the chain';
END
$$
"""
_DDL_TRIGGERS = (
    f"CREATE OR REPLACE TRIGGER {ROW_TRIGGER} BEFORE UPDATE OR DELETE ON audit_log "
    f"FOR EACH ROW EXECUTE FUNCTION {APPEND_ONLY_FUNCTION}()",
    f"CREATE OR REPLACE TRIGGER {TRUNCATE_TRIGGER} BEFORE TRUNCATE ON audit_log "
    f"FOR EACH STATEMENT EXECUTE FUNCTION {APPEND_ONLY_FUNCTION}()",
)


def create_audit_log(bind) -> None:
    """The table, its index and the append-only triggers (inside a migration: op.get_bind())."""
    metadata.create_all(bind, checkfirst=True)
    bind.execute(sa.text(_DDL_FUNCTION))
    for statement in _DDL_TRIGGERS:
        bind.execute(sa.text(statement))


def drop_audit_log(bind) -> None:
    """Refuses to drop a non-empty log: a downgrade must not destroy the evidence."""
    if bind.execute(sa.text("select exists (select 1 from audit_log)")).scalar():
        raise RuntimeError("audit_log has entries: refusing to drop it (archive it and drop it by hand)")
    bind.execute(sa.text("DROP TABLE audit_log"))
    bind.execute(sa.text(f"DROP FUNCTION IF EXISTS {APPEND_ONLY_FUNCTION}()"))


# -- values -----------------------------------------------------------------------------------

def jsonable(value: Any) -> Any:
    """The audit form of a value: JSON types only; ints stay ints, floats and Decimals are kept as
    Decimal and written as their decimal text ("1.5"), datetimes and dates ISO 8601, UUIDs and enums
    their text, bytes a digest (never the content)."""
    if isinstance(value, Enum):
        value = value.value
    if value is None or isinstance(value, (str, bool, int, Decimal)):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("NaN or infinity cannot be audited")
        return Decimal(repr(value))
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((jsonable(v) for v in value), key=lambda v: canonical_json(v))
    raise TypeError(f"{type(value).__name__} cannot be audited")


def _json_text(value: Any) -> str | None:
    """What is stored in a jsonb column: the canonical text of the normalized value."""
    return None if value is None else canonical_json(value).decode("utf-8")


def _from_json_text(text: str | None) -> Any:
    """A jsonb column read back as text; numbers with a fraction or exponent as Decimal."""
    return None if text is None else json.loads(text, parse_float=Decimal)


def time_text(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("audit times carry a time zone")
    return moment.astimezone(timezone.utc).strftime(TIME_FORMAT)


# -- actors -----------------------------------------------------------------------------------

ACTOR_FIELDS = ("sub", "username", "role", "pemda", "wilayah", "opd", "anggota_id")


def user_actor(identity: Mapping[str, Any]) -> dict:
    """The verified caller, as recorded: who (sub), as what (role) and where (pemda, scope)."""
    return {"type": "user", **{k: identity[k] for k in ACTOR_FIELDS if identity.get(k) is not None}}


def system_actor(**context: Any) -> dict:
    """No person: an event handler (with the event), a timer, a bootstrap, a worker."""
    return {"type": "system", **{k: v for k, v in context.items() if v is not None}}


def service_actor(identity: Mapping[str, Any]) -> dict:
    """A service acting on its own authority with a signed service identity (RKPD's resync reads):
    which service, as which service role, in which pemda (eplanning_common.service_grants)."""
    return {"type": "service", "service": identity["service"], "sub": identity.get("sub"),
            "role": identity.get("service_role"), "pemda": identity.get("pemda")}


def actor_for(identity: Mapping[str, Any] | None, **system_context: Any) -> dict:
    if identity and identity.get("service"):
        return service_actor(identity)
    return user_actor(identity) if identity else system_actor(**system_context)


def process_context() -> dict:
    """For a change made outside any service worker (a command-line tool such as pokir-refdata):
    the program, and the operating-system account and host that ran it."""
    try:
        os_user = getpass.getuser()
    except Exception:  # no login name (a container without passwd entry): still record the rest
        os_user = None
    return {"program": os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python",
            "os_user": os_user, "host": socket.gethostname()}


# -- entries and the chain (pure) -------------------------------------------------------------

class _Lookup:
    def __repr__(self) -> str:
        return "LOOKUP"


LOOKUP = _Lookup()  # `before`: the `after` of the newest entry of the same entity and subject


@dataclass(frozen=True)
class Entry:
    """An entry to append. `before` defaults to LOOKUP (needs entity and subject; else None)."""

    action: str
    actor: dict
    after: Any = None
    entity: str | None = None
    subject: str | None = None
    pemda: str | None = None
    tahun: int | None = None
    event_id: str | None = None
    correlation_id: str | None = None
    before: Any = field(default=LOOKUP)


HASHED_FIELDS = ("seq", "at", "actor", "action", "entity", "subject", "pemda", "tahun", "event_id",
                 "correlation_id", "before", "after", "prev_hash")


def entry_hash(record: Mapping[str, Any]) -> str:
    """sha256(prev_hash || canonical_json(every field but hash)), hex. `at` is the UTC text."""
    fields = {name: record[name] for name in HASHED_FIELDS}
    return hashlib.sha256(fields["prev_hash"].encode("ascii") + canonical_json(fields)).hexdigest()


def seal(entries: Iterable[Entry], tail_seq: int, tail_hash: str, at: datetime,
         before_of: Mapping[tuple[str, str], Any]) -> list[dict]:
    """Chain `entries` after the tail (seq, hash): the rows to insert, hashes computed.

    before_of: (entity, subject) -> the newest recorded `after` (entries of this batch update it)."""
    latest = dict(before_of)
    rows, seq, prev = [], tail_seq, tail_hash
    for entry in entries:
        seq += 1
        subject = None if entry.subject is None else str(entry.subject)
        key = (entry.entity, subject)
        if entry.before is LOOKUP:
            before = latest.get(key) if entry.entity is not None and entry.subject is not None else None
        else:
            before = jsonable(entry.before)
        after = jsonable(entry.after)
        record = {
            "seq": seq, "at": time_text(at), "actor": jsonable(entry.actor), "action": entry.action,
            "entity": entry.entity, "subject": subject,
            "pemda": entry.pemda, "tahun": entry.tahun,
            "event_id": None if entry.event_id is None else str(entry.event_id),
            "correlation_id": entry.correlation_id, "before": before, "after": after, "prev_hash": prev,
        }
        record["hash"] = prev = entry_hash(record)
        if entry.entity is not None and entry.subject is not None:
            latest[key] = after
        rows.append(record)
    return rows


@dataclass(frozen=True)
class Break:
    seq: int
    problem: str  # gap | prev_hash_mismatch | hash_mismatch | anchor_mismatch | anchor_missing
    detail: str

    def __str__(self) -> str:
        return f"seq {self.seq}: {self.problem.replace('_', ' ')} ({self.detail})"


@dataclass(frozen=True)
class Report:
    count: int  # entries checked and found sound (before the break, if any)
    head_seq: int  # the last sound entry (0: none)
    head_hash: str  # its hash (GENESIS: none)
    broken: Break | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify_records(records: Iterable[Mapping[str, Any]], anchor: tuple[int, str] | None = None) -> Report:
    """Walk records in seq order; stop at the first broken link. Each record has every hashed
    field (`at` as UTC text, JSON values as read back) and its stored `hash`.

    anchor (seq, hash): a head published earlier; the chain must still hold it."""
    expected_seq, prev = 1, GENESIS
    count = 0
    for record in records:
        seq = record["seq"]
        sound = Report(count, expected_seq - 1, prev)
        if seq != expected_seq:
            if seq < expected_seq:
                return replace(sound, broken=Break(seq, "gap", f"seq {seq} out of order after {expected_seq - 1}"))
            missing = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}..{seq - 1}"
            return replace(sound, broken=Break(expected_seq, "gap", f"entry {missing} missing, next is {seq}"))
        if record["prev_hash"] != prev:
            return replace(sound, broken=Break(seq, "prev_hash_mismatch",
                                               f"prev_hash {record['prev_hash']}, entry {seq - 1} has hash {prev}"))
        computed = entry_hash(record)
        if computed != record["hash"]:
            return replace(sound, broken=Break(seq, "hash_mismatch",
                                               f"stored {record['hash']}, content hashes to {computed}"))
        if anchor is not None and seq == anchor[0] and record["hash"] != anchor[1]:
            return replace(sound, broken=Break(seq, "anchor_mismatch",
                                               f"anchored hash {anchor[1]}, chain has {record['hash']}"))
        prev, expected_seq, count = record["hash"], seq + 1, count + 1
    report = Report(count, expected_seq - 1, prev)
    if anchor is not None and anchor[0] > report.head_seq:
        return replace(report, broken=Break(anchor[0], "anchor_missing",
                                            f"anchored entry {anchor[0]} is beyond the head {report.head_seq}: "
                                            "entries were removed from the end"))
    return report


def parse_anchor(text: str) -> tuple[int, str]:
    match = re.fullmatch(r"(\d+):([0-9a-f]{64})", text.strip())
    if not match or int(match.group(1)) < 1:
        raise ValueError("an anchor is SEQ:HASH, e.g. 1234:9f86d081884c7d65…(64 hex digits)")
    return int(match.group(1)), match.group(2)


# -- the database -----------------------------------------------------------------------------

_INSERT = audit_log.insert().values(
    actor=sa.cast(sa.bindparam("actor_text", type_=sa.Text), JSONB),
    before=sa.cast(sa.bindparam("before_text", type_=sa.Text), JSONB),
    after=sa.cast(sa.bindparam("after_text", type_=sa.Text), JSONB),
)


# One round trip: the chain lock in a statement of its own, then (a new statement, so a new
# snapshot under READ COMMITTED, taken once the lock is granted) the clock, the tail, and the newest
# `after` of each (entity, subject) the batch needs (index audit_log_subject).
_LOCK_AND_TAIL = sa.text(f"""
select pg_advisory_xact_lock({CHAIN_LOCK});
select clock_timestamp() as now, t.seq, t.hash, w.entity, w.subject,
       (select a.after::text from audit_log a where a.entity = w.entity and a.subject = w.subject
        order by a.seq desc limit 1) as after
from (select 1) one
left join (select seq, hash from audit_log order by seq desc limit 1) t on true
left join unnest(cast(:entities as text[]), cast(:subjects as text[])) as w(entity, subject) on true
""")


def append(conn: sa.Connection, entries: list[Entry]) -> list[dict]:
    """Append `entries` to the chain in `conn`'s transaction, which must be READ COMMITTED (the
    default): the tail is read after the lock is granted. Holds the chain lock until the
    transaction ends: call it as late as possible. Returns the sealed rows."""
    if not entries:
        return []
    keys = sorted({(e.entity, str(e.subject)) for e in entries
                   if e.before is LOOKUP and e.entity is not None and e.subject is not None})
    rows = conn.execute(_LOCK_AND_TAIL, {"entities": [k[0] for k in keys], "subjects": [k[1] for k in keys]}).all()
    tail = rows[0]
    before_of = {(r.entity, r.subject): _from_json_text(r.after) for r in rows if r.entity is not None}
    sealed = seal(entries, tail.seq or 0, tail.hash or GENESIS, tail.now, before_of)
    conn.execute(_INSERT, [
        {**{k: v for k, v in row.items() if k not in ("actor", "before", "after", "at")},
         "at": tail.now, "actor_text": _json_text(row["actor"]), "before_text": _json_text(row["before"]),
         "after_text": _json_text(row["after"])}
        for row in sealed])
    return sealed


def read_records(conn: sa.Connection, after_seq: int = 0, batch: int = 2000) -> Iterator[dict]:
    """Every entry in seq order, as verify_records wants them (JSON re-read from its text)."""
    a = audit_log.c
    columns = [a.seq, a.at, a.action, a.entity, a.subject, a.pemda, a.tahun, a.event_id, a.correlation_id,
               a.prev_hash, a.hash, sa.cast(a.actor, sa.Text).label("actor"),
               sa.cast(a.before, sa.Text).label("before"), sa.cast(a.after, sa.Text).label("after")]
    last = after_seq
    while True:  # keyset pages: no long-lived cursor, constant memory
        rows = conn.execute(sa.select(*columns).where(a.seq > last).order_by(a.seq).limit(batch)).mappings().all()
        if not rows:
            return
        for row in rows:
            record = dict(row)
            record["at"] = time_text(row["at"])
            for name in ("actor", "before", "after"):
                record[name] = _from_json_text(row[name])
            yield record
        last = rows[-1]["seq"]


def verify(conn: sa.Connection, anchor: tuple[int, str] | None = None) -> Report:
    return verify_records(read_records(conn), anchor)


def entries_of(conn: sa.Connection, *, entity: str | None = None, subject: str | None = None,
               action: str | None = None, after_seq: int = 0, limit: int = 100) -> list[dict]:
    """Entries (oldest first) for people and tests: JSON values as Python values."""
    a = audit_log.c
    query = sa.select(audit_log).where(a.seq > after_seq)
    if entity is not None:
        query = query.where(a.entity == entity)
    if subject is not None:
        query = query.where(a.subject == subject)
    if action is not None:
        query = query.where(a.action == action)
    return [dict(row) for row in conn.execute(query.order_by(a.seq).limit(limit)).mappings()]


# -- what a unit of work wrote (for changes that publish no event) ----------------------------

def _table_of(statement) -> sa.Table | None:
    table = getattr(statement, "table", None)
    return table if isinstance(table, sa.Table) else None


def audited_table(statement) -> str | None:
    """The table name of an INSERT/UPDATE/DELETE that the audit must account for, else None.
    A table opts out with `info={"audit": False}` (derived or cached state)."""
    if not isinstance(statement, sa.sql.dml.UpdateBase):
        return None
    table = _table_of(statement)
    if table is None or table.name in PLUMBING_TABLES or table.info.get("audit") is False:
        return None
    return table.name


def _operation(statement) -> str:
    if isinstance(statement, sa.sql.dml.Insert):
        return "upsert" if getattr(statement, "_post_values_clause", None) is not None else "insert"
    if isinstance(statement, sa.sql.dml.Update):
        return "update"
    return "delete"


def _where_keys(statement, table: sa.Table) -> dict[str, Any]:
    """Primary-key values the WHERE clause pins with `column == value`."""
    keys: dict[str, Any] = {}
    where = getattr(statement, "whereclause", None)
    if where is None:
        return keys
    pk = {c.key for c in table.primary_key.columns}
    for element in sa.sql.visitors.iterate(where):
        if (isinstance(element, sa.sql.elements.BinaryExpression)
                and element.operator is sa.sql.operators.eq
                and isinstance(element.left, sa.Column) and element.left.key in pk
                and isinstance(element.right, sa.sql.elements.BindParameter)):
            keys[element.left.key] = element.right.effective_value
    return keys


def _row_keys(statement, params, table: sa.Table, dialect) -> list[list]:
    pk = [c.key for c in table.primary_key.columns]
    if not pk:
        return []
    if isinstance(params, Mapping):
        params = [params]
    if isinstance(params, list) and params and all(isinstance(p, Mapping) for p in params):
        return [[p[k] for k in pk] for p in params if all(k in p for k in pk)]
    if isinstance(statement, sa.sql.dml.Insert):
        compiled = statement.compile(dialect=dialect).params
        if all(k in compiled for k in pk):
            return [[compiled[k] for k in pk]]
        rows, i = [], 0
        while all(f"{k}_m{i}" in compiled for k in pk):  # .values([...]): id_m0, id_m1, ...
            rows.append([compiled[f"{k}_m{i}"] for k in pk])
            i += 1
        return rows
    where = _where_keys(statement, table)
    return [[where[k] for k in pk]] if all(k in where for k in pk) else []


MAX_KEYS = 50


def describe_write(statement, params, rowcount: int, dialect) -> dict:
    """{table, op, rows, keys, columns}: which rows of which table changed, by primary key, and
    which columns were set — not the values (the log is kept forever; values may be personal data
    the service must be able to erase; what an event publishes is recorded in full instead)."""
    table = _table_of(statement)
    described: dict[str, Any] = {"table": table.name, "op": _operation(statement), "rows": rowcount}
    try:
        keys = [jsonable(k[0] if len(k) == 1 else k) for k in _row_keys(statement, params, table, dialect)]
    except Exception:  # a shape we cannot read: the table, operation and count still stand
        keys = []
    if keys:
        described["keys"] = keys[:MAX_KEYS]
        if len(keys) > MAX_KEYS:
            described["more_keys"] = len(keys) - MAX_KEYS
    values = getattr(statement, "_values", None) or {}
    columns = sorted(getattr(c, "key", str(c)) for c in values) if values else []
    if isinstance(params, Mapping):
        columns = sorted(set(columns) | {str(k) for k in params})
    elif isinstance(params, list) and params and isinstance(params[0], Mapping):
        columns = sorted(set(columns) | {str(k) for k in params[0]})
    if columns and not isinstance(statement, sa.sql.dml.Delete):
        described["columns"] = columns
    return described
