"""Database access: engines made cooperative under eventlet, and the unit of work.

A unit of work is one PostgreSQL transaction. Events emitted in it go to the outbox table in that
same transaction (no dual writes); `consuming()` records the event id in `processed_events` in that
same transaction too, so a redelivered event has no second effect.
"""
import logging
import time

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from . import config, contracts
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

    def __init__(self, engine: sa.Engine, service: str, correlation_id: str | None = None, context: dict | None = None):
        self.engine = engine
        self.service = service
        self.correlation_id = correlation_id
        self.context = context or {}
        self.session: Session | None = None
        self.emitted: list[dict] = []
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
        finally:
            self.session.close()

    def execute(self, statement, params=None):
        return self.session.execute(statement, params)

    def emit(self, routing_key: str, subject: str, data: dict, pemda: str, tahun: int) -> dict:
        """Record an event in the outbox, in this transaction. Published after commit by the relay."""
        envelope = make_event(self.service, routing_key, subject, data, pemda, tahun, self.correlation_id)
        if self.service in config.SERVICES and contracts.strict():
            contracts.validate_event(envelope)
        self.session.execute(
            outbox.insert().values(
                event_id=envelope["id"],
                exchange=exchange_name(self.service),
                routing_key=routing_key,
                envelope=envelope,
            )
        )
        self.emitted.append(envelope)
        return envelope

    def commit(self) -> None:
        if self.emitted:
            # NOTIFY is delivered at commit, only if the transaction commits: it wakes the relays.
            self.session.execute(sa.select(sa.func.pg_notify(OUTBOX_CHANNEL, self.service)))
        self.session.commit()


class ConsumingUnitOfWork(UnitOfWork):
    """A unit of work for an event handler: records (consumer, event id) first; `duplicate` tells
    the handler the event already took effect, in which case it must do nothing."""

    def __init__(self, engine, service, event: dict, consumer: str, **kwargs):
        super().__init__(engine, service, **kwargs)
        self.event = event
        self.consumer = consumer

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
                 amqp_uri: str | None = None):
        self.engine = engine
        self.service = service
        self.correlation_id = correlation_id
        self.context = context or {}
        self.amqp_uri = amqp_uri  # the container's broker, for a service that reads others over RPC

    def unit(self) -> UnitOfWork:
        return UnitOfWork(self.engine, self.service, self.correlation_id, self.context)

    def consuming(self, event: dict, consumer: str) -> ConsumingUnitOfWork:
        return ConsumingUnitOfWork(
            self.engine, self.service, event, consumer,
            correlation_id=event.get("correlationid") or self.correlation_id, context=self.context,
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
