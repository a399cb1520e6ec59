"""Domain objects <-> JSON-safe dicts, for the `doc` columns and the RPC answers.

Decimals travel as strings ("1.5", "1125000.00") and datetimes as ISO 8601 with offset, so
nothing is lost to floats.
"""
from datetime import datetime
from decimal import Decimal

from .domain import (TATA_URUTAN_LAMA, ChangeKind, Decision, DecisionStatus, KamusItem, Level, Pengusul, Schedule,
                     ScheduleChange, Usulan, UsulanStatus, Window, as_step)


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _undec(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _unts(value) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def kamus_to_dict(item: KamusItem) -> dict:
    return {"id": item.id, "kode": item.kode, "nama": item.nama, "tahun": item.tahun, "pemda": item.pemda,
            "sub_kegiatan": item.sub_kegiatan, "opd": item.opd, "satuan": item.satuan,
            "harga_satuan": _dec(item.harga_satuan), "volume_maks": _dec(item.volume_maks)}


def kamus_from_dict(d: dict) -> KamusItem:
    return KamusItem(id=d["id"], kode=d["kode"], nama=d["nama"], tahun=d["tahun"], pemda=d["pemda"],
                     sub_kegiatan=d["sub_kegiatan"], opd=d["opd"], satuan=d["satuan"],
                     harga_satuan=Decimal(d["harga_satuan"]), volume_maks=_undec(d.get("volume_maks")))


def decision_to_dict(d: Decision) -> dict:
    return {"level": d.level.value, "status": d.status.value, "reason": d.reason, "volume": _dec(d.volume),
            "cost": _dec(d.cost), "original_volume": _dec(d.original_volume), "original_cost": _dec(d.original_cost),
            "by": d.by, "at": _ts(d.at), "merge_target": d.merge_target,
            **({} if d.forum_ref is None else {"forum_ref": d.forum_ref})}


def decision_from_dict(d: dict) -> Decision:
    return Decision(level=Level(d["level"]), status=DecisionStatus(d["status"]), reason=d["reason"],
                    volume=Decimal(d["volume"]), cost=Decimal(d["cost"]),
                    original_volume=Decimal(d["original_volume"]), original_cost=Decimal(d["original_cost"]),
                    by=d["by"], at=_unts(d["at"]), merge_target=d.get("merge_target"), forum_ref=d.get("forum_ref"))


def usulan_to_dict(u: Usulan) -> dict:
    p = u.pengusul
    return {
        "id": u.id, "tracking_code": u.tracking_code, "tahun": u.tahun, "pemda": u.pemda,
        "kecamatan": u.kecamatan, "desa": u.desa, "kamus_item": kamus_to_dict(u.kamus_item),
        "volume": _dec(u.volume), "cost": _dec(u.cost), "permasalahan": u.permasalahan, "gagasan": u.gagasan,
        "created_by": u.created_by, "created_at": _ts(u.created_at), "alamat": u.alamat,
        "lat": _dec(u.lat), "lon": _dec(u.lon),
        "pengusul": None if p is None else {"nama": p.nama, "telepon": p.telepon, "nik": p.nik, "kelompok": p.kelompok},
        "status": u.status.value, "submitted_at": _ts(u.submitted_at), "withdrawn_at": _ts(u.withdrawn_at),
        "withdrawn_by": u.withdrawn_by, "withdraw_reason": u.withdraw_reason,
        "decisions": [decision_to_dict(d) for d in u.decisions], "merged_from": list(u.merged_from),
    }


def usulan_from_dict(d: dict) -> Usulan:
    p = d.get("pengusul")
    return Usulan(
        id=d["id"], tracking_code=d["tracking_code"], tahun=d["tahun"], pemda=d["pemda"],
        kecamatan=d["kecamatan"], desa=d["desa"], kamus_item=kamus_from_dict(d["kamus_item"]),
        volume=Decimal(d["volume"]), cost=Decimal(d["cost"]), permasalahan=d["permasalahan"], gagasan=d["gagasan"],
        created_by=d["created_by"], created_at=_unts(d["created_at"]), alamat=d.get("alamat"),
        lat=_undec(d.get("lat")), lon=_undec(d.get("lon")),
        pengusul=None if p is None else Pengusul(**p),
        status=UsulanStatus(d["status"]), submitted_at=_unts(d.get("submitted_at")),
        withdrawn_at=_unts(d.get("withdrawn_at")), withdrawn_by=d.get("withdrawn_by"),
        withdraw_reason=d.get("withdraw_reason"),
        decisions=tuple(decision_from_dict(x) for x in d.get("decisions", [])),
        merged_from=tuple(d.get("merged_from", [])),
    )


def _level(level: Level | None) -> str | None:
    return None if level is None else level.value


def window_to_dict(w: Window) -> dict:
    """`step`, and `level` (desa, kecamatan, kabupaten; null for the steps of other services) for
    the readers of the three-level schedule."""
    return {"step": w.step.value, "level": _level(w.level), "opens_at": _ts(w.opens_at),
            "closes_at": _ts(w.closes_at)}


def window_from_dict(d: dict) -> Window:
    return Window(as_step(d.get("step") or d["level"]), opens_at=_unts(d["opens_at"]),
                  closes_at=_unts(d["closes_at"]))


def change_to_dict(c: ScheduleChange) -> dict:
    return {"step": c.step.value, "level": _level(c.level), "kind": c.kind.value, "by": c.by, "at": _ts(c.at),
            "reason": c.reason, "before": window_to_dict(c.before), "after": window_to_dict(c.after)}


def schedule_to_dict(s: Schedule) -> dict:
    return {
        "pemda": s.pemda, "tahun": s.tahun, "tata_urutan": s.tata_urutan, "zona": s.zona,
        "windows": [window_to_dict(w) for w in s.windows], "history": [change_to_dict(c) for c in s.history],
    }


def schedule_from_dict(d: dict) -> Schedule:
    """A stored schedule; one stored before the calendar (no `tata_urutan`) is a year of the old order."""
    return Schedule(
        pemda=d["pemda"], tahun=d["tahun"], windows=tuple(window_from_dict(w) for w in d["windows"]),
        history=tuple(ScheduleChange(as_step(c.get("step") or c["level"]), kind=ChangeKind(c["kind"]), by=c["by"],
                                     at=_unts(c["at"]), reason=c["reason"], before=window_from_dict(c["before"]),
                                     after=window_from_dict(c["after"])) for c in d.get("history", [])),
        tata_urutan=d.get("tata_urutan", TATA_URUTAN_LAMA), zona=d.get("zona", "WIB"),
    )
