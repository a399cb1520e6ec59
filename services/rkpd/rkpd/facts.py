"""What RKPD learns from the stages' events: copies of usulan, decisions, pokir, renja rows and the
stage closes. Events come in any order and more than once: each copy keeps the newest version,
a level's decision is written once, and a repeated close changes nothing."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from .tables import opd_decision, pokir_copy, renja_row_copy, stage, usulan_base, usulan_decision

STAGES = ("musrenbang", "pokir", "renja")


def _upsert_newest(uow, table, key: str, values: dict) -> None:
    statement = pg_insert(table).values(**values)
    update = {k: statement.excluded[k] for k in values if k != key}
    uow.execute(statement.on_conflict_do_update(index_elements=[key], set_=update,
                                                where=table.c.version < statement.excluded.version))


def record_usulan(uow, event: dict) -> None:
    d = event["data"]
    _upsert_newest(uow, usulan_base, "usulan_id", {"usulan_id": d["usulan_id"], "pemda": event["pemda"],
                                                   "tahun": event["tahun"], "version": d["version"], "data": d})


def record_withdrawal(uow, event: dict) -> None:
    d = event["data"]
    statement = pg_insert(usulan_base).values(usulan_id=d["usulan_id"], pemda=event["pemda"], tahun=event["tahun"],
                                              version=d["version"], withdrawn=True, data=d)
    uow.execute(statement.on_conflict_do_update(index_elements=["usulan_id"], set_={"withdrawn": True}))


def record_decision(uow, event: dict) -> None:
    d = event["data"]
    uow.execute(pg_insert(usulan_decision).values(usulan_id=d["usulan_id"], level=d["level"], data=d)
                .on_conflict_do_nothing())


def record_pokir(uow, event: dict) -> None:
    d = event["data"]
    _upsert_newest(uow, pokir_copy, "pokir_id", {"pokir_id": d["pokir_id"], "pemda": event["pemda"],
                                                 "tahun": event["tahun"], "version": d["version"], "data": d})


def record_row(uow, event: dict, deleted: bool = False) -> None:
    d = event["data"]
    values = {"row_id": d["row_id"], "pemda": event["pemda"], "tahun": event["tahun"], "data": d, "deleted": deleted,
              # a deletion outranks every version of the row
              "version": 2**31 - 1 if deleted else d["version"]}
    _upsert_newest(uow, renja_row_copy, "row_id", values)


def record_opd_decision(uow, event: dict) -> None:
    d = event["data"]
    uow.execute(pg_insert(opd_decision).values(event_id=event["id"], source=d["source"], source_id=d["source_id"],
                                               decided_at=datetime.fromisoformat(d["decided_at"]), data=d)
                .on_conflict_do_nothing())


def record_close(uow, event: dict, stage_name: str) -> bool:
    """True when this close is new (a duplicate close changes nothing)."""
    done = uow.execute(pg_insert(stage).values(pemda=event["pemda"], tahun=event["tahun"], stage=stage_name,
                                               manifest=event["data"]["manifest"], closed_event=event["id"])
                       .on_conflict_do_nothing()).rowcount
    return done == 1


def reopened(uow, event: dict, stage_name: str) -> None:
    """An upstream stage reopened: its close no longer holds."""
    uow.execute(stage.delete().where(stage.c.pemda == event["pemda"], stage.c.tahun == event["tahun"],
                                     stage.c.stage == stage_name))


# (source, routing key) -> how to record it; anything else on the exchanges is not needed here
HANDLERS = {
    ("musrenbang", "usulan.submitted.v1"): record_usulan,
    ("musrenbang", "usulan.updated.v1"): record_usulan,
    ("musrenbang", "usulan.withdrawn.v1"): record_withdrawal,
    ("musrenbang", "usulan.decided.v1"): record_decision,
    ("renja", "row.created.v1"): record_row,
    ("renja", "row.updated.v1"): record_row,
    ("renja", "row.deleted.v1"): lambda uow, e: record_row(uow, e, deleted=True),
    ("renja", "inbox.decided.v1"): record_opd_decision,
}
POKIR_EVENTS = ("created", "updated", "submitted", "recommended", "returned", "delivered", "withdrawn", "disposed",
                "accommodated", "not_accommodated")
HANDLERS.update({("pokir", f"pokir.{verb}.v1"): record_pokir for verb in POKIR_EVENTS})


def routing_key(event: dict) -> str:
    return event["type"].split(".", 3)[3]  # id.eplanning.<service>.<routing key>


def closed_stages(uow, pemda: str, tahun: int) -> dict[str, dict]:
    rows = uow.execute(sa.select(stage.c.stage, stage.c.manifest).where(stage.c.pemda == pemda,
                                                                        stage.c.tahun == tahun)).all()
    return {r.stage: r.manifest for r in rows}
