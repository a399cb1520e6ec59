"""The `health` RPC every service answers (the gateway's /readyz asks each one)."""
from .db import Db

# An outbox row older than this means the relay is stuck: the service reports itself degraded.
OUTBOX_STALL_SECONDS = 60


def health_report(service: str, db: Db) -> dict:
    database = db.check()
    stalled = (database.get("outbox_oldest_pending_seconds") or 0) > OUTBOX_STALL_SECONDS
    return {
        "service": service,
        "status": "ok" if database["ok"] and not stalled else "degraded",
        "database": database,
        # this report travelled over the broker, so the service's broker connection works
        "broker": {"ok": True},
    }
