"""The data of every event Musrenbang publishes (documented in contracts/asyncapi.yaml).

Events go to partners: no personal data (proposer name, phone, NIK, operator accounts) ever
appears here. The free text (`permasalahan`, `gagasan`, the withdrawal reason: `x-free-text` in the
contract) is here for the platform's own consumers; the webhooks worker leaves it out of what
partners receive (gateway.webhooks.freetext). Amounts and volumes are decimal strings.
"""
from .domain import Decision, ScheduleChange, Usulan, decimal_text, money_text
from .codec import window_to_dict

SUBMITTED = "usulan.submitted.v1"
UPDATED = "usulan.updated.v1"
WITHDRAWN = "usulan.withdrawn.v1"
DECIDED = "usulan.decided.v1"
MERGED = "usulan.merged.v1"
ROUTED = "usulan.routed.v1"
LAMPIRAN_ADDED = "usulan.lampiran_added.v1"
LAMPIRAN_REMOVED = "usulan.lampiran_removed.v1"
KECAMATAN_CLOSED = "kecamatan.closed.v1"
STAGE_OPENED = "stage.opened.v1"
STAGE_WINDOW_CHANGED = "stage.window_changed.v1"
STAGE_REOPENED = "stage.reopened.v1"
STAGE_CLOSED = "stage.closed.v1"

ALL = (SUBMITTED, UPDATED, WITHDRAWN, DECIDED, MERGED, ROUTED, LAMPIRAN_ADDED, LAMPIRAN_REMOVED,
       KECAMATAN_CLOSED, STAGE_OPENED, STAGE_WINDOW_CHANGED, STAGE_REOPENED, STAGE_CLOSED)


def usulan_data(u: Usulan, version: int) -> dict:
    item = u.kamus_item
    return {
        "usulan_id": u.id, "tracking_code": u.tracking_code, "version": version,
        "kecamatan": u.kecamatan, "desa": u.desa,
        "kamus_kode": item.kode, "sub_kegiatan": item.sub_kegiatan, "opd": item.opd, "satuan": item.satuan,
        "harga_satuan": money_text(item.harga_satuan), "volume": decimal_text(u.volume), "cost": money_text(u.cost),
        "permasalahan": u.permasalahan, "gagasan": u.gagasan,
        "submitted_at": u.submitted_at.isoformat() if u.submitted_at else None,
    }


def withdrawn_data(u: Usulan, version: int) -> dict:
    return {"usulan_id": u.id, "tracking_code": u.tracking_code, "version": version, "kecamatan": u.kecamatan,
            "desa": u.desa, "reason": u.withdraw_reason, "withdrawn_at": u.withdrawn_at.isoformat()}


def decision_data(d: Decision) -> dict:
    return {"level": d.level.value, "status": d.status.value, "reason": d.reason,
            "volume": decimal_text(d.volume), "cost": money_text(d.cost),
            "original_volume": decimal_text(d.original_volume), "original_cost": money_text(d.original_cost),
            "merge_target": d.merge_target, "decided_at": d.at.isoformat()}


def decided_data(u: Usulan, version: int, d: Decision) -> dict:
    return {"usulan_id": u.id, "tracking_code": u.tracking_code, "version": version, "kecamatan": u.kecamatan,
            "desa": u.desa, **decision_data(d)}


def merged_data(u: Usulan, target: Usulan, d: Decision) -> dict:
    return {"usulan_id": u.id, "merged_into": target.id, "level": d.level.value, "reason": d.reason,
            "kecamatan": u.kecamatan, "merged_at": d.at.isoformat()}


def routed_data(u: Usulan, version: int) -> dict:
    """What the target OPD's Renja inbox needs: the usulan, its final volume/cost, the trail."""
    return {**usulan_data(u, version),
            "volume_final": decimal_text(u.current_volume), "cost_final": money_text(u.current_cost),
            "decisions": [decision_data(d) for d in u.decisions]}


def lampiran_added_data(u: Usulan, row: dict) -> dict:
    """What was attached: its kind, type, size and digest; never the bytes, the file name or who."""
    return {"usulan_id": u.id, "tracking_code": u.tracking_code, "kecamatan": u.kecamatan, "desa": u.desa,
            "lampiran_id": row["id"], "jenis": row["jenis"], "content_type": row["content_type"],
            "ukuran": row["ukuran"], "sha256": row["sha256"], "lokasi_disimpan": row["lokasi_disimpan"],
            "added_at": row["created_at"].isoformat()}


def lampiran_removed_data(u: Usulan, row: dict, at) -> dict:
    return {"usulan_id": u.id, "tracking_code": u.tracking_code, "kecamatan": u.kecamatan, "desa": u.desa,
            "lampiran_id": row["id"], "sha256": row["sha256"], "removed_at": at.isoformat()}


def schedule_change_data(change: ScheduleChange) -> dict:
    return {"level": change.level.value, "kind": change.kind.value, "reason": change.reason,
            "before": window_to_dict(change.before), "after": window_to_dict(change.after),
            "changed_at": change.at.isoformat()}
