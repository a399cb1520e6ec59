"""Database access: engines made cooperative under eventlet, and the unit of work.

A unit of work is one PostgreSQL transaction. Events emitted in it go to the outbox table in that
same transaction (no dual writes); `consuming()` records the event id in `processed_events` in that
same transaction too, so a redelivered event has no second effect.

Every unit of work that changes state also appends to the audit log (eplanning_common.audit) in
that transaction, just before COMMIT: one entry per emitted event (action = its routing key,
after = its data, actor = the caller's identity, or the event handler and the event it handled),
plus whatever `uow.audit(...)` recorded explicitly. A unit that wrote rows but emitted and
audited nothing still gets one entry, `write:<entrypoint>`, naming the tables, operations, row
counts and primary keys it wrote (not the values).
"""
import logging
import time

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from . import audit as auditlog, config, contracts
from .envelope import exchange_name, make_event
from .schema import OUTBOX_CHANNEL, outbox, processed_events

log = logging.getLogger(__name__)


def make_cooperative() -> None:
    """Make psycopg2 yield to the eventlet hub while it waits (no-op outside eventlet)."""
    try:
        import eventlet.patcher
    except ImportError:  # pragma: no cover - eventlet is a dependency
        return
    if eventlet.patcher.is_monkey_patched("socket"):
        from psycogreen.eventlet import patch_psycopg

        patch_psycopg()


def make_engine(url: str, pool_size: int | None = None) -> sa.Engine:
    make_cooperative()
    return sa.create_engine(
        url,
        pool_size=pool_size or config.db_pool_size(),
        max_overflow=5,
        pool_pre_ping=True,
        pool_recycle=1800,
    )


class UnitOfWork:
    """`with uow:` — commits when the block ends normally, rolls back when it raises."""

    def __init__(self, engine: sa.Engine, service: str, correlation_id: str | None = None, context: dict | None = None,
                 entrypoint: str | None = None):
        self.engine = engine
        self.service = service
        self.correlation_id = correlation_id
        self.context = context or {}
        self.entrypoint = entrypoint  # the worker's entrypoint (method name), for the audit log
        self.session: Session | None = None
        self.emitted: list[dict] = []
        self.audit_entries: list[auditlog.Entry] = []
        self.writes: list[tuple] = []  # (statement, params, rowcount) of audited tables
        self.duplicate = False

    def __enter__(self) -> "UnitOfWork":
        self.session = Session(self.engine, autoflush=False, expire_on_commit=False)
        self.session.begin()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self.commit()
            else:
                self.session.rollback()
                self.emitted.clear()
                self.audit_entries.clear()
                self.writes.clear()
        finally:
            self.session.close()

    def execute(self, statement, params=None):
        result = self.session.execute(statement, params)
        if auditlog.audited_table(statement) is not None:
            self.writes.append((statement, params, result.rowcount))
        return result

    def actor(self) -> dict:
        """Who is acting, as the audit log records it: the verified caller (the identity the gateway
        put in the RPC context), else the system (a timer, a public call) with the entrypoint, or,
        outside any worker (a command-line tool), the program and the account that ran it."""
        identity = self.context.get("identity")
        if identity or self.entrypoint:
            return auditlog.actor_for(identity, service=self.service, entrypoint=self.entrypoint)
        return auditlog.system_actor(service=self.service, **auditlog.process_context())

    def audit(self, action: str, after, *, entity: str | None = None, subject: str | None = None,
              pemda: str | None = None, tahun: int | None = None, before=auditlog.LOOKUP) -> None:
        """Record a state change explicitly (for one that publishes no event, or to say more than the
        event does). `before` defaults to the `after` of the last entry of the same entity/subject."""
        self.audit_entries.append(auditlog.Entry(
            action=action, actor=self.actor(), after=auditlog.jsonable(after), entity=entity, subject=subject,
            pemda=pemda, tahun=tahun, correlation_id=self.correlation_id,
            before=before if before is auditlog.LOOKUP else auditlog.jsonable(before)))

    def emit(self, routing_key: str, subject: str, data: dict, pemda: str, tahun: int) -> dict:
        """Record an event in the outbox, in this transaction. Published after commit by the relay."""
        envelope = make_event(self.service, routing_key, subject, data, pemda, tahun, self.correlation_id)
        if self.service in config.SERVICES and contracts.strict():
            contracts.validate_event(envelope)
            contracts.record_emitted(envelope)
        self.session.execute(
            outbox.insert().values(
                event_id=envelope["id"],
                exchange=exchange_name(self.service),
                routing_key=routing_key,
                envelope=envelope,
            )
        )
        self.emitted.append(envelope)
        self.audit_entries.append(auditlog.Entry(
            action=routing_key, actor=self.actor(), after=auditlog.jsonable(data), entity=routing_key.split(".", 1)[0],
            subject=subject, pemda=pemda, tahun=tahun, event_id=envelope["id"], correlation_id=self.correlation_id))
        return envelope

    def commit(self) -> None:
        if self.emitted:
            # NOTIFY is delivered at commit, only if the transaction commits: it wakes the relays.
            self.session.execute(sa.select(sa.func.pg_notify(OUTBOX_CHANNEL, self.service)))
        entries = self.audit_entries or self._writes_entry()
        if entries:
            # the last statements before COMMIT: the chain lock is held for them and the commit only
            auditlog.append(self.session.connection(), entries)
        self.session.commit()

    def _pemda_tahun(self) -> tuple[str | None, int | None]:
        identity = self.context.get("identity") or {}
        return identity.get("pemda"), None

    def _action_name(self) -> str:
        return f"write:{self.service}.{self.entrypoint or auditlog.process_context()['program']}"

    def _writes_entry(self) -> list[auditlog.Entry]:
        """The entry of a unit that wrote rows but emitted and audited nothing (writes that
        changed no row, like an upsert refusing an older version, do not count)."""
        writes = [w for w in self.writes if w[2] != 0]
        if not writes:
            return []
        described = [auditlog.describe_write(statement, params, rowcount, self.engine.dialect)
                     for statement, params, rowcount in writes]
        first_keys = described[0].get("keys") or [None]
        key = first_keys[0]
        subject = "/".join(str(k) for k in key) if isinstance(key, list) else (None if key is None else str(key))
        pemda, tahun = self._pemda_tahun()
        return [auditlog.Entry(action=self._action_name(), actor=self.actor(), after={"writes": described},
                               subject=subject, pemda=pemda, tahun=tahun, correlation_id=self.correlation_id)]


class ConsumingUnitOfWork(UnitOfWork):
    """A unit of work for an event handler: records (consumer, event id) first; `duplicate` tells
    the handler the event already took effect, in which case it must do nothing."""

    def __init__(self, engine, service, event: dict, consumer: str, **kwargs):
        super().__init__(engine, service, **kwargs)
        self.event = event
        self.consumer = consumer

    def actor(self) -> dict:
        """The system, on behalf of the event it handles."""
        return auditlog.system_actor(consumer=self.consumer, event_id=self.event.get("id"),
                                     event_type=self.event.get("type"), source=self.event.get("source"))

    def _pemda_tahun(self) -> tuple[str | None, int | None]:
        return self.event.get("pemda"), self.event.get("tahun")

    def _action_name(self) -> str:
        return f"write:{self.consumer}"

    def __enter__(self) -> "ConsumingUnitOfWork":
        super().__enter__()
        inserted = self.session.execute(
            pg_insert(processed_events)
            .values(consumer=self.consumer, event_id=self.event["id"], event_type=self.event["type"])
            .on_conflict_do_nothing()
            .returning(processed_events.c.event_id)
        ).first()
        self.duplicate = inserted is None
        if self.duplicate:
            log.info("duplicate event ignored", extra={"event_id": self.event["id"], "consumer": self.consumer})
        return self


class Db:
    """What a service worker gets: unit-of-work factories bound to the worker's context."""

    def __init__(self, engine: sa.Engine, service: str, correlation_id: str | None = None, context: dict | None = None,
                 amqp_uri: str | None = None, entrypoint: str | None = None):
        self.engine = engine
        self.service = service
        self.correlation_id = correlation_id
        self.context = context or {}
        self.amqp_uri = amqp_uri  # the container's broker, for a service that reads others over RPC
        self.entrypoint = entrypoint

    def unit(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.service, self.correlation_id, self.context, entrypoint=self.entrypoint)

    def consuming(self, event: dict, consumer: str) -> ConsumingUnitOfWork:
        return ConsumingUnitOfWork(
            self.engine, self.service, event, consumer,
            correlation_id=event.get("correlationid") or self.correlation_id, context=self.context,
            entrypoint=self.entrypoint,
        )

    def check(self) -> dict:
        """Database status and outbox backlog, for the health RPC."""
        started = time.monotonic()
        try:
            with self.engine.connect() as conn:
                row = conn.execute(
                    sa.select(
                        sa.func.count(),
                        sa.func.extract("epoch", sa.func.now() - sa.func.min(outbox.c.created_at)),
                    ).where(outbox.c.status == "pending")
                ).one()
        except Exception as exc:  # the health report names the failure instead of raising
            log.warning("database check failed", exc_info=True)
            return {"ok": False, "error": type(exc).__name__}
        return {
            "ok": True,
            "latency_ms": round((time.monotonic() - started) * 1000, 1),
            "outbox_pending": row[0],
            "outbox_oldest_pending_seconds": float(row[1]) if row[1] is not None else None,
        }
