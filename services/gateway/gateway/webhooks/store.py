"""`WebhookStore`: every SQL statement of the webhooks, on the gateway database.

Each method is one transaction and uses the database clock (`now()`), so that API processes and
worker replicas agree on what is due.

The admin API's side (every method is scoped to the caller's pemda: another pemda's objects are
simply not found):
    create_subscription(pemda, name, url, event_types, created_by) -> (subscription, secret)
    list_subscriptions(pemda, after_seq, limit) -> (subscriptions, next_seq | None)
    get_subscription(pemda, id) -> subscription | None
    update_subscription(pemda, id, changes) -> subscription | None
        changes: name, url, event_types, active (False pauses, True resumes and re-queues what
        was held, each with a fresh round of attempts)
    delete_subscription(pemda, id) -> bool             (its deliveries and attempts go with it)
    list_deliveries(pemda, subscription_id, status, after_seq, limit) -> (deliveries, next_seq) | None
    get_delivery(pemda, id) -> delivery | None
    replay_delivery(pemda, id) -> delivery | None      raises DeliveryInFlight while it is being sent
    enqueue_test(pemda, subscription_id) -> delivery | None
The worker's side:
    collect(event) -> deliveries created (0 for a redelivered event)
    claim_due(limit, lease_seconds) -> [Claim]         FOR UPDATE SKIP LOCKED + a lease
    finish_attempt(claim, outcome, settings) -> Finished
    prune(retention_days) -> (expired, deleted);  check() -> health
Subscriptions and deliveries are returned as plain dicts (datetimes as datetime objects); a
subscription never carries its secret.

What an administrator changes is written to the gateway's audit log (eplanning_common.audit) in
the same transaction, with the caller's identity (`actor`): webhook.subscription.created /
updated / paused / resumed / deleted, webhook.delivery.replayed / test_enqueued; and, with the
system as actor, webhook.subscription.paused when the worker pauses one after repeated failures.
The snapshot never holds the secret. Deliveries and attempts (the worker's bookkeeping) are not
audited: they have their own log.
"""
from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from eplanning_common import audit
from eplanning_common.envelope import make_event
from eplanning_common.logs import get_correlation_id

from ..exceptions import DatabaseUnavailable
from . import matching, policy, signing
from .policy import DEAD, DELIVERED, FAILED, PENDING, SENDABLE, Outcome
from .schema import CHANNEL, attempts, deliveries, subscriptions
from .settings import WebhookSettings

log = logging.getLogger(__name__)

PING_SERVICE, PING_ROUTING_KEY = "gateway", "webhook.ping.v1"
PING_TYPE = f"id.eplanning.{PING_SERVICE}.{PING_ROUTING_KEY}"

SUBSCRIPTION_FIELDS = ("id", "pemda", "name", "url", "event_types", "active", "paused_at", "pause_reason",
                       "consecutive_failures", "created_by", "created_at", "updated_at")
DELIVERY_FIELDS = ("id", "subscription_id", "event_id", "event_type", "status", "attempts", "round_attempts",
                   "next_attempt_at", "last_status", "last_error", "created_at", "updated_at", "delivered_at",
                   "locked_until")
ATTEMPT_FIELDS = ("attempt_no", "started_at", "finished_at", "duration_ms", "ok", "http_status", "error",
                  "response_excerpt")
EXCERPT_CHARS = 500


class DeliveryInFlight(Exception):
    """A replay was asked for while a worker is sending the delivery."""


@dataclass(frozen=True)
class Claim:
    """A delivery a worker holds the lease of, with what it needs to send it."""

    delivery_id: str
    subscription_id: str
    event_id: str
    url: str
    secret: str
    body: str
    attempt_no: int  # over the delivery's life (the attempt log's number)
    round_attempts: int  # in the current round, this one included
    lock_token: str


@dataclass(frozen=True)
class Finished:
    status: str | None  # the delivery's new status; None: the lease was lost, nothing changed
    paused: bool = False  # this failure paused the subscription


def serialize(event: dict) -> str:
    """The delivery body: compact JSON, UTF-8 characters kept (what is signed and sent)."""
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))


def _now():
    return sa.func.now()


def _audit(conn, action: str, entity: str, subject: str, pemda: str, after: Any, actor: dict) -> None:
    audit.append(conn, [audit.Entry(action=action, actor=actor, after=after, entity=entity, subject=str(subject),
                                    pemda=pemda, correlation_id=get_correlation_id())])


def _actor(identity: dict | None, **system: Any) -> dict:
    return audit.actor_for(identity, component="gateway", **system)


def _subscription_record(row) -> dict:
    """The audited snapshot of a subscription (SUBSCRIPTION_FIELDS: never the secret)."""
    return {f: row[f] for f in SUBSCRIPTION_FIELDS}


def _delivery_record(row) -> dict:
    return {f: row[f] for f in ("subscription_id", "event_id", "event_type", "status", "attempts")}


def _seconds(value: float):
    return sa.literal(timedelta(seconds=value))


class WebhookStore:
    def __init__(self, engine: sa.Engine):
        self.engine = engine

    @classmethod
    def from_url(cls, url: str) -> "WebhookStore":
        """For the API (gunicorn sync workers: one request at a time, a small pool). Nothing
        connects before the first query."""
        return cls(sa.create_engine(url, pool_size=2, max_overflow=2, pool_pre_ping=True, pool_recycle=1800))

    def dispose(self) -> None:
        self.engine.dispose()

    def _begin(self):
        try:
            return self.engine.begin()
        except sa.exc.OperationalError as exc:
            raise DatabaseUnavailable(str(exc)) from exc

    def _tx(self, work):
        """Run work(conn) in one transaction; a lost database is a DatabaseUnavailable (503)."""
        try:
            with self._begin() as conn:
                return work(conn)
        except sa.exc.OperationalError as exc:
            raise DatabaseUnavailable(str(exc)) from exc

    # -- subscriptions ---------------------------------------------------------------------------

    def create_subscription(self, pemda: str, name: str, url: str, event_types: list[str],
                            created_by: str, actor: dict | None = None) -> tuple[dict, str]:
        secret = signing.new_secret()
        row = {"id": str(uuid.uuid4()), "pemda": pemda, "name": name, "url": url,
               "event_types": list(event_types), "secret": secret, "active": True, "consecutive_failures": 0,
               "created_by": created_by, "created_at": _now(), "updated_at": _now()}

        def work(conn):
            created = conn.execute(subscriptions.insert().values(**row)
                                   .returning(*[subscriptions.c[f] for f in SUBSCRIPTION_FIELDS])).mappings().one()
            _audit(conn, "webhook.subscription.created", "webhook_subscription", created["id"], pemda,
                   _subscription_record(created), _actor(actor or {"sub": created_by}))
            return created

        return dict(self._tx(work)), secret

    def list_subscriptions(self, pemda: str, after_seq: int | None = None, limit: int = 50):
        s = subscriptions
        query = sa.select(s.c.seq, *[s.c[f] for f in SUBSCRIPTION_FIELDS]).where(s.c.pemda == pemda)
        if after_seq is not None:
            query = query.where(s.c.seq > after_seq)
        rows = self._tx(lambda conn: conn.execute(query.order_by(s.c.seq).limit(limit + 1)).mappings().all())
        return _page(rows, limit)

    def get_subscription(self, pemda: str, subscription_id: str) -> dict | None:
        s = subscriptions
        query = sa.select(*[s.c[f] for f in SUBSCRIPTION_FIELDS]).where(s.c.pemda == pemda, s.c.id == subscription_id)
        row = self._tx(lambda conn: conn.execute(query).mappings().first())
        return dict(row) if row else None

    def update_subscription(self, pemda: str, subscription_id: str, changes: dict[str, Any],
                            actor: dict | None = None) -> dict | None:
        allowed = {"name", "url", "event_types", "active"}
        if set(changes) - allowed:
            raise ValueError(f"not updatable: {sorted(set(changes) - allowed)}")
        s, d = subscriptions, deliveries

        def work(conn):
            current = conn.execute(sa.select(s.c.id, s.c.active).where(s.c.pemda == pemda, s.c.id == subscription_id)
                                   .with_for_update()).first()
            if current is None:
                return None
            values: dict[str, Any] = {k: v for k, v in changes.items() if k != "active"}
            resumed, action = False, "webhook.subscription.updated"
            if "active" in changes and changes["active"] != current.active:
                if changes["active"]:
                    values.update(active=True, paused_at=None, pause_reason=None, consecutive_failures=0)
                    resumed, action = True, "webhook.subscription.resumed"
                else:
                    values.update(active=False, paused_at=_now(), pause_reason="manual")
                    action = "webhook.subscription.paused"
            values["updated_at"] = _now()
            row = conn.execute(s.update().where(s.c.id == subscription_id).values(**values)
                               .returning(*[s.c[f] for f in SUBSCRIPTION_FIELDS])).mappings().one()
            if resumed:
                # what was held is sent now, each with a fresh round of attempts (dead ones stay
                # dead: replay them one by one)
                requeued = conn.execute(d.update().where(
                    d.c.subscription_id == subscription_id, d.c.status.in_(SENDABLE),
                    sa.or_(d.c.locked_until.is_(None), d.c.locked_until < _now()),
                ).values(status=PENDING, round_attempts=0, next_attempt_at=_now(), updated_at=_now())).rowcount
                if requeued:
                    _notify(conn)
            _audit(conn, action, "webhook_subscription", subscription_id, pemda, _subscription_record(row),
                   _actor(actor))
            return dict(row)

        return self._tx(work)

    def delete_subscription(self, pemda: str, subscription_id: str, actor: dict | None = None) -> bool:
        s = subscriptions

        def work(conn):
            deleted = conn.execute(s.delete().where(s.c.pemda == pemda, s.c.id == subscription_id)).rowcount
            if deleted:
                _audit(conn, "webhook.subscription.deleted", "webhook_subscription", subscription_id, pemda, None,
                       _actor(actor))
            return bool(deleted)

        return self._tx(work)

    # -- deliveries (API) ------------------------------------------------------------------------

    def list_deliveries(self, pemda: str, subscription_id: str, status: str | None = None,
                        after_seq: int | None = None, limit: int = 50):
        """Newest first, each with its attempt log; None when the subscription is not the pemda's."""
        s, d = subscriptions, deliveries

        def work(conn):
            owner = conn.execute(sa.select(s.c.id).where(s.c.pemda == pemda, s.c.id == subscription_id)).first()
            if owner is None:
                return None
            query = sa.select(d.c.seq, *[d.c[f] for f in DELIVERY_FIELDS]).where(d.c.subscription_id == subscription_id)
            if status is not None:
                query = query.where(d.c.status == status)
            if after_seq is not None:
                query = query.where(d.c.seq < after_seq)
            rows = conn.execute(query.order_by(d.c.seq.desc()).limit(limit + 1)).mappings().all()
            items, next_seq = _page(rows, limit)
            _attach_attempts(conn, items)
            return items, next_seq

        return self._tx(work)

    def get_delivery(self, pemda: str, delivery_id: str) -> dict | None:
        s, d = subscriptions, deliveries

        def work(conn):
            row = conn.execute(sa.select(*[d.c[f] for f in DELIVERY_FIELDS]).join(s, s.c.id == d.c.subscription_id)
                               .where(s.c.pemda == pemda, d.c.id == delivery_id)).mappings().first()
            if row is None:
                return None
            item = dict(row)
            _attach_attempts(conn, [item])
            return item

        return self._tx(work)

    def replay_delivery(self, pemda: str, delivery_id: str, actor: dict | None = None) -> dict | None:
        """Send it again (same body, same event id) as soon as a worker is free, with a fresh
        round of attempts; held while its subscription is paused."""
        s, d = subscriptions, deliveries

        def work(conn):
            row = conn.execute(sa.select(d.c.id, d.c.locked_until, sa.func.now().label("now"))
                               .join(s, s.c.id == d.c.subscription_id)
                               .where(s.c.pemda == pemda, d.c.id == delivery_id)
                               .with_for_update(of=d)).first()
            if row is None:
                return None
            if row.locked_until is not None and row.locked_until > row.now:
                raise DeliveryInFlight(delivery_id)
            conn.execute(d.update().where(d.c.id == delivery_id).values(
                status=PENDING, round_attempts=0, next_attempt_at=_now(), updated_at=_now()))
            _notify(conn)
            item = dict(conn.execute(sa.select(*[d.c[f] for f in DELIVERY_FIELDS])
                                     .where(d.c.id == delivery_id)).mappings().one())
            _attach_attempts(conn, [item])
            _audit(conn, "webhook.delivery.replayed", "webhook_delivery", delivery_id, pemda, _delivery_record(item),
                   _actor(actor))
            return item

        return self._tx(work)

    def enqueue_test(self, pemda: str, subscription_id: str, actor: dict | None = None) -> dict | None:
        """A `id.eplanning.gateway.webhook.ping.v1` event for this subscription only, sent by the
        worker like any other delivery (whatever its event types)."""
        s, d = subscriptions, deliveries

        def work(conn):
            owner = conn.execute(sa.select(s.c.id).where(s.c.pemda == pemda, s.c.id == subscription_id)).first()
            if owner is None:
                return None
            event = make_event(PING_SERVICE, PING_ROUTING_KEY, subscription_id,
                               {"subscription_id": subscription_id,
                                "message": "Uji coba webhook E-Planning: tanda tangan dan alamat Anda berfungsi."},
                               pemda, datetime.now(timezone.utc).year)
            row = conn.execute(d.insert().values(**_delivery_row(subscription_id, event))
                               .returning(*[d.c[f] for f in DELIVERY_FIELDS])).mappings().one()
            _notify(conn)
            _audit(conn, "webhook.delivery.test_enqueued", "webhook_delivery", row["id"], pemda,
                   _delivery_record(row), _actor(actor))
            item = dict(row)
            item["attempt_log"] = []
            return item

        return self._tx(work)

    # -- the worker ------------------------------------------------------------------------------

    def collect(self, event: dict) -> int:
        """One delivery per subscription of the event's pemda whose patterns match its type,
        paused subscriptions included (held until resumed). Idempotent on the event id."""
        s, d = subscriptions, deliveries
        with self.engine.begin() as conn:
            candidates = conn.execute(sa.select(s.c.id, s.c.event_types).where(s.c.pemda == event["pemda"])).all()
            wanted = [c.id for c in candidates if matching.matches_any(c.event_types, event["type"])]
            if not wanted:
                return 0
            rows = [_delivery_row(subscription_id, event) for subscription_id in wanted]
            created = conn.execute(pg_insert(d).values(rows)
                                   .on_conflict_do_nothing(constraint="webhook_deliveries_once")
                                   .returning(d.c.id)).all()
            if created:
                _notify(conn)
            return len(created)

    def claim_due(self, limit: int, lease_seconds: float) -> list[Claim]:
        """Take up to `limit` due deliveries of active subscriptions for this worker.

        `FOR UPDATE SKIP LOCKED` makes concurrent claims (other replicas) pass over rows being
        claimed; the lease (`locked_until`, longer than an attempt's hard deadline) keeps every
        other worker off the delivery until this one has recorded the outcome. A worker that dies
        leaves its lease to run out; the delivery is then claimed again (at least once)."""
        if limit <= 0:
            return []
        s, d, a = subscriptions, deliveries, attempts
        token = str(uuid.uuid4())
        with self.engine.begin() as conn:
            due = (sa.select(d.c.id).join(s, s.c.id == d.c.subscription_id)
                   .where(d.c.status.in_(SENDABLE), d.c.next_attempt_at <= _now(), s.c.active.is_(True),
                          sa.or_(d.c.locked_until.is_(None), d.c.locked_until < _now()))
                   .order_by(d.c.next_attempt_at).limit(limit)
                   .with_for_update(of=d, skip_locked=True))
            claimed = conn.execute(d.update().where(d.c.id.in_(due.scalar_subquery())).values(
                locked_until=_now() + _seconds(lease_seconds), lock_token=token,
                attempts=d.c.attempts + 1, round_attempts=d.c.round_attempts + 1, updated_at=_now(),
            ).returning(d.c.id, d.c.subscription_id, d.c.event_id, d.c.body, d.c.attempts, d.c.round_attempts)).all()
            if not claimed:
                return []
            conn.execute(a.insert().values([{"delivery_id": c.id, "attempt_no": c.attempts, "started_at": _now()}
                                            for c in claimed]))
            targets = {r.id: r for r in conn.execute(sa.select(s.c.id, s.c.url, s.c.secret)
                                                     .where(s.c.id.in_({c.subscription_id for c in claimed})))}
        return [Claim(delivery_id=c.id, subscription_id=c.subscription_id, event_id=c.event_id,
                      url=targets[c.subscription_id].url, secret=targets[c.subscription_id].secret, body=c.body,
                      attempt_no=c.attempts, round_attempts=c.round_attempts, lock_token=token)
                for c in claimed]

    def finish_attempt(self, claim: Claim, outcome: Outcome, settings: WebhookSettings) -> Finished:
        """Record the attempt, schedule what comes next, count the subscription's failures (and
        pause it at `pause_after`), release the lease — one transaction."""
        s, d, a = subscriptions, deliveries, attempts
        excerpt = outcome.response_excerpt[:EXCERPT_CHARS] if outcome.response_excerpt else None
        with self.engine.begin() as conn:
            conn.execute(a.update().where(a.c.delivery_id == claim.delivery_id, a.c.attempt_no == claim.attempt_no)
                         .values(finished_at=_now(), duration_ms=outcome.duration_ms, ok=outcome.ok,
                                 http_status=outcome.http_status, error=(outcome.error or None) and outcome.error[:1000],
                                 response_excerpt=excerpt))
            following = policy.after_attempt(outcome.ok, claim.round_attempts, settings.max_attempts,
                                             settings.retry_base_ms, settings.retry_max_ms)
            values: dict[str, Any] = {
                "status": following.status, "locked_until": None, "lock_token": None,
                "last_status": outcome.http_status, "last_error": (outcome.error or None) and outcome.error[:1000],
                "updated_at": _now(),
                "next_attempt_at": (_now() + sa.literal(timedelta(milliseconds=following.retry_in_ms))
                                    if following.status == FAILED else None),
            }
            if following.status == DELIVERED:
                values["delivered_at"] = _now()
            updated = conn.execute(d.update().where(d.c.id == claim.delivery_id, d.c.lock_token == claim.lock_token)
                                   .values(**values)).rowcount
            if not updated:
                log.warning("webhook lease lost before the outcome was recorded",
                            extra={"delivery_id": claim.delivery_id, "attempt": claim.attempt_no})
                return Finished(None)
            if outcome.ok:
                conn.execute(s.update().where(s.c.id == claim.subscription_id, s.c.consecutive_failures != 0)
                             .values(consecutive_failures=0))
                return Finished(DELIVERED)
            counted = conn.execute(s.update().where(s.c.id == claim.subscription_id)
                                   .values(consecutive_failures=s.c.consecutive_failures + 1)
                                   .returning(s.c.consecutive_failures, s.c.active)).first()
            paused = False
            if counted is not None and counted.active and policy.should_pause(counted.consecutive_failures,
                                                                               settings.pause_after):
                row = conn.execute(s.update().where(s.c.id == claim.subscription_id).values(
                    active=False, paused_at=_now(), pause_reason="failures", updated_at=_now())
                    .returning(*[s.c[f] for f in SUBSCRIPTION_FIELDS])).mappings().one()
                _audit(conn, "webhook.subscription.paused", "webhook_subscription", claim.subscription_id,
                       row["pemda"], _subscription_record(row),
                       audit.system_actor(component="webhooks-worker", reason="consecutive_failures",
                                          consecutive_failures=counted.consecutive_failures))
                paused = True
                log.warning("webhook subscription paused after consecutive failures",
                            extra={"subscription_id": claim.subscription_id,
                                   "consecutive_failures": counted.consecutive_failures})
            return Finished(following.status, paused)

    def prune(self, retention_days: int) -> tuple[int, int]:
        """Held deliveries older than the retention expire to `dead`; delivered and dead ones
        older than it are deleted with their attempts. Returns (expired, deleted)."""
        d = deliveries
        cutoff = _now() - sa.literal(timedelta(days=retention_days))
        with self.engine.begin() as conn:
            expired = conn.execute(d.update().where(
                d.c.status.in_(SENDABLE), d.c.created_at < cutoff,
                sa.or_(d.c.locked_until.is_(None), d.c.locked_until < _now()),
            ).values(status=DEAD, next_attempt_at=None, updated_at=_now(),
                     last_error=f"expired: not delivered within {retention_days} days")).rowcount
            deleted = conn.execute(d.delete().where(d.c.status.in_((DELIVERED, DEAD)), d.c.updated_at < cutoff)).rowcount
        return expired, deleted

    def check(self) -> dict:
        """Database status and the backlog of due deliveries of active subscriptions (health RPC)."""
        s, d = subscriptions, deliveries
        started = time.monotonic()
        try:
            with self.engine.connect() as conn:
                row = conn.execute(
                    sa.select(sa.func.count(), sa.func.extract("epoch", sa.func.now() - sa.func.min(d.c.next_attempt_at)))
                    .select_from(d.join(s, s.c.id == d.c.subscription_id))
                    .where(d.c.status.in_(SENDABLE), d.c.next_attempt_at <= sa.func.now(), s.c.active.is_(True))
                ).one()
        except Exception as exc:  # the health report names the failure instead of raising
            log.warning("webhook database check failed", exc_info=True)
            return {"ok": False, "error": type(exc).__name__}
        return {"ok": True, "latency_ms": round((time.monotonic() - started) * 1000, 1), "due": row[0],
                "oldest_due_seconds": float(row[1]) if row[1] is not None else None}


def _delivery_row(subscription_id: str, event: dict) -> dict:
    return {"id": str(uuid.uuid4()), "subscription_id": subscription_id, "event_id": event["id"],
            "event_type": event["type"], "body": serialize(event), "status": PENDING, "attempts": 0,
            "round_attempts": 0, "next_attempt_at": _now(), "created_at": _now(), "updated_at": _now()}


def _notify(conn) -> None:
    """Wake the workers (delivered at commit, only if the transaction commits)."""
    conn.execute(sa.select(sa.func.pg_notify(CHANNEL, "")))


def _page(rows: Iterable, limit: int) -> tuple[list[dict], int | None]:
    rows = list(rows)
    more = len(rows) > limit
    rows = rows[:limit]
    items = [{k: v for k, v in row.items() if k != "seq"} for row in rows]
    return items, (rows[-1]["seq"] if more and rows else None)


def _attach_attempts(conn, items: list[dict]) -> None:
    a = attempts
    ids = [item["id"] for item in items]
    log_of: dict[str, list[dict]] = {i: [] for i in ids}
    if ids:
        for row in conn.execute(sa.select(a.c.delivery_id, *[a.c[f] for f in ATTEMPT_FIELDS])
                                .where(a.c.delivery_id.in_(ids)).order_by(a.c.delivery_id, a.c.attempt_no)).mappings():
            log_of[row["delivery_id"]].append({f: row[f] for f in ATTEMPT_FIELDS})
    for item in items:
        item["attempt_log"] = log_of[item["id"]]
