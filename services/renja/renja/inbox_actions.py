"""The OPD inbox: usulan routed by Musrenbang and pokir disposed by Pokir (after Bappeda's review) arrive from
events (an item id is deterministic, so a redelivered routing adds nothing); the OPD decides each
one — accommodate into a new or existing renja row saying what it adds (domain/akomodasi.py),
reject with a reason, or re-route to another OPD with a reason — and each decision is published as
`inbox.decided.v1`.

The row an "accommodate into a new row" decision creates has a deterministic id,
`uuid5(ACCOMMODATED_ROW_NAMESPACE, "<item id>/row")`: an item is decided once, from `menunggu`
only, and a re-route makes a new item whose id names the target OPD (never one the item passed
through), so each item id accommodates at most once. Such a row cannot be deleted (it has a source)."""
import logging
import uuid
from datetime import datetime

from eplanning_common.errors import Conflict

from . import events
from .domain import (BARIS_BARU, MODES, SUDAH_TERCAKUP, TAMBAH, Action, Actor, FieldError, SourceRef, TransitionRefused, ValidationError,
                     accommodate, accommodation_amounts, attach_source, authorize, ceiling_errors, covered_by_row,
                     decimal_text, ensure_rows_editable, grow_row, into_new_row, money_text, new_inbox_item, reject,
                     reroute)
from .errors import field_error
from .repository import Repository
from .row_actions import stage_open, validated

log = logging.getLogger(__name__)

ACCOMMODATED_ROW_NAMESPACE = uuid.UUID("648de1a5-f84e-4c5e-9001-e58b8e082378")  # fixed: ids must not change


def accommodated_row_id(item_id: str) -> str:
    """The id of the new row that accommodates inbox item `item_id`."""
    return str(uuid.uuid5(ACCOMMODATED_ROW_NAMESPACE, f"{item_id}/row"))


def _receive(repo: Repository, event: dict, *, source: str, source_id: str, opd: str, judul: str, volume, cost,
             sub_kegiatan, lokasi, tracking_code=None) -> None:
    item = new_inbox_item(pemda=event["pemda"], source=source, source_id=source_id, opd=opd, tahun=event["tahun"],
                          judul=judul, volume=volume, cost=cost, sub_kegiatan=sub_kegiatan, lokasi=lokasi,
                          received_at=datetime.fromisoformat(event["time"]), tracking_code=tracking_code)
    if repo.add_inbox_item(item):
        repo.uow.emit(events.INBOX_RECEIVED, item.id, events.inbox_data(item), item.pemda, item.tahun)


def receive_usulan(repo: Repository, event: dict) -> None:
    """An usulan routed to an OPD — at the kecamatan close (the regulation's order) or, for a year
    played under the old order, at the kabupaten close: whichever stage sent it, the item id is
    deterministic, so a second routing of the same usulan to the same OPD adds nothing."""
    d = event["data"]
    _receive(repo, event, source="musrenbang", source_id=d["usulan_id"], opd=d["opd"], judul=d["gagasan"],
             volume=d["volume_final"], cost=d["cost_final"], sub_kegiatan=d["sub_kegiatan"], lokasi=d["desa"],
             tracking_code=d.get("tracking_code"))


def receive_pokir(repo: Repository, event: dict, opd_field: str) -> None:
    d = event["data"]
    opd = d[opd_field]
    if not opd:
        return
    volume, cost = (d["akomodasi"]["volume"], d["akomodasi"]["cost"]) if d.get("akomodasi") else (d["volume"], d["cost"])
    _receive(repo, event, source="pokir", source_id=d["pokir_id"], opd=opd, judul=d["judul"], volume=volume,
             cost=cost, sub_kegiatan=d["sub_kegiatan"], lokasi=d["desa"])


DECISION_PARAMS = {"accommodate": {"mode", "row_id", "row", "volume", "cost", "reason"}, "reject": {"reason"},
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
    if not item.pending:
        raise TransitionRefused(f"Usulan/pokir {item.source_id} sudah diputuskan (status: {item.status.value}); "
                                "keputusan tidak dapat diulang", code="already_decided")
    if decision == "accommodate":
        mode = _mode(params)
        volume, cost = accommodation_amounts(item, params.get("volume"), params.get("cost"))
        row_id = _accommodating_row(repo, actor, item, params, mode, volume, cost)
        decided, record = accommodate(item, actor=actor, row_id=row_id, at=at, volume=volume, cost=cost,
                                      reason=params.get("reason"), mode=mode)
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


def _mode(params: dict) -> str:
    """The accommodation mode: given, or baris_baru for a new row; an existing row needs it said
    (what the item adds to the row, or that the row already covers it)."""
    mode = params.get("mode")
    errors = []
    if mode is None:
        if params.get("row_id") and not params.get("row"):
            errors.append(FieldError("mode", "Untuk baris yang ada, pilih cara akomodasi: tambah (baris bertambah "
                                             "volume, lokasi dan biaya usulan) atau sudah_tercakup", "required"))
        mode = BARIS_BARU
    elif mode not in MODES:
        errors.append(FieldError("mode", "Cara akomodasi harus baris_baru, tambah atau sudah_tercakup", "invalid"))
    elif mode == BARIS_BARU and params.get("row_id"):
        errors.append(FieldError("row_id", "Cara baris_baru membuat baris baru: isi row, bukan row_id", "invalid"))
    elif mode != BARIS_BARU and params.get("row"):
        errors.append(FieldError("row", f"Cara {mode} memakai baris yang ada: isi row_id, bukan row", "invalid"))
    if errors:
        raise ValidationError(errors)
    return mode


def _prefilled(item, row: dict, volume, cost) -> dict:
    """A new row's data: the item's sub kegiatan, volume (target), cost (pagu N), desa (location),
    under what the client sent."""
    base = {"target": decimal_text(volume), "pagu_n": money_text(cost), "pagu_n1": "0",
            "lokasi": {"cakupan": "desa", "kode": [item.lokasi]}}
    if item.sub_kegiatan:
        base["sub_kegiatan"] = item.sub_kegiatan
    return {**base, **row}


def _accommodating_row(repo: Repository, actor: Actor, item, params: dict, mode: str, volume, cost) -> str:
    """The row that takes the item in, changed by what the mode says it adds (akomodasi.py)."""
    stage_open(repo, actor.pemda, item.tahun)
    repo.lock_opd_year(item.pemda, item.opd, item.tahun)
    state, _ = repo.state(item.pemda, item.opd, item.tahun)
    ensure_rows_editable(state)
    ref = SourceRef(item.source, item.source_id)
    if mode != BARIS_BARU:
        if not params.get("row_id"):
            raise field_error("row_id", f"Cara {mode} memakai baris yang ada: isi row_id", "required")
        row, row_version, pemda = repo.row(params["row_id"], lock=True)
        if (pemda, row.opd, row.tahun) != (item.pemda, item.opd, item.tahun):
            raise field_error("row_id", f"Baris {row.id} bukan milik OPD {item.opd} tahun {item.tahun}", "wrong_row")
        if mode == TAMBAH:
            updated = grow_row(row, item, volume=volume, cost=cost)
            others = [r for r in repo.rows(item.pemda, item.tahun, item.opd) if r.id != row.id]
            ceiling = repo.pagu(item.pemda, item.opd, item.tahun)
            total = sum((r.pagu_n for r in others), updated.pagu_n)
            over = ceiling_errors(ceiling, total, None) if ceiling is not None else []
            if over:
                raise ValidationError([FieldError("cost", over[0].message + "; baris tidak dapat bertambah sebesar "
                                                  "biaya usulan/pokir", "above_ceiling")])
        else:
            updated = covered_by_row(row, item, volume=volume, cost=cost)
        updated = attach_source(updated, ref)
        row_version = repo.save_row(updated, row_version)
        repo.uow.emit(events.ROW_UPDATED, updated.id, events.row_data(updated, row_version), item.pemda, item.tahun)
        return updated.id
    if not isinstance(params.get("row"), dict):
        raise field_error("row", "Untuk baris baru, isi data baris (row): sumber_dana, kelompok_sasaran, dan yang "
                                 "ingin diubah dari isian usulan/pokir", "required")
    new_row = validated(repo, actor, item.opd, item.tahun, _prefilled(item, params["row"], volume, cost),
                        accommodated_row_id(item.id), sumber=(ref,))
    new_row = into_new_row(new_row, item, volume=volume, cost=cost)
    repo.insert_row(item.pemda, new_row)
    repo.uow.emit(events.ROW_CREATED, new_row.id, events.row_data(new_row, 1), item.pemda, item.tahun)
    return new_row.id
