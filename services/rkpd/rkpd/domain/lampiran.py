"""Annexes: every usulan and every pokir with its final decision and reason.

Usulan are sorted by kecamatan, desa (numeric-aware codes), tracking code, then id; pokir by
dapil, anggota, then id. Each usulan record also carries its **final status** (`status_akhir`)
and the reason that goes with it (`alasan_akhir`):

* accepted at Musrenbang ("diterima", "diterima dengan perubahan") and decided by the OPD:
  "diakomodasi", "tidak diakomodasi" (the OPD refused it) or "dialihkan", with the OPD's
  reason when it gave one (else the Musrenbang reason);
* accepted but never decided by an OPD: "belum diputuskan";
* otherwise the Musrenbang status itself ("ditolak", "digabung", "ditarik", ...) and reason.

A pokir's `status` is already final (the pokir service's follow-up status).
"""
from __future__ import annotations

from typing import Iterable

from .codes import code_key
from .inputs import PokirIn, UsulanIn
from .money import money_text

ACCEPTED = frozenset({"diterima", "diterima dengan perubahan"})
OPD_DECISION_STATUS = {"diakomodasi": "diakomodasi", "ditolak": "tidak diakomodasi",
                       "dialihkan": "dialihkan"}
UNDECIDED = "belum diputuskan"
ACCOMMODATED = "diakomodasi"


def final_status(usulan: UsulanIn) -> tuple[str, str | None]:
    """(status_akhir, alasan_akhir) of an usulan (rules in the module doc)."""
    if usulan.status_musrenbang not in ACCEPTED:
        return usulan.status_musrenbang, usulan.alasan
    if usulan.keputusan_opd is None:
        return UNDECIDED, usulan.alasan
    status = OPD_DECISION_STATUS.get(usulan.keputusan_opd, usulan.keputusan_opd)
    return status, usulan.alasan_opd or usulan.alasan


def _unique(items: list, kind: str) -> list:
    ids = [item.id for item in items]
    if len(set(ids)) != len(ids):
        duplicate = sorted({i for i in ids if ids.count(i) > 1})[0]
        raise ValueError(f"{kind} {duplicate} tercantum lebih dari sekali")
    return items


def checked_usulan(usulan: Iterable[UsulanIn]) -> list[UsulanIn]:
    items = list(usulan)
    for item in items:
        if not isinstance(item, UsulanIn):
            raise TypeError(f"Bukan UsulanIn: {item!r}")
    return _unique(items, "Usulan")


def checked_pokir(pokir: Iterable[PokirIn]) -> list[PokirIn]:
    items = list(pokir)
    for item in items:
        if not isinstance(item, PokirIn):
            raise TypeError(f"Bukan PokirIn: {item!r}")
    return _unique(items, "Pokir")


def usulan_record(usulan: UsulanIn) -> dict:
    status_akhir, alasan_akhir = final_status(usulan)
    return {
        "id": usulan.id, "tracking_code": usulan.tracking_code,
        "kecamatan": usulan.kecamatan, "kecamatan_nama": usulan.kecamatan_nama,
        "desa": usulan.desa, "desa_nama": usulan.desa_nama, "gagasan": usulan.gagasan,
        "opd": usulan.opd, "cost_awal": money_text(usulan.cost_awal),
        "cost_akhir": money_text(usulan.cost_akhir),
        "status_musrenbang": usulan.status_musrenbang, "alasan": usulan.alasan,
        "keputusan_opd": usulan.keputusan_opd, "alasan_opd": usulan.alasan_opd,
        "status_akhir": status_akhir, "alasan_akhir": alasan_akhir,
    }


def pokir_record(pokir: PokirIn) -> dict:
    return {
        "id": pokir.id, "anggota": pokir.anggota, "fraksi": pokir.fraksi, "dapil": pokir.dapil,
        "judul": pokir.judul, "kecamatan": pokir.kecamatan, "desa": pokir.desa,
        "opd": pokir.opd, "cost": money_text(pokir.cost), "status": pokir.status,
        "alasan": pokir.alasan,
    }


def usulan_sort_key(usulan: UsulanIn) -> tuple:
    return (code_key(usulan.kecamatan), usulan.kecamatan, code_key(usulan.desa), usulan.desa,
            usulan.tracking_code, usulan.id)


def pokir_sort_key(pokir: PokirIn) -> tuple:
    return (pokir.dapil, pokir.anggota, pokir.id)


def build_lampiran(usulan: Iterable[UsulanIn], pokir: Iterable[PokirIn]) -> dict:
    """{"usulan": [...], "pokir": [...]} sorted as in the module doc."""
    return {
        "usulan": [usulan_record(u) for u in sorted(checked_usulan(usulan),
                                                     key=usulan_sort_key)],
        "pokir": [pokir_record(p) for p in sorted(checked_pokir(pokir), key=pokir_sort_key)],
    }


# -- Bappeda's review of the pokir (kajian), a table of the annex ---------------------------------
KAJIAN_STATUS = ("layak", "tidak_layak")


def kajian_record(review: dict, pokir: PokirIn | None) -> dict:
    """One line of the pokir review table from `pokir.reviewed.v1` data and the pokir (if known)."""
    if review.get("status") not in KAJIAN_STATUS:
        raise ValueError(f"status kajian pokir tidak dikenal: {review.get('status')!r}")
    kajian = review.get("kajian") or {}
    return {
        "pokir_id": review["pokir_id"],
        "anggota": pokir.anggota if pokir else None, "dapil": pokir.dapil if pokir else None,
        "judul": pokir.judul if pokir else None, "opd": pokir.opd if pokir else None,
        "cost": money_text(pokir.cost) if pokir else None,
        "status": review["status"],
        "kewenangan": bool(kajian.get("kewenangan")),
        "sesuai_prioritas": bool(kajian.get("sesuai_prioritas")),
        "duplikat_usulan": kajian.get("duplikat_usulan"),
        "biaya_wajar": bool(kajian.get("biaya_wajar")),
        "catatan": (review.get("catatan") or "").strip() or None,
    }


def build_kajian_pokir(reviews, pokir: Iterable[PokirIn]) -> list[dict]:
    """The latest review of each pokir, sorted like the pokir annex (dapil, anggota, id)."""
    by_id = {p.id: p for p in pokir}
    records = [kajian_record(r, by_id.get(r["pokir_id"])) for r in reviews]
    return sorted(records, key=lambda r: (r["dapil"] or "", r["anggota"] or "", r["pokir_id"]))
