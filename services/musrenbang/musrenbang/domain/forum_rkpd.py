"""Musrenbang RKPD kabupaten/kota as a forum (Bappeda chairs): the record of the meeting and what
its agreements mean for the usulan.

The record: tempat, tanggal, peserta (nama, unsur, instansi), the rancangan RKPD it discussed
(optional: version number and digest), kesepakatan and catatan. A kesepakatan is one of:

* `prioritas`: a priority of the year confirmed (uraian);
* `perubahan_baris`: a change to a line of the rancangan (row_id, uraian, alasan);
* `pokir`: a pokir taken in (pokir_id, uraian);
* `usulan`: the forum's outcome for one usulan that reached it (usulan_id, status diterima |
  diterima dengan perubahan (volume) | ditolak, alasan unless diterima).

Per-usulan outcomes at this level are the forum's agreements: when the forum closes, every usulan
still undecided at this level gets its decision from the forum, the one agreed for it or, when the
forum agreed nothing about it, "diterima" (the forum agreed the rancangan RKPD that carries it),
each with the forum's reference. Bappeda does not decide usulan one by one.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Mapping, Sequence

from eplanning_common.domainkit.text import MULTILINE, text_field_errors

from .errors import FieldError, raise_if_any
from .kamus import volume_errors
from .money import compute_cost
from .schedule import Level, require_aware
from .trail import Decision, DecisionStatus
from .usulan import Usulan, status_at

UNSUR = ("opd", "dprd", "kecamatan", "masyarakat", "bappeda")
JENIS = ("prioritas", "perubahan_baris", "pokir", "usulan")
USULAN_OUTCOMES = ("diterima", "diterima dengan perubahan", "ditolak")
FIELDS = {"tempat", "tanggal", "peserta", "rancangan_rkpd", "kesepakatan", "catatan"}
PESERTA_FIELDS = {"nama", "unsur", "instansi"}
KESEPAKATAN_FIELDS = {"jenis", "uraian", "row_id", "pokir_id", "usulan_id", "status", "volume", "alasan"}
NEEDS = {"perubahan_baris": ("row_id", "alasan"), "pokir": ("pokir_id",), "usulan": ("usulan_id", "status")}
MAX_TEXT = 2000


def _text(value, field: str, label: str, required: bool = True, kind: str = "line") -> list[FieldError]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return [FieldError(field, f"{label} wajib diisi", "required")] if required else []
    if not isinstance(value, str):
        return [FieldError(field, f"{label} harus berupa teks", "type_string")]
    if len(value) > MAX_TEXT:
        return [FieldError(field, f"{label} paling banyak {MAX_TEXT} karakter", "too_long")]
    return text_field_errors(value, field, label, *((MULTILINE,) if kind == MULTILINE else ()))


def record_errors(record: object) -> list[FieldError]:
    """Every problem of a forum record (field names as sent: `peserta[2].unsur`, ...)."""
    if not isinstance(record, dict):
        return [FieldError("body", "Catatan forum berupa objek JSON", "type_object")]
    errors = [FieldError(k, f"Kolom {k} tidak dikenal", "unknown_field") for k in sorted(set(record) - FIELDS)]
    errors += _text(record.get("tempat"), "tempat", "Tempat forum")
    try:
        date.fromisoformat(record.get("tanggal") if isinstance(record.get("tanggal"), str) else "")
    except ValueError:
        errors.append(FieldError("tanggal", "Tanggal forum wajib diisi (YYYY-MM-DD)", "required"))
    errors += _text(record.get("catatan"), "catatan", "Catatan", required=False, kind=MULTILINE)
    peserta = record.get("peserta")
    if not isinstance(peserta, list) or not peserta:
        errors.append(FieldError("peserta", "Peserta forum wajib diisi (nama, unsur, instansi)", "required"))
        peserta = []
    for i, p in enumerate(peserta):
        at = f"peserta[{i}]"
        if not isinstance(p, dict) or set(p) - PESERTA_FIELDS:
            errors.append(FieldError(at, "Peserta berisi nama, unsur dan instansi", "invalid"))
            continue
        errors += _text(p.get("nama"), f"{at}.nama", "Nama peserta")
        errors += _text(p.get("instansi"), f"{at}.instansi", "Instansi", required=False)
        if p.get("unsur") not in UNSUR:
            errors.append(FieldError(f"{at}.unsur", f"Unsur peserta: {', '.join(UNSUR)}", "unknown"))
    rancangan = record.get("rancangan_rkpd")
    if rancangan is not None:
        ok = (isinstance(rancangan, dict) and set(rancangan) <= {"nomor", "sha256"}
              and isinstance(rancangan.get("nomor"), int) and not isinstance(rancangan.get("nomor"), bool)
              and rancangan["nomor"] >= 1
              and (rancangan.get("sha256") is None or (isinstance(rancangan["sha256"], str)
                                                       and len(rancangan["sha256"]) == 64
                                                       and all(c in "0123456789abcdef" for c in rancangan["sha256"]))))
        if not ok:
            errors.append(FieldError("rancangan_rkpd", "Rancangan RKPD yang dibahas: {nomor (versi), sha256}",
                                     "invalid"))
    kesepakatan = record.get("kesepakatan")
    if not isinstance(kesepakatan, list) or not kesepakatan:
        errors.append(FieldError("kesepakatan", "Kesepakatan forum wajib diisi (sekurang-kurangnya satu)",
                                 "required"))
        kesepakatan = []
    for i, k in enumerate(kesepakatan):
        errors += _agreement_errors(i, k)
    seen: dict[str, int] = {}
    for i, k in enumerate(kesepakatan):
        if isinstance(k, dict) and k.get("jenis") == "usulan" and isinstance(k.get("usulan_id"), str):
            if k["usulan_id"] in seen:
                errors.append(FieldError(f"kesepakatan[{i}].usulan_id", f"Usulan ini sudah disepakati di "
                                         f"kesepakatan[{seen[k['usulan_id']]}]", "duplicate"))
            seen.setdefault(k["usulan_id"], i)
    return errors


def _agreement_errors(i: int, k: object) -> list[FieldError]:
    at = f"kesepakatan[{i}]"
    if not isinstance(k, dict):
        return [FieldError(at, "Kesepakatan berupa objek {jenis, uraian, ...}", "type_object")]
    errors = [FieldError(f"{at}.{name}", f"Kolom {name} tidak dikenal", "unknown_field")
              for name in sorted(set(k) - KESEPAKATAN_FIELDS)]
    jenis = k.get("jenis")
    if jenis not in JENIS:
        return errors + [FieldError(f"{at}.jenis", f"Jenis kesepakatan: {', '.join(JENIS)}", "unknown")]
    errors += _text(k.get("uraian"), f"{at}.uraian", "Uraian kesepakatan", required=jenis != "usulan",
                    kind=MULTILINE)
    for name in NEEDS.get(jenis, ()):
        if name == "alasan":
            continue
        if not isinstance(k.get(name), str) or not k[name].strip():
            errors.append(FieldError(f"{at}.{name}", f"{name} wajib diisi untuk kesepakatan {jenis}", "required"))
    needs_reason = jenis == "perubahan_baris" or (jenis == "usulan" and k.get("status") not in (None, "diterima"))
    errors += _text(k.get("alasan"), f"{at}.alasan", "Alasan", required=needs_reason)
    for name in ("row_id", "pokir_id", "usulan_id", "status", "volume"):
        if k.get(name) is not None and name not in NEEDS.get(jenis, ()) and not (jenis == "usulan" and name == "volume"):
            errors.append(FieldError(f"{at}.{name}", f"{name} tidak dipakai untuk kesepakatan {jenis}", "not_allowed"))
    if jenis == "usulan" and k.get("status") is not None:
        if k["status"] not in USULAN_OUTCOMES:
            errors.append(FieldError(f"{at}.status", f"Hasil untuk usulan: {', '.join(USULAN_OUTCOMES)}", "unknown"))
        elif k["status"] == "diterima dengan perubahan" and k.get("volume") is None:
            errors.append(FieldError(f"{at}.volume", "Volume baru wajib untuk diterima dengan perubahan", "required"))
        elif k["status"] != "diterima dengan perubahan" and k.get("volume") is not None:
            errors.append(FieldError(f"{at}.volume", "Volume hanya untuk diterima dengan perubahan", "not_allowed"))
    return errors


def check_record(record: object) -> dict:
    """The record, trimmed; ValidationError with every field problem otherwise."""
    raise_if_any(record_errors(record))
    clean = {"tempat": record["tempat"].strip(), "tanggal": record["tanggal"],
             "peserta": [{"nama": p["nama"].strip(), "unsur": p["unsur"], "instansi": (p.get("instansi") or "").strip()}
                         for p in record["peserta"]],
             "rancangan_rkpd": record.get("rancangan_rkpd"),
             "kesepakatan": [{key: (v.strip() if isinstance(v, str) else v) for key, v in k.items() if v is not None}
                             for k in record["kesepakatan"]],
             "catatan": (record.get("catatan") or "").strip()}
    return clean


def reaching_forum(usulans: Sequence[Usulan]) -> list[Usulan]:
    """The usulan whose outcome this forum records: live and undecided at kabupaten level."""
    return [u for u in usulans if status_at(u, Level.KABUPATEN) == "belum diputuskan"]


def usulan_agreement_errors(kesepakatan: Sequence[dict], reaching: Mapping[str, Usulan]) -> list[FieldError]:
    """Agreements on usulan name an usulan that reached the forum, with a valid volume."""
    errors: list[FieldError] = []
    for i, k in enumerate(kesepakatan):
        if k.get("jenis") != "usulan":
            continue
        u = reaching.get(k["usulan_id"])
        if u is None:
            errors.append(FieldError(f"kesepakatan[{i}].usulan_id", "Usulan ini tidak sampai ke Musrenbang RKPD "
                                     "(tidak diterima di kecamatan, sudah diputuskan, atau bukan usulan tahun ini)",
                                     "not_reaching_forum"))
        elif k["status"] == "diterima dengan perubahan":
            volume, found = volume_errors(k.get("volume"), u.kamus_item, f"kesepakatan[{i}].volume")
            errors += found
            if volume is not None and volume == u.current_volume:
                errors.append(FieldError(f"kesepakatan[{i}].volume", "Volume sama dengan sebelumnya; gunakan "
                                         "diterima", "unchanged"))
    return errors


def forum_decisions(usulans: Sequence[Usulan], kesepakatan: Sequence[dict], *, forum_ref: str, by: str,
                    at: datetime) -> list[Usulan]:
    """Every usulan that reached the forum, with the forum's decision at kabupaten level."""
    require_aware(at)
    agreed = {k["usulan_id"]: k for k in kesepakatan if k.get("jenis") == "usulan"}
    decided = []
    for u in reaching_forum(usulans):
        k = agreed.get(u.id, {"status": "diterima"})
        status = DecisionStatus(k["status"])
        volume, cost = u.current_volume, u.current_cost
        if status is DecisionStatus.DITERIMA_DENGAN_PERUBAHAN:
            volume, _ = volume_errors(k["volume"], u.kamus_item)
            cost = compute_cost(volume, u.kamus_item.harga_satuan)
        decision = Decision(level=Level.KABUPATEN, status=status, reason=k.get("alasan", ""), volume=volume, cost=cost,
                            original_volume=u.volume, original_cost=u.cost, by=by, at=at, forum_ref=forum_ref)
        decided.append(replace(u, decisions=u.decisions + (decision,)))
    return decided
