"""The OPD inbox: usulan routed by Musrenbang and pokir delivered or disposed by Pokir arrive from
events (an item id is deterministic, so a redelivered routing adds nothing); the OPD decides each
one — accommodate into a new or existing renja row, reject with a reason, or re-route to another
OPD with a reason — and each decision is published as `inbox.decided.v1`.

The row an "accommodate into a new row" decision creates has a deterministic id,
`uuid5(ACCOMMODATED_ROW_NAMESPACE, "<item id>/row")`: an item is decided once, from `menunggu`
only, and a re-route makes a new item whose id names the target OPD (never one the item passed
through), so each item id accommodates at most once. Such a row cannot be deleted (it has a source)."""
import logging
import uuid
from datetime import datetime

from eplanning_common.errors import Conflict

from . import events
from .domain import (Action, Actor, SourceRef, accommodate, attach_source, authorize, ensure_rows_editable,
                     new_inbox_item, reject, reroute)
from .errors import field_error
from .repository import Repository
from .row_actions import validated

log = logging.getLogger(__name__)

ACCOMMODATED_ROW_NAMESPACE = uuid.UUID("648de1a5-f84e-4c5e-9001-e58b8e082378")  # fixed: ids must not change


def accommodated_row_id(item_id: str) -> str:
    """The id of the new row that accommodates inbox item `item_id`."""
    return str(uuid.uuid5(ACCOMMODATED_ROW_NAMESPACE, f"{item_id}/row"))


def _receive(repo: Repository, event: dict, *, source: str, source_id: str, opd: str, judul: str, volume, cost,
             sub_kegiatan, lokasi) -> None:
    item = new_inbox_item(pemda=event["pemda"], source=source, source_id=source_id, opd=opd, tahun=event["tahun"],
                          judul=judul, volume=volume, cost=cost, sub_kegiatan=sub_kegiatan, lokasi=lokasi,
                          received_at=datetime.fromisoformat(event["time"]))
    if repo.add_inbox_item(item):
        repo.uow.emit(events.INBOX_RECEIVED, item.id, events.inbox_data(item), item.pemda, item.tahun)


def receive_usulan(repo: Repository, event: dict) -> None:
    d = event["data"]
    _receive(repo, event, source="musrenbang", source_id=d["usulan_id"], opd=d["opd"], judul=d["gagasan"],
             volume=d["volume_final"], cost=d["cost_final"], sub_kegiatan=d["sub_kegiatan"], lokasi=d["desa"])


def receive_pokir(repo: Repository, event: dict, opd_field: str) -> None:
    d = event["data"]
    opd = d[opd_field]
    if not opd:
        return
    volume, cost = (d["akomodasi"]["volume"], d["akomodasi"]["cost"]) if d.get("akomodasi") else (d["volume"], d["cost"])
    _receive(repo, event, source="pokir", source_id=d["pokir_id"], opd=opd, judul=d["judul"], volume=volume,
             cost=cost, sub_kegiatan=d["sub_kegiatan"], lokasi=d["desa"])


DECISION_PARAMS = {"accommodate": {"row_id", "row", "volume", "cost", "reason"}, "reject": {"reason"},
                   "reroute": {"to_opd", "reason"}}


def decide(repo: Repository, actor: Actor, item_id: str, decision: str, params: dict | None,
           expected_version: int | None, at: datetime) -> dict:
    params = params or {}
    if decision not in DECISION_PARAMS:
        raise field_error("decision", "Keputusan harus accommodate, reject atau reroute")
    if not isinstance(params, dict) or set(params) - DECISION_PARAMS[decision]:
        unknown = sorted(set(params) - DECISION_PARAMS[decision]) if isinstance(params, dict) else ["params"]
        raise field_error(unknown[0], f"Parameter {', '.join(unknown)} tidak dikenal untuk {decision}", "unknown_field")
    item, version = repo.inbox_item(item_id, lock=True)
    authorize(actor, Action.DECIDE_INBOX, pemda=item.pemda, opd=item.opd)
    if expected_version is not None and expected_version != version:
        raise Conflict(f"Item {item_id} versi {expected_version} sudah usang", code="stale_version")
    if decision == "accommodate":
        row_id = _accommodating_row(repo, actor, item, params)
        decided, record = accommodate(item, actor=actor, row_id=row_id, at=at, volume=params.get("volume"),
                                      cost=params.get("cost"), reason=params.get("reason"))
    elif decision == "reject":
        decided, record = reject(item, actor=actor, reason=params.get("reason"), at=at)
    else:
        decided, record, moved = reroute(item, actor=actor, to_opd=params.get("to_opd"), reason=params.get("reason"),
                                         at=at, opds=set(repo.opds(item.pemda)))
        if repo.add_inbox_item(moved):
            repo.uow.emit(events.INBOX_RECEIVED, moved.id, events.inbox_data(moved), moved.pemda, moved.tahun)
    version = repo.save_inbox_item(decided, version)
    repo.uow.emit(events.INBOX_DECIDED, decided.id, events.decided_data(decided, record), decided.pemda, decided.tahun)
    return {**events.inbox_data(decided), "status": decided.status.value, "version": version,
            "decision": events.decided_data(decided, record)}


def _accommodating_row(repo: Repository, actor: Actor, item, params: dict) -> str:
    """The row that takes the item in: an existing row of this OPD and year, or a new one."""
    repo.lock_opd_year(item.pemda, item.opd, item.tahun)
    state, _ = repo.state(item.pemda, item.opd, item.tahun)
    ensure_rows_editable(state)
    ref = SourceRef(item.source, item.source_id)
    if params.get("row_id") and params.get("row"):
        raise field_error("row", "Isi row_id (baris yang ada) atau row (baris baru), bukan keduanya")
    if params.get("row_id"):
        row, row_version, pemda = repo.row(params["row_id"], lock=True)
        if (pemda, row.opd, row.tahun) != (item.pemda, item.opd, item.tahun):
            raise field_error("row_id", f"Baris {row.id} bukan milik OPD {item.opd} tahun {item.tahun}", "wrong_row")
        updated = attach_source(row, ref)
        row_version = repo.save_row(updated, row_version)
        repo.uow.emit(events.ROW_UPDATED, updated.id, events.row_data(updated, row_version), item.pemda, item.tahun)
        return updated.id
    if not isinstance(params.get("row"), dict):
        raise field_error("row", "Untuk mengakomodasi, isi row_id atau data baris baru (row)", "required")
    new_row = validated(repo, actor, item.opd, item.tahun, params["row"], accommodated_row_id(item.id),
                        sumber=(ref,))
    repo.insert_row(item.pemda, new_row)
    repo.uow.emit(events.ROW_CREATED, new_row.id, events.row_data(new_row, 1), item.pemda, item.tahun)
    return new_row.id
