"""Bappeda's acts on the RKPD calendar, their inputs checked (pure; field errors in Bahasa
Indonesia, every problem at once):

* the rancangan awal settings: the year's priorities (a list of texts) and, as a local policy,
  pagu indikatif kewilayahan (a ceiling per kecamatan of the pemda);
* whether the rancangan awal can be published: priorities set, at least one OPD ceiling
  (pagu indikatif from Renja's `pagu.set.v1`), and the kewilayahan ceilings inside the total;
* the Perkada of the penetapan (number, ISO date);
* a Perubahan RKPD: the OPDs it opens (known OPDs, no repeats) and its reason.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Collection, Mapping

from .errors import FieldError, TransitionRefused, raise_if_any
from .money import CENT, money_text, total

MAX_PRIORITIES = 50
MAX_TEXT = 500
MAX_REASON = 2000


def _money(value: object) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or number < 0 or number != number.quantize(CENT):
        return None
    return number.quantize(CENT)


def check_rancangan_awal(prioritas: object, pagu_kewilayahan: object, kecamatan: Mapping[str, str]) -> dict:
    """`{"prioritas": [...], "pagu_kewilayahan": [{"kecamatan", "pagu"}]}` normalised (kewilayahan
    sorted by kecamatan code), or every field problem. `kecamatan`: the pemda's {kode: nama}."""
    errors: list[FieldError] = []
    items: list[str] = []
    if not isinstance(prioritas, list) or not prioritas:
        errors.append(FieldError("prioritas", "Isi prioritas pembangunan tahun ini (daftar, paling sedikit satu)",
                                 "required"))
    elif len(prioritas) > MAX_PRIORITIES:
        errors.append(FieldError("prioritas", f"Paling banyak {MAX_PRIORITIES} prioritas", "max_items"))
    else:
        for i, item in enumerate(prioritas):
            text = " ".join(item.split()) if isinstance(item, str) else ""
            if not text:
                errors.append(FieldError(f"prioritas[{i}]", "Prioritas tidak boleh kosong", "required"))
            elif len(text) > MAX_TEXT:
                errors.append(FieldError(f"prioritas[{i}]", f"Paling banyak {MAX_TEXT} karakter", "max_length"))
            elif text.casefold() in {t.casefold() for t in items}:
                errors.append(FieldError(f"prioritas[{i}]", "Prioritas ini sudah tercantum", "duplicate"))
            else:
                items.append(text)
    wilayah: dict[str, str] = {}
    if pagu_kewilayahan is None:
        pagu_kewilayahan = []
    if not isinstance(pagu_kewilayahan, list):
        errors.append(FieldError("pagu_kewilayahan", "Daftar {kecamatan, pagu} atau kosong", "invalid"))
        pagu_kewilayahan = []
    for i, entry in enumerate(pagu_kewilayahan):
        field = f"pagu_kewilayahan[{i}]"
        if not isinstance(entry, Mapping):
            errors.append(FieldError(field, "Isi kecamatan dan pagu", "invalid"))
            continue
        kode, amount = entry.get("kecamatan"), _money(entry.get("pagu"))
        if kode not in kecamatan:
            errors.append(FieldError(f"{field}.kecamatan", "Kecamatan tidak dikenal di pemda ini; pakai kode "
                                     "kecamatan dari data wilayah (mis. 12.21.07)", "unknown"))
        elif kode in wilayah:
            errors.append(FieldError(f"{field}.kecamatan", "Kecamatan ini sudah tercantum", "duplicate"))
        if amount is None:
            errors.append(FieldError(f"{field}.pagu", "Pagu dalam rupiah, tidak negatif, paling banyak 2 desimal",
                                     "invalid"))
        if kode in kecamatan and kode not in wilayah and amount is not None:
            wilayah[kode] = money_text(amount)
    raise_if_any(errors)
    return {"prioritas": items,
            "pagu_kewilayahan": [{"kecamatan": k, "pagu": wilayah[k]} for k in sorted(wilayah)]}


def check_publishable(settings: Mapping | None, ceilings: Mapping[str, Mapping[str, str]]) -> None:
    """Refusals (with what to do next) when the rancangan awal cannot be published yet."""
    if not settings or not settings.get("prioritas"):
        raise TransitionRefused("Prioritas tahun ini belum diisi; isi dulu lewat PUT .../rancangan-awal.",
                                code="prioritas_kosong")
    if not ceilings:
        raise TransitionRefused("Belum ada pagu indikatif OPD; tetapkan pagu indikatif setiap OPD di Renja "
                                "terlebih dahulu.", code="pagu_indikatif_kosong")
    ceiling_total = total(Decimal(c["pagu_n"]) for c in ceilings.values())
    wilayah_total = total(Decimal(w["pagu"]) for w in settings.get("pagu_kewilayahan") or ())
    if wilayah_total > ceiling_total:
        raise TransitionRefused(
            f"Jumlah pagu indikatif kewilayahan ({money_text(wilayah_total)}) melebihi jumlah pagu indikatif OPD "
            f"({money_text(ceiling_total)}); kurangi pagu kewilayahan.", code="pagu_kewilayahan_melebihi")


def check_perkada(nomor: object, tanggal: object) -> dict:
    """`{"nomor", "tanggal"}` (tanggal ISO YYYY-MM-DD), or the field problems."""
    errors = []
    text = " ".join(nomor.split()) if isinstance(nomor, str) else ""
    if not text:
        errors.append(FieldError("nomor_perkada", "Nomor Peraturan Kepala Daerah wajib diisi", "required"))
    elif len(text) > 100:
        errors.append(FieldError("nomor_perkada", "Paling banyak 100 karakter", "max_length"))
    day = None
    if isinstance(tanggal, str):
        try:
            day = date.fromisoformat(tanggal.strip())
        except ValueError:
            day = None
    if day is None or len(tanggal.strip()) != 10:  # type: ignore[union-attr]
        errors.append(FieldError("tanggal_perkada", "Tanggal Perkada dalam format YYYY-MM-DD", "format_date"))
    raise_if_any(errors)
    return {"nomor": text, "tanggal": day.isoformat()}  # type: ignore[union-attr]


def check_perubahan(opds: object, alasan: object, known_opds: Collection[str]) -> tuple[list[str], str]:
    """The OPDs a Perubahan RKPD opens (sorted, each known) and its reason."""
    errors = []
    chosen: list[str] = []
    if not isinstance(opds, list) or not opds:
        errors.append(FieldError("opds", "Sebutkan OPD yang Renja-nya diubah (paling sedikit satu)", "required"))
    else:
        for i, opd in enumerate(opds):
            if not isinstance(opd, str) or opd not in known_opds:
                errors.append(FieldError(f"opds[{i}]", "OPD tidak tercantum dalam RKPD yang ditetapkan; pakai kode "
                                         "OPD dari dokumen RKPD", "unknown"))
            elif opd in chosen:
                errors.append(FieldError(f"opds[{i}]", "OPD ini sudah disebut", "duplicate"))
            else:
                chosen.append(opd)
    reason = " ".join(alasan.split()) if isinstance(alasan, str) else ""
    if not reason:
        errors.append(FieldError("alasan", "Alasan perubahan wajib diisi", "required"))
    elif len(reason) > MAX_REASON:
        errors.append(FieldError("alasan", f"Paling banyak {MAX_REASON} karakter", "max_length"))
    raise_if_any(errors)
    return sorted(chosen), reason
