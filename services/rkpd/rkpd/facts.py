"""What RKPD learns from the stages' events: copies of usulan, decisions, pokir, renja rows and the
stage closes. Events come in any order and more than once: each copy keeps the newest version,
a level's decision is written once, and a repeated close changes nothing."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from .completeness import money_text
from .tables import (cycle, forum_close, opd_decision, pagu_copy, pokir_copy, pokir_review, renja_row_copy, stage,
                     usulan_base, usulan_decision)

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
                                               manifest=event["data"]["manifest"], closed_event=event["id"],
                                               forum=event["data"].get("forum"))
                       .on_conflict_do_nothing()).rowcount
    return done == 1


def reopened(uow, event: dict, stage_name: str) -> None:
    """An upstream stage reopened: its close no longer holds."""
    uow.execute(stage.delete().where(stage.c.pemda == event["pemda"], stage.c.tahun == event["tahun"],
                                     stage.c.stage == stage_name))


def _time(event: dict, field: str | None = None) -> datetime:
    value = (event["data"].get(field) if field else None) or event.get("time")
    return datetime.fromisoformat(value)


def record_pagu(uow, event: dict) -> None:
    """An OPD's indicative ceiling (pagu.set.v1): the newest setting wins, whatever the order."""
    d = event["data"]
    statement = pg_insert(pagu_copy).values(pemda=event["pemda"], tahun=event["tahun"], opd=d["opd"],
                                            pagu_n=d["pagu_n"], pagu_n1=d["pagu_n1"], set_at=_time(event))
    uow.execute(statement.on_conflict_do_update(
        index_elements=["pemda", "tahun", "opd"],
        set_={"pagu_n": statement.excluded.pagu_n, "pagu_n1": statement.excluded.pagu_n1,
              "set_at": statement.excluded.set_at},
        where=pagu_copy.c.set_at < statement.excluded.set_at))


def record_review(uow, event: dict) -> None:
    """Bappeda's review of a pokir (pokir.reviewed.v1): the latest review wins."""
    d = event["data"]
    statement = pg_insert(pokir_review).values(pokir_id=d["pokir_id"], pemda=event["pemda"], tahun=event["tahun"],
                                               reviewed_at=_time(event, "reviewed_at"), data=d)
    uow.execute(statement.on_conflict_do_update(
        index_elements=["pokir_id"], set_={"data": statement.excluded.data,
                                           "reviewed_at": statement.excluded.reviewed_at},
        where=pokir_review.c.reviewed_at < statement.excluded.reviewed_at))


def forum_key(data: dict) -> tuple[str, list[str]]:
    """(forum key, its OPDs): an OPD's own forum, or the joint one ("gabungan") with `opds`."""
    if data.get("opd"):
        return data["opd"], [data["opd"]]
    return "gabungan", sorted(data.get("opds") or [])


def record_forum_close(uow, event: dict) -> bool:
    """A Forum Perangkat Daerah closed (forum_pd.closed.v1); True when this close is new."""
    key, opds = forum_key(event["data"])
    return uow.execute(pg_insert(forum_close).values(pemda=event["pemda"], tahun=event["tahun"], forum=key,
                                                     opds=opds, data=event["data"], closed_event=event["id"])
                       .on_conflict_do_nothing()).rowcount == 1


def forum_reopened(uow, event: dict) -> None:
    key, _ = forum_key(event["data"])
    uow.execute(forum_close.delete().where(forum_close.c.pemda == event["pemda"],
                                           forum_close.c.tahun == event["tahun"], forum_close.c.forum == key))


def note_order(uow, event: dict) -> None:
    """A calendar event names the order the year follows: the first one known is kept (a year the
    migration marked `lama` stays so)."""
    order = event["data"].get("tata_urutan")
    if order in ("lama", "permendagri_86_2017"):
        uow.execute(pg_insert(cycle).values(pemda=event["pemda"], tahun=event["tahun"], tata_urutan=order)
                    .on_conflict_do_nothing())


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
    ("renja", "pagu.set.v1"): record_pagu,
    ("pokir", "pokir.reviewed.v1"): record_review,
    ("musrenbang", "stage.opened.v1"): note_order,
    ("musrenbang", "stage.window_changed.v1"): note_order,
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


def forum_closes(uow, pemda: str, tahun: int) -> list[dict]:
    rows = uow.execute(sa.select(forum_close.c.forum, forum_close.c.opds, forum_close.c.data).where(
        forum_close.c.pemda == pemda, forum_close.c.tahun == tahun).order_by(forum_close.c.forum)).all()
    return [{"forum": r.forum, "opds": r.opds, "data": r.data} for r in rows]


def ceilings(uow, pemda: str, tahun: int) -> dict[str, dict]:
    """{opd: {"pagu_n", "pagu_n1"}} of every OPD with an indicative ceiling."""
    rows = uow.execute(sa.select(pagu_copy).where(pagu_copy.c.pemda == pemda, pagu_copy.c.tahun == tahun)).all()
    return {r.opd: {"pagu_n": money_text(r.pagu_n), "pagu_n1": money_text(r.pagu_n1)} for r in rows}


def reviews(uow, pemda: str, tahun: int) -> list[dict]:
    return [r.data for r in uow.execute(sa.select(pokir_review.c.data).where(
        pokir_review.c.pemda == pemda, pokir_review.c.tahun == tahun).order_by(pokir_review.c.pokir_id))]
