"""The data of every event Renja publishes (documented in contracts/asyncapi.yaml)."""
from .domain import Akomodasi, Decision, InboxItem, RenjaRow, RenjaState, decimal_text, inferred_cakupan, money_text

ROW_CREATED = "row.created.v1"
ROW_UPDATED = "row.updated.v1"
ROW_DELETED = "row.deleted.v1"
INBOX_RECEIVED = "inbox.received.v1"
INBOX_DECIDED = "inbox.decided.v1"
PAGU_SET = "pagu.set.v1"
RENJA_SUBMITTED = "renja.submitted.v1"
RENJA_VERIFIED = "renja.verified.v1"
RENJA_RETURNED = "renja.returned.v1"
RENJA_FINALIZED = "renja.finalized.v1"
STAGE_CLOSED = "stage.closed.v1"
FORUM_PD_CLOSED = "forum_pd.closed.v1"
RENJA_REOPENED = "renja.reopened.v1"

ALL = (ROW_CREATED, ROW_UPDATED, ROW_DELETED, INBOX_RECEIVED, INBOX_DECIDED, PAGU_SET, RENJA_SUBMITTED,
       RENJA_VERIFIED, RENJA_RETURNED, RENJA_FINALIZED, STAGE_CLOSED, FORUM_PD_CLOSED, RENJA_REOPENED)


def lokasi_data(r: RenjaRow) -> dict:
    return {"cakupan": r.cakupan or inferred_cakupan(r.lokasi), "kode": list(r.lokasi)}


def akomodasi_data(a: Akomodasi) -> dict:
    return {"kind": a.kind, "source_id": a.source_id, "tracking_code": a.tracking_code, "mode": a.mode,
            "volume": decimal_text(a.volume), "attributable": money_text(a.attributable)}


def row_data(r: RenjaRow, version: int) -> dict:
    return {"row_id": r.id, "version": version, "opd": r.opd, "sub_kegiatan": r.sub_kegiatan,
            "indikator": r.indikator, "target": decimal_text(r.target), "satuan": r.satuan,
            "pagu_n": money_text(r.pagu_n), "pagu_n1": money_text(r.pagu_n1), "lokasi": lokasi_data(r),
            "sumber_dana": r.sumber_dana, "prioritas_nasional": list(r.prioritas_nasional),
            "prioritas_daerah": list(r.prioritas_daerah), "kelompok_sasaran": r.kelompok_sasaran,
            "sumber": [{"source": s.source, "source_id": s.source_id} for s in r.sumber],
            "akomodasi": [akomodasi_data(a) for a in r.akomodasi]}


def inbox_data(item: InboxItem) -> dict:
    return {"item_id": item.id, "source": item.source, "source_id": item.source_id, "opd": item.opd,
            "judul": item.judul, "volume": decimal_text(item.volume), "cost": money_text(item.cost),
            "sub_kegiatan": item.sub_kegiatan, "lokasi": item.lokasi, "previous_opds": list(item.previous_opds),
            "tracking_code": item.tracking_code}


def decided_data(item: InboxItem, d: Decision) -> dict:
    """The contract Musrenbang and Pokir consume to update their own follow-up."""
    return {"source": item.source, "source_id": item.source_id, "opd": item.opd, "decision": d.decision.value,
            "reason": d.reason or "", "renja_row_id": d.renja_row_id,
            "volume": None if d.volume is None else decimal_text(d.volume),
            "cost": None if d.cost is None else money_text(d.cost), "rerouted_to": d.rerouted_to,
            "decided_at": d.decided_at.isoformat(), "item_id": item.id, "tracking_code": item.tracking_code,
            "row_id": d.renja_row_id, "mode": d.mode,
            "attributable": money_text(d.cost) if d.mode and d.cost is not None else None}


def state_data(s: RenjaState, totals) -> dict:
    last = s.history[-1] if s.history else None
    return {"opd": s.opd, "status": s.status.value, "note": last.note if last else None,
            "total_n": money_text(totals.total_n), "total_n1": money_text(totals.total_n1),
            "changed_at": last.at.isoformat() if last else None}
