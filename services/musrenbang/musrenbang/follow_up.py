"""Follow-up of routed usulan: Renja's decisions (inbox.decided.v1, source musrenbang) recorded
beside the usulan, shown to operators and in the public tracking."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from .repository import Repository
from .tables import tindak_lanjut


def record_decision(repo: Repository, event: dict) -> None:
    d = event["data"]
    if d["source"] != "musrenbang":
        return
    repo.usulan(d["source_id"])  # NotFound for an unknown usulan: retried, then dead-lettered for a person to see
    repo.uow.execute(pg_insert(tindak_lanjut).values(
        event_id=event["id"], usulan_id=d["source_id"], opd=d["opd"], decision=d["decision"], reason=d["reason"],
        renja_row_id=d["renja_row_id"], volume=d["volume"], cost=d["cost"], rerouted_to=d["rerouted_to"],
        decided_at=datetime.fromisoformat(d["decided_at"]), mode=d.get("mode")).on_conflict_do_nothing())


def follow_ups(repo: Repository, usulan_id: str, public: bool = False) -> list[dict]:
    """Decisions in the order they were made (an usulan re-routed to another OPD has several)."""
    rows = repo.uow.execute(sa.select(tindak_lanjut).where(tindak_lanjut.c.usulan_id == usulan_id)
                            .order_by(tindak_lanjut.c.decided_at)).all()
    return [{"opd": r.opd, "decision": r.decision, "reason": r.reason, "rerouted_to": r.rerouted_to,
             "cost": None if r.cost is None else str(r.cost), "decided_at": r.decided_at.isoformat(),
             "mode": r.mode,
             **({} if public else {"renja_row_id": r.renja_row_id,
                                   "volume": None if r.volume is None else str(r.volume)})}
            for r in rows]
